/**
 * The order of a rolling Talos upgrade (pure): the node roll's order (`components/rolling`) one node
 * at a time, control planes first in plan order (etcd keeps its quorum), then the workers in plan
 * order; the first control plane runs the health checks and `upgrade-k8s`. The address type is
 * generic: a string in tests, a Pulumi input in the component.
 */
import type { NodePlan } from "../config/spec";
import { planRoll, type RollPlan } from "../rolling/plan";
import type { HealthTargets } from "./scripts";

/** A node as the upgrade sees it. */
export interface UpgradeNode<A> extends Pick<NodePlan, "name" | "role" | "privateIp"> {
  /** Where the runner reaches the node's Talos API (its public address). */
  readonly address: A;
}

/** The whole rolling upgrade. */
export interface UpgradePlan<A> {
  /** The node roll the component runs: one node per batch. */
  readonly roll: RollPlan<UpgradeNode<A>>;
  /** The first control plane: `talosctl health` and `upgrade-k8s` run against it. */
  readonly healthAddress: A;
  /** Private addresses for `talosctl health --control-plane-nodes` (it runs on the node). */
  readonly controlPlaneIps: readonly string[];
  /** Private addresses for `talosctl health --worker-nodes`. */
  readonly workerIps: readonly string[];
}

/**
 * Where the cluster health check runs and which nodes it names: on the first control plane's
 * address, every control plane's and every worker's private address (`talosHealthArgs`). The config
 * apply gates and the upgrade steps share it. Fails without a control plane.
 */
export function healthTargets<A>(
  nodes: readonly UpgradeNode<A>[],
  caller = "healthTargets",
): HealthTargets<A> {
  const controlPlanes = nodes.filter((n) => n.role === "controlplane");
  const first = controlPlanes[0];
  if (!first) throw new Error(`${caller}: no control-plane node`);
  return {
    healthAddress: first.address,
    controlPlaneIps: controlPlanes.map((n) => n.privateIp),
    workerIps: nodes.filter((n) => n.role === "worker").map((n) => n.privateIp),
  };
}

/** Plans the steps; the nodes come in plan order (`planNodes`), and at least one is a control plane. */
export function planUpgrades<A>(nodes: readonly UpgradeNode<A>[]): UpgradePlan<A> {
  const targets = healthTargets(nodes, "planUpgrades");
  // One node at a time, workers too: an upgrade reboots its node.
  const roll = planRoll(nodes, { workerBatch: 1 });
  return { roll, ...targets };
}
