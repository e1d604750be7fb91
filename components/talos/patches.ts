/**
 * The Talos 1.13 machine-config patches of the cluster (pure): plain objects, one per YAML document,
 * that `machine.getConfiguration` and `machine.ConfigurationApply` merge into the generated config
 * (strategic merge; a v1alpha1 patch is a partial `v1alpha1.Config`, other documents are matched by
 * kind and name). Facts: platform.md ("Machine configuration this cluster needs"), datapath.md §3;
 * field names checked against `talos-v1.13.9/config.schema.json` by test/talos-patches.test.ts.
 * The cluster endpoint is not here: getConfiguration's `clusterEndpoint` sets it.
 */
import { documentYaml } from "./patch-yaml";
import type { Pool } from "../config/pools";
import type { ClusterSpec, NodePlan, Settings } from "../config/spec";

/** One YAML document of a machine-config patch, as a plain object. */
export type PatchDocument = { readonly [key: string]: unknown };

/** A Talos machine type. */
export type Role = NodePlan["role"];

/** The patch documents of each machine type. */
export type RolePatches = Readonly<Record<Role, PatchDocument[]>>;

/** What the role patches need besides the spec: values other resources supply, resolved. */
export interface RolePatchOptions {
  /** The control-plane endpoint's addresses, for the API server's and apid's certificate SANs. */
  readonly sans: readonly string[];
  /** The Image Factory installer image (`factory.talos.dev/hcloud-installer/<schematic>:<version>`). */
  readonly installerImage: string;
  /** Kubelets run with `--cloud-provider=external` (hcloud cloud-controller-manager). @default false */
  readonly externalCloudProvider?: boolean;
}

/** KubePrism's port on every node: Cilium's API server endpoint (`localhost:7445`, platform.md). */
export const KUBEPRISM_PORT = 7445;

/** Hetzner private networks run at MTU 1450; without it Talos resets the NIC to 1500 (platform.md). */
export const PRIVATE_NIC_MTU = 1450;

/**
 * The private network's NIC. Talos boots Hetzner servers with `net.ifnames=0`: `eth0` is the public
 * interface when the server has one (IPv4 or IPv6), and the private network is then `eth1` (platform.md).
 */
export function privateInterface(settings: Pick<Settings, "publicIPv4" | "publicIPv6">): "eth0" | "eth1" {
  return settings.publicIPv4 || settings.publicIPv6 ? "eth1" : "eth0";
}

const unique = (values: readonly string[]): string[] => [...new Set(values)];

/** The v1alpha1 patch of a machine type: datapath, addressing, install image, certificates. */
function v1alpha1Patch(
  spec: Pick<ClusterSpec, "settings" | "knobs">,
  role: Role,
  opts: RolePatchOptions,
): PatchDocument {
  const { settings } = spec;
  const controlPlane = role === "controlplane";
  const sans = unique(opts.sans);
  return {
    machine: {
      ...(controlPlane ? { certSANs: sans } : {}),
      // The private address is the node IP, so the apiserver, etcd and the tunnel endpoints use it.
      kubelet: { nodeIP: { validSubnets: [settings.nodeSubnetCidr] } },
      install: { image: opts.installerImage },
      features: {
        kubePrism: { enabled: true, port: KUBEPRISM_PORT },
        // Host DNS forwarding breaks CoreDNS under BPF host routing; off always (datapath.md §3).
        hostDNS: { enabled: true, forwardKubeDNSToHost: false },
      },
    },
    cluster: {
      // Every node's kubelet derives its cluster DNS address from serviceSubnets: workers need them too.
      network: {
        cni: { name: "none" },
        podSubnets: [settings.podCidr],
        serviceSubnets: [settings.serviceCidr],
      },
      proxy: { disabled: spec.knobs.kubeProxyReplacement },
      externalCloudProvider: { enabled: opts.externalCloudProvider ?? false },
      ...(controlPlane
        ? { apiServer: { certSANs: [...sans] }, etcd: { advertisedSubnets: [settings.nodeSubnetCidr] } }
        : {}),
    },
  };
}

/** The private NIC's documents (Talos 1.13 has no `machine.network`): MTU 1450 and DHCP. */
export function networkDocuments(settings: Pick<Settings, "publicIPv4" | "publicIPv6">): PatchDocument[] {
  const name = privateInterface(settings);
  return [
    { apiVersion: "v1alpha1", kind: "LinkConfig", name, mtu: PRIVATE_NIC_MTU },
    { apiVersion: "v1alpha1", kind: "DHCPv4Config", name },
  ];
}

/** The patch documents every node of a machine type gets, for both machine types. */
export function rolePatches(
  spec: Pick<ClusterSpec, "settings" | "knobs">,
  opts: RolePatchOptions,
): RolePatches {
  const network = networkDocuments(spec.settings);
  return {
    controlplane: [v1alpha1Patch(spec, "controlplane", opts), ...network],
    worker: [v1alpha1Patch(spec, "worker", opts), ...network],
  };
}

/**
 * `machine.nodeTaints` values: `value:effect`, or just `effect` without a value (Talos
 * NodeTaintSpecController). A map, one taint per key: the cluster rules refuse a control-plane pool
 * that sets a key twice (config/cluster-rules.ts), so no taint is lost here.
 */
function nodeTaints(pool: Pool): Record<string, string> {
  return Object.fromEntries(
    pool.taints.map((t) => [t.key, t.value === "" ? t.effect : `${t.value}:${t.effect}`]),
  );
}

/** Kubelet `registerWithTaints` entries (Kubernetes `Taint`: key, value?, effect). */
const registerWithTaints = (pool: Pool) =>
  pool.taints.map((t) => (t.value === "" ? { key: t.key, effect: t.effect } : { ...t }));

/**
 * A pool's node labels and taints, or no document when it has none. Control planes: `nodeLabels` and
 * `nodeTaints`, kept in step by Talos. Workers: `nodeLabels`, and taints through the kubelet's
 * `registerWithTaints`, which NodeRestriction allows at registration only (config/node-restriction.ts): a
 * changed worker taint reaches new nodes; existing ones need `kubectl taint`. A worker label NodeRestriction
 * refuses never gets here: the cluster rules refuse it at preview (config/cluster-rules.ts).
 */
export function poolPatches(pool: Pool, role: Role): PatchDocument[] {
  const machine: Record<string, unknown> = {};
  if (Object.keys(pool.labels).length > 0) machine.nodeLabels = { ...pool.labels };
  if (pool.taints.length > 0 && role === "controlplane") machine.nodeTaints = nodeTaints(pool);
  if (pool.taints.length > 0 && role === "worker") {
    machine.kubelet = { extraConfig: { registerWithTaints: registerWithTaints(pool) } };
  }
  return Object.keys(machine).length > 0 ? [{ machine }] : [];
}

/** A fixed hostname; `auto: off` because the generated config carries `auto: stable`, which conflicts. */
export function hostnameDocument(hostname: string): PatchDocument {
  return { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname };
}

/** One node's own documents: its pool's labels and taints, then its hostname (the server name). */
export function nodePatches(node: Pick<NodePlan, "name" | "role" | "pool">): PatchDocument[] {
  return [...poolPatches(node.pool, node.role), hostnameDocument(node.name)];
}

/**
 * A multi-document YAML stream of the documents, in order: no line folding, no anchors or aliases
 * (yaml's `stringify`, byte for byte; `documentYaml` prints the patches' shapes without its document model).
 */
export function toYaml(docs: readonly PatchDocument[]): string {
  return docs.map(documentYaml).join("---\n");
}
