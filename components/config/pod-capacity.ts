/**
 * Whether the pod CIDR holds a per-node range for every node the pools can have (pure).
 *
 * Who cuts the pod CIDR into per-node ranges, and how big they are:
 * - Talos v1.13.9 runs kube-controller-manager with `--allocate-node-cidrs=true` and
 *   `--cluster-cidr=<cluster.network.podSubnets>`, and no `--node-cidr-mask-size*` flag
 *   (siderolabs/talos v1.13.9, internal/app/machined/pkg/controllers/k8s/control_plane_static_pod.go,
 *   the `builder` args of the controller manager, lines 583–598).
 * - kube-controller-manager then gives every Node a /24 of an IPv4 cluster CIDR: `defaultNodeMaskCIDRIPv4
 *   = 24` (kubernetes/kubernetes cmd/kube-controller-manager/app/core.go, used by setNodeCIDRMaskSizes);
 *   a node it cannot give a range to gets none (event `CIDRNotAvailable`).
 * - Cilium's `ipam.mode: kubernetes` (values.ts) allocates pod IPs out of `node.spec.podCIDRs`, and the
 *   agent waits at start-up until the Node has one (docs.cilium.io, network/concepts/ipam/kubernetes,
 *   "Kubernetes Host Scope"). A node without a range never gets a running Cilium agent.
 */
import { parseCidr4 } from "../core/cidr";
import type { KeyFinding } from "./access-rules";
import type { Settings } from "./spec";

/** The per-node pod range kube-controller-manager allocates by default under Talos 1.13 (see above). */
export const NODE_POD_CIDR_PREFIX = 24;

/** Every node the pools declare: the control planes and every worker. */
export function nodeCount(s: Pick<Settings, "controlPlane" | "workerPools">): number {
  return s.controlPlane.count + s.workerPools.reduce((n, p) => n + p.count, 0);
}

/** How many per-node ranges a pod CIDR of this prefix length holds (0 when it is smaller than one). */
export function nodeRanges(prefix: number): number {
  return prefix > NODE_POD_CIDR_PREFIX ? 0 : 2 ** (NODE_POD_CIDR_PREFIX - prefix);
}

/** The pod CIDR must hold one /24 per node; a malformed pod CIDR is the CIDR rule's to report. */
export function podCapacity(s: Pick<Settings, "podCidr" | "controlPlane" | "workerPools">): KeyFinding[] {
  const pod = parseCidr4(s.podCidr);
  if (!pod) return [];
  const nodes = nodeCount(s);
  const ranges = nodeRanges(pod.prefix);
  if (ranges >= nodes) return [];
  const needed = NODE_POD_CIDR_PREFIX - Math.ceil(Math.log2(nodes));
  return [
    {
      key: "podCidr",
      value: s.podCidr,
      finding: {
        why: `kube-controller-manager gives every node a /${NODE_POD_CIDR_PREFIX} of the pod CIDR (Talos sets no --node-cidr-mask-size), so /${pod.prefix} holds ${ranges} node range(s) and the pools have ${nodes} nodes; a node without a range never runs Cilium (ipam.mode kubernetes)`,
        allowed: `a pod CIDR of /${needed} or larger for ${nodes} nodes`,
        fix: `use a /${needed} (or larger) pod CIDR outside the network and service CIDRs, e.g. 10.244.0.0/16`,
      },
    },
  ];
}
