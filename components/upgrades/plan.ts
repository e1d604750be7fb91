/**
 * The order of a rolling Talos upgrade (pure): control planes first, one at a time in plan order (etcd
 * keeps its quorum), then the workers in plan order; the first control plane runs the health checks and
 * `upgrade-k8s`. The address type is generic: a string in tests, a Pulumi input in the component.
 */
import type { NodePlan } from "../config/spec";

/** A node as the upgrade sees it. */
export interface UpgradeNode<A> extends Pick<NodePlan, "name" | "role" | "privateIp"> {
  /** Where the runner reaches the node's Talos API (its public address). */
  readonly address: A;
}

/** One step: upgrade this node, then wait for the cluster to be healthy. */
export interface UpgradeStep<A> {
  /** The node (server name = Talos hostname = Kubernetes node name). */
  readonly node: string;
  readonly role: NodePlan["role"];
  readonly address: A;
}

/** The whole rolling upgrade. */
export interface UpgradePlan<A> {
  /** In execution order: control planes, then workers. */
  readonly steps: readonly UpgradeStep<A>[];
  /** The first control plane: `talosctl health` and `upgrade-k8s` run against it. */
  readonly healthAddress: A;
  /** Private addresses for `talosctl health --control-plane-nodes` (it runs on the node). */
  readonly controlPlaneIps: readonly string[];
  /** Private addresses for `talosctl health --worker-nodes`. */
  readonly workerIps: readonly string[];
}

/** Plans the steps; the nodes come in plan order (`planNodes`), and at least one is a control plane. */
export function planUpgrades<A>(nodes: readonly UpgradeNode<A>[]): UpgradePlan<A> {
  const controlPlanes = nodes.filter((n) => n.role === "controlplane");
  const workers = nodes.filter((n) => n.role === "worker");
  const first = controlPlanes[0];
  if (!first) throw new Error("planUpgrades: no control-plane node");
  return {
    steps: [...controlPlanes, ...workers].map((n) => ({ node: n.name, role: n.role, address: n.address })),
    healthAddress: first.address,
    controlPlaneIps: controlPlanes.map((n) => n.privateIp),
    workerIps: workers.map((n) => n.privateIp),
  };
}
