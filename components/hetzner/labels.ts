/**
 * Hetzner labels and label selectors of the cluster's resources (pure). The load balancer finds the
 * control planes by the same labels the servers carry, so both come from here and cannot drift.
 */
import type { NodePlan } from "../config/spec";

/** A Hetzner label map. */
export type HcloudLabels = Readonly<Record<string, string>>;

/** Labels on every resource of a cluster: `cluster=<stack>`. */
export function clusterLabels(stack: string): HcloudLabels {
  return { cluster: stack };
}

/**
 * A server's labels: cluster, role and pool. The pool's Kubernetes labels are NOT copied here: they
 * are node labels (set through the Talos machine config), and a pool label named `cluster`, `role` or
 * `pool` would overwrite these keys and could put a worker behind the API load balancer.
 */
export function nodeLabels(stack: string, node: Pick<NodePlan, "role" | "pool">): HcloudLabels {
  return { ...clusterLabels(stack), role: node.role, pool: node.pool.name };
}

/** The label selector of the cluster's control-plane servers (the API load balancer's target). */
export function controlPlaneSelector(stack: string): string {
  return `cluster=${stack},role=controlplane`;
}

/**
 * Hetzner's architectures: a server type's `architecture` (getServerType) and the `withArchitecture`
 * of `getImage`. A pool's image follows its server type's architecture as the API reports it.
 */
export type Arch = "x86" | "arm";

/** The schematic label holds the first 32 characters of the 64-character ID (label values ≤ 63). */
export const SCHEMATIC_LABEL_LENGTH = 32;

/**
 * The label selector of the Talos snapshots of one version and schematic, as the upload tool labels
 * them (platform.md): `os=talos,talos-version=<v>,talos-schematic=<first 32 chars>`.
 */
export function talosImageSelector(talosVersion: string, schematicId: string): string {
  const schematic = schematicId.slice(0, SCHEMATIC_LABEL_LENGTH);
  return `os=talos,talos-version=${talosVersion},talos-schematic=${schematic}`;
}
