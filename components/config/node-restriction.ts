/**
 * What a Talos node may set on its own Kubernetes Node object (pure). Talos applies `machine.nodeLabels`
 * and `machine.nodeTaints` with the KUBELET's credentials on workers (an admin client on control planes:
 * NodeApplyController.getK8sClient), so the NodeRestriction admission plugin, always on in Talos, decides:
 * - labels in the `kubernetes.io` / `k8s.io` domains are refused unless they are kubelet labels, and
 *   `node-restriction.kubernetes.io/*` always (k8s.io/kubelet well_known_labels.go, IsKubeletLabel);
 * - a node may set taints when it registers, never change them afterwards ("node %q is not allowed to
 *   modify taints"), so worker taints go in the kubelet's `registerWithTaints` (patches.ts).
 * One refused label fails the whole Node update, so none of the node's labels would apply.
 */

/** Labels a kubelet may set on its own Node, outside the allowed namespaces below. */
const KUBELET_LABELS: ReadonlySet<string> = new Set([
  "kubernetes.io/hostname",
  "kubernetes.io/os",
  "kubernetes.io/arch",
  "beta.kubernetes.io/os",
  "beta.kubernetes.io/arch",
  "beta.kubernetes.io/instance-type",
  "topology.kubernetes.io/zone",
  "topology.kubernetes.io/region",
  "failure-domain.beta.kubernetes.io/zone",
  "failure-domain.beta.kubernetes.io/region",
]);

/** Label namespaces (and their subdomains) a kubelet may use freely. */
const KUBELET_NAMESPACES = ["kubelet.kubernetes.io", "node.kubernetes.io"] as const;

/** The Kubernetes-reserved label namespaces (and their subdomains). */
const KUBERNETES_NAMESPACES = ["kubernetes.io", "k8s.io"] as const;

const namespaceOf = (key: string): string => (key.includes("/") ? key.slice(0, key.indexOf("/")) : "");
const within = (namespace: string, domain: string): boolean =>
  namespace === domain || namespace.endsWith(`.${domain}`);

/** Whether NodeRestriction refuses a node setting this label on itself (so a worker cannot carry it). */
export function isSelfForbiddenLabel(key: string): boolean {
  const ns = namespaceOf(key);
  if (within(ns, "node-restriction.kubernetes.io")) return true;
  if (!KUBERNETES_NAMESPACES.some((domain) => within(ns, domain))) return false;
  return !KUBELET_LABELS.has(key) && !KUBELET_NAMESPACES.some((domain) => within(ns, domain));
}

/** The label keys of a map that a worker could not set on itself, in map order. */
export function selfForbiddenLabels(labels: Readonly<Record<string, string>>): string[] {
  return Object.keys(labels).filter(isSelfForbiddenLabel);
}
