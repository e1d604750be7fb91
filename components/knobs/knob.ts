/**
 * What a datapath knob is: a config setting plus the Helm values it sets, the kernel it needs, what a
 * change costs, and the decision of record. The catalogue (`catalogue.ts`) is a table of these.
 */
import type { SettingDef } from "../core/define";
import type { KernelNeed } from "./kernel-needs";

/**
 * What changing a knob costs on a running cluster. The first six are what the chart renders (a pod
 * template that changes, a workload that appears, disappears or scales): `test/render-costs.test.ts`
 * holds every knob's list to the real Cilium 1.20.0 render, value by value. The last three are what
 * the datapath does when the new pods start, which no render shows (datapath.md §2).
 */
export type Cost =
  | "agents-roll"
  | "operator-rolls"
  | "relay-scales"
  | "relay-toggles"
  | "ui-toggles"
  | "spire-toggles"
  | "pods-restart"
  | "nodes-replace"
  | "conntrack-reset";

/** The costs a render shows (the rest are the datapath's). */
export const RENDERED_COSTS = [
  "agents-roll",
  "operator-rolls",
  "relay-scales",
  "relay-toggles",
  "ui-toggles",
  "spire-toggles",
] as const satisfies readonly Cost[];

/**
 * Cost → a short label (tables, reports) and what it means. The rollout figures are the Cilium 1.20.0
 * chart's, as rendered with the baseline: the agent DaemonSet's `updateStrategy.type: OnDelete` (set by
 * the baseline, so the deploy's agent roll replaces each agent: components/agent-roll), the operator's 2 replicas with `maxSurge: 25%,
 * maxUnavailable: 50%` (values.yaml `operator.replicas`, `operator.updateStrategy`); the render test
 * checks them.
 */
export const COSTS: Readonly<Record<Cost, { readonly label: string; readonly meaning: string }>> = {
  "agents-roll": {
    label: "agents roll",
    meaning:
      "the agent DaemonSet's pod template changes (a cilium-config change, through rollOutCiliumPods, or the agent's own spec): every Cilium agent restarts, one node at a time: the deploy's agent roll replaces each node's agent (OnDelete) and checks it before the next (workers agentRollBatchSize at a time)",
  },
  "operator-rolls": {
    label: "operator rolls",
    meaning:
      "the operator Deployment's pod template changes (a cilium-config change, through operator.rollOutPods, or its own spec): its 2 pods are replaced one at a time and leadership moves to a new pod",
  },
  "relay-scales": {
    label: "relay scales",
    meaning: "only the hubble-relay Deployment's replica count changes: no pod restarts",
  },
  "relay-toggles": {
    label: "relay created or removed",
    meaning: "the hubble-relay Deployment, its Service, ConfigMap and client certificate appear or disappear",
  },
  "ui-toggles": {
    label: "UI created or removed",
    meaning: "the hubble-ui Deployment, its Service, ConfigMap and RBAC appear or disappear",
  },
  "spire-toggles": {
    label: "SPIRE created or removed",
    meaning:
      "the SPIRE server StatefulSet and agent DaemonSet appear or disappear, with their RBAC, ConfigMaps and the trust bundle",
  },
  "pods-restart": {
    label: "pods restart",
    meaning: "existing pods keep the old behaviour until they restart",
  },
  "nodes-replace": {
    label: "nodes replaced",
    meaning: "existing pods or nodes must be recreated: mixing old and new is unsupported",
  },
  "conntrack-reset": {
    label: "conntrack resets",
    meaning: "BPF maps are recreated: connection tracking and NAT state reset",
  },
};

/**
 * The decision of record (datapath.md §4). `baseline`: the production value, keep it; `adopt`: planned,
 * in `step` order; `later`: planned after the adopted ones have soaked; `rejected`: a change was
 * evaluated and rejected; `available`: typed and validated, never evaluated for this cluster.
 */
export interface Decision {
  readonly verdict: "baseline" | "adopt" | "later" | "rejected" | "available";
  readonly reason: string;
  /** For `adopt`: the position in the safe adoption order (1 first). */
  readonly step?: number;
}

/** What the values builder knows beyond the knobs. */
export interface HelmContext {
  /** The IPv4 pod CIDR (Talos `cluster.network.podSubnets[0]`). */
  readonly podCidr: string;
}

/** One Helm value a knob sets. `value` maps the knob's value (undefined leaves the path unset). */
export interface HelmBinding<V> {
  readonly path: string;
  readonly value?: (v: V, ctx: HelmContext) => unknown;
}

/** A datapath knob: a typed stack flag with everything the catalogue records about it. */
export interface KnobDef<V> extends SettingDef<V> {
  /** Short human name ("bandwidth manager"). */
  readonly title: string;
  /** The Helm values each value of the knob sets. */
  readonly helm: readonly HelmBinding<V>[];
  /** The kernel a value needs, if any, and what the agent does below it (checked against the Talos kernel). */
  readonly kernel?: (v: V) => KernelNeed | undefined;
  /** What a change costs. */
  readonly costs: readonly Cost[];
  /** The cost in words, specific to this knob. */
  readonly costNote: string;
  /** The decision of record. */
  readonly decision: Decision;
}

/** Builds a knob from a setting definition and the catalogue facts. */
export function knob<V>(setting: SettingDef<V>, facts: Omit<KnobDef<V>, keyof SettingDef<V>>): KnobDef<V> {
  return { ...setting, ...facts };
}

/** A binding that sets `path` to the knob's value itself. */
export function direct<V>(path: string): HelmBinding<V> {
  return { path };
}
