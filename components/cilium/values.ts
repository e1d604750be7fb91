/**
 * The Cilium 1.20 Helm values: the production baseline (datapath.md §1) plus what every knob sets.
 * Pure. The baseline holds only paths no knob owns (a test keeps the two disjoint), so every knob's
 * Helm path is spelled once, in the catalogue.
 */
import { AGENT_UPDATE_STRATEGY } from "../agent-roll/plan";
import type { ClusterSpec } from "../config/spec";
import { KNOB_KEYS, knobDef } from "../knobs/catalogue";
import type { HelmContext } from "../knobs/knob";

/** Helm values: a tree of plain JSON. */
export type HelmValues = { [key: string]: unknown };

/** The namespace the SPIRE server and agents run in (created by the Cilium component, labelled privileged). */
export const SPIRE_NAMESPACE = "cilium-spire";

/** Talos forbids kernel module loading: the chart's capability lists minus SYS_MODULE (datapath.md §1). */
const AGENT_CAPABILITIES = [
  "CHOWN",
  "KILL",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "SYS_ADMIN",
  "SYS_RESOURCE",
  "DAC_OVERRIDE",
  "FOWNER",
  "SETGID",
  "SETUID",
  "SYSLOG",
];
const CLEAN_STATE_CAPABILITIES = ["NET_ADMIN", "SYS_ADMIN", "SYS_RESOURCE"];

/**
 * Nodes of a cluster with an external cloud provider carry this taint until the hcloud
 * cloud-controller-manager has initialized them. The chart's agent, operator and SPIRE agent already
 * tolerate it; relay, UI and the SPIRE server do not, so the release (atomic: it waits for them) would
 * wait for the cloud controller. With it, Cilium installs on its own and the controller follows.
 */
export const UNINITIALIZED_TOLERATION = {
  key: "node.cloudprovider.kubernetes.io/uninitialized",
  operator: "Exists",
  effect: "NoSchedule",
} as const;

/** Sets `a.b.c` in a values tree, creating objects on the way; undefined leaves the path unset. */
export function setPath(values: HelmValues, path: string, value: unknown): void {
  if (value === undefined) return;
  const parts = path.split(".");
  const last = parts.pop() as string;
  let node = values;
  for (const part of parts) {
    const next = node[part];
    node = (typeof next === "object" && next !== null ? next : (node[part] = {})) as HelmValues;
  }
  node[last] = value;
}

/** The baseline values that are not knobs: Talos requirements, KubePrism, IPAM, MTU, SPIRE details. */
export function baselineValues(spec: ClusterSpec): HelmValues {
  const values: HelmValues = {
    // KubePrism answers on every Talos node at localhost:7445 (platform.md).
    k8sServiceHost: "localhost",
    k8sServicePort: 7445,
    ipam: { mode: "kubernetes" },
    // Hetzner private NICs are 1450; auto-detection picked the public NIC's 1500 on dual-NIC nodes.
    MTU: 1450,
    l7Proxy: true,
    rollOutCiliumPods: true,
    // The deploy rolls the agents itself, node by node, each after its checks (components/agent-roll):
    // OnDelete, and no rollingUpdate block (null deletes the chart's maxUnavailable: 2).
    updateStrategy: { ...AGENT_UPDATE_STRATEGY },
    // The operator reads cilium-config once, at start, and builds its CiliumEndpointSlice and Gateway
    // API controllers from it then (cilium/cilium operator/pkg/ciliumendpointslice/controller.go
    // registerController, operator/pkg/gateway-api/cell.go initGatewayAPIController). Without the
    // ConfigMap's checksum on its pod template (the chart's default, operator.rollOutPods: false) a knob
    // it acts on reaches only the agents. Cost: every cilium-config change also replaces its 2 pods,
    // one at a time (docs/design-notes.md, "The operator follows its config").
    operator: { rollOutPods: true },
    cgroup: { autoMount: { enabled: false }, hostRoot: "/sys/fs/cgroup" },
    securityContext: {
      capabilities: { ciliumAgent: AGENT_CAPABILITIES, cleanCiliumState: CLEAN_STATE_CAPABILITIES },
    },
  };
  setPath(values, "hubble.relay.tolerations", [UNINITIALIZED_TOLERATION]);
  setPath(values, "hubble.ui.tolerations", [UNINITIALIZED_TOLERATION]);
  if (spec.knobs.mutualAuth) setPath(values, "authentication.mutual.spire.install", spireInstall(spec));
  return values;
}

/** SPIRE install details: our namespace, storage, and the uid the server image runs as. */
function spireInstall(spec: ClusterSpec): HelmValues {
  const storageClass = spec.settings.spireStorageClass;
  return {
    namespace: SPIRE_NAMESPACE,
    // The Cilium component creates the namespace with PodSecurity "privileged" (Talos enforces baseline).
    existingNamespace: true,
    server: {
      // No StorageClass, no PVC: the server keeps its data in memory and re-attests after a restart.
      dataStorage: storageClass ? { enabled: true, storageClass } : { enabled: false },
      // Field report: the server image runs as uid 1000 while the chart's init runs as root.
      podSecurityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
      tolerations: [UNINITIALIZED_TOLERATION],
    },
  };
}

/** What every knob's value sets, in catalogue order. */
export function knobValues(spec: ClusterSpec): HelmValues {
  const values: HelmValues = {};
  const ctx: HelmContext = { podCidr: spec.settings.podCidr };
  for (const key of KNOB_KEYS) {
    const value = spec.knobs[key];
    for (const binding of knobDef(key).helm)
      setPath(values, binding.path, binding.value ? binding.value(value, ctx) : value);
  }
  return values;
}

/** Deep-merges `b` into a copy of `a` (objects merge, everything else is replaced). */
function merge(a: HelmValues, b: HelmValues): HelmValues {
  const out: HelmValues = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    const isObj = (x: unknown): x is HelmValues => typeof x === "object" && x !== null && !Array.isArray(x);
    out[k] = isObj(cur) && isObj(v) ? merge(cur, v) : v;
  }
  return out;
}

/** The exact Helm values of the `cilium` release for a resolved spec. */
export function ciliumValues(spec: ClusterSpec): HelmValues {
  return merge(baselineValues(spec), knobValues(spec));
}
