/**
 * The knob catalogue: every Cilium datapath knob this program offers, as one table and the single
 * source of truth. Validation, the Helm values, `Pulumi.yaml`, the README's knob table, the rollout
 * report and the soak gate all read it. Facts: the Cilium 1.20 agent, chart and docs, each cited where it
 * is used (the rules in `rules-*.ts`, the kernel minimums in `kernel-needs.ts`); decisions: datapath.md §4.
 *
 * The object key is the config key (`hcloud-talos-cilium:<key>`); defaults are the production baseline.
 */
import { boolean, integer, oneOf, text } from "../core/define";
import { KERNEL_NEEDS } from "./kernel-needs";
import { direct, knob, type KnobDef } from "./knob";

/**
 * A cilium-config key: the agent DaemonSet and the operator Deployment carry a checksum of the whole
 * ConfigMap in their pod templates (rollOutCiliumPods, operator.rollOutPods; chart templates
 * cilium-agent/daemonset.yaml, cilium-operator/deployment.yaml), so both roll.
 */
const ROLL = ["agents-roll", "operator-rolls"] as const;
const ROLL_CT = [...ROLL, "conntrack-reset"] as const;
const ROLL_PODS = [...ROLL, "pods-restart"] as const;
const ROLL_NODES = [...ROLL, "nodes-replace"] as const;
/** The agent's own pod spec (its resources), not a cilium-config key: the operator does not roll. */
const AGENT_SPEC = ["agents-roll"] as const;

const HOST_ROUTING = { auto: undefined, bpf: false, legacy: true } as const;
/** A decimal in (0, 1], e.g. `0.0025` (Cilium's default ratio of BPF map entries to memory), or empty. */
const RATIO_OR_EMPTY = /^$|^(0?\.\d*[1-9]\d*|1(\.0+)?)$/;
/** An IPv4 CIDR's shape, or empty (the CIDR maths is checked by the rules). */
const CIDR_OR_EMPTY = /^$|^\d+\.\d+\.\d+\.\d+\/\d+$/;
/** A Kubernetes CPU or memory quantity. */
const QUANTITY = /^\d+(\.\d+)?(m|Ki|Mi|Gi)?$/;

/** Every knob, keyed by config key. */
export const KNOBS = {
  kubeProxyReplacement: knob(
    boolean({
      default: true,
      description: "Cilium replaces kube-proxy (eBPF services); Talos kube-proxy is disabled",
    }),
    {
      title: "kube-proxy replacement",
      helm: [direct("kubeProxyReplacement")],
      costs: ROLL_CT,
      costNote:
        "every agent and the operator roll, and Talos re-enables or disables kube-proxy on every node; service connections reset",
      decision: {
        verdict: "baseline",
        reason:
          "production runs without kube-proxy; BPF host routing (and with it pod BBR, netkit and BIG TCP), DSR, XDP acceleration, Gateway API and the egress gateway need it",
      },
    },
  ),
  routingMode: knob(
    oneOf(["tunnel", "native"] as const, {
      default: "tunnel",
      description: "pod traffic between nodes: encapsulated (tunnel) or routed (native)",
    }),
    {
      title: "routing mode",
      helm: [direct("routingMode")],
      costs: ROLL_NODES,
      costNote:
        "a disruptive, node-by-node migration: nodes in different modes cannot reach each other's pods",
      decision: {
        verdict: "rejected",
        reason:
          "native routing needs L2 adjacency or route programming that Hetzner's private network does not give; high effort and risk, modest gain at this scale",
      },
    },
  ),
  tunnelProtocol: knob(
    oneOf(["vxlan", "geneve"] as const, {
      default: "vxlan",
      description: "encapsulation in tunnel mode (vxlan: UDP 8472, geneve: UDP 6081)",
    }),
    {
      title: "tunnel protocol",
      helm: [direct("tunnelProtocol")],
      costs: ROLL_NODES,
      costNote: "nodes on different protocols cannot reach each other's pods until every agent has rolled",
      decision: { verdict: "baseline", reason: "vxlan; geneve is only needed for DSR, which is rejected" },
    },
  ),
  ipv4NativeRoutingCidr: knob(
    text({
      default: "",
      description: "native routing: the CIDR routed without masquerading (empty: unset)",
      pattern: CIDR_OR_EMPTY,
      expected: "an IPv4 CIDR such as 10.244.0.0/16, or empty",
    }),
    {
      title: "native routing CIDR",
      helm: [{ path: "ipv4NativeRoutingCIDR", value: (v) => v || undefined }],
      costs: ROLL,
      costNote: "every agent and the operator roll",
      decision: { verdict: "rejected", reason: "part of native routing (rejected)" },
    },
  ),
  autoDirectNodeRoutes: knob(
    boolean({
      default: false,
      description: "native routing: install a route per node's pod CIDR (needs L2 adjacency)",
    }),
    {
      title: "auto direct node routes",
      helm: [direct("autoDirectNodeRoutes")],
      costs: ROLL,
      costNote: "every agent and the operator roll",
      decision: {
        verdict: "rejected",
        reason: "does not work on Hetzner: every packet's next hop is the network gateway, not the peer node",
      },
    },
  ),
  bandwidthManager: knob(
    boolean({
      default: false,
      description: "bandwidth manager: fq qdisc with EDT pacing on the node's devices",
    }),
    {
      title: "bandwidth manager",
      helm: [direct("bandwidthManager.enabled")],
      costs: ROLL,
      costNote:
        "every agent and the operator roll; each agent replaces the node qdisc with fq (Cilium re-applies it; hand fixes do not stick)",
      decision: {
        verdict: "adopt",
        step: 1,
        reason:
          "fq/EDT pacing: better tail latency and fairness on egress; soak with WireGuard on (fq's 100-packet flow limit dropped WireGuard bursts in a field report)",
      },
    },
  ),
  bandwidthManagerBBR: knob(
    boolean({
      default: false,
      description: "BBR congestion control for pods (needs the bandwidth manager and BPF host routing)",
    }),
    {
      title: "BBR for pods",
      helm: [direct("bandwidthManager.bbr")],
      kernel: (v) => (v ? KERNEL_NEEDS.bbr : undefined),
      costs: ROLL_PODS,
      costNote:
        "every agent and the operator roll; existing sockets keep their congestion control until their pod restarts",
      decision: {
        verdict: "adopt",
        step: 3,
        reason:
          "BBR with fq pacing: up to 4.2x better p99 latency; last of the three, because pod BBR needs BPF host routing, which needs BPF masquerade",
      },
    },
  ),
  bandwidthManagerBBRHostNamespaceOnly: knob(
    boolean({
      default: false,
      description: "BBR for host-namespace sockets only (works without BPF host routing)",
    }),
    {
      title: "BBR host namespace only",
      helm: [direct("bandwidthManager.bbrHostNamespaceOnly")],
      costs: ROLL,
      costNote: "every agent and the operator roll",
      decision: {
        verdict: "available",
        reason: "a stepping stone when BPF host routing cannot be on; not needed on the adoption path",
      },
    },
  ),
  bpfMasquerade: knob(
    boolean({
      default: false,
      description:
        "masquerade pod→external traffic in eBPF instead of iptables (with kube-proxy replacement, turns on BPF host routing)",
    }),
    {
      title: "BPF masquerade",
      helm: [direct("bpf.masquerade")],
      costs: ROLL_CT,
      costNote:
        "every agent and the operator roll; the NAT path of all pod egress moves to eBPF, so existing egress connections lose their NAT state",
      decision: {
        verdict: "adopt",
        step: 2,
        reason:
          "pod→external SNAT in eBPF instead of iptables; with host routing on auto it turns on BPF host routing (Talos forwardKubeDNSToHost is already off)",
      },
    },
  ),
  bpfHostRouting: knob(
    oneOf(["auto", "bpf", "legacy"] as const, {
      default: "auto",
      description:
        "host routing: auto (agent decides), bpf (the plan refuses the agent's silent fallback), legacy (iptables; breaks netkit, pod BBR, BIG TCP)",
    }),
    {
      title: "BPF host routing",
      helm: [{ path: "bpf.hostLegacyRouting", value: (v) => HOST_ROUTING[v] }],
      costs: ROLL_CT,
      costNote: "every agent and the operator roll; the host stack is bypassed or re-entered for pod traffic",
      decision: {
        verdict: "available",
        reason:
          "left on auto: BPF masquerade turns it on; `bpf` makes the plan refuse the agent's silent fallback to legacy routing (to the agent, `bpf` is the same as auto)",
      },
    },
  ),
  datapathMode: knob(
    oneOf(["veth", "netkit", "netkit-l2"] as const, {
      default: "veth",
      description:
        "pod network device: veth, netkit or netkit-l2 (auto is not offered: it silently falls back to veth)",
    }),
    {
      title: "datapath mode (netkit)",
      helm: [direct("bpf.datapathMode")],
      kernel: (v) => (v === "veth" ? undefined : KERNEL_NEEDS.netkit),
      costs: [...ROLL, "pods-restart", "nodes-replace"],
      costNote:
        "only new pods get the new device; mixing is unsupported, so existing pods must be recreated or nodes replaced",
      decision: {
        verdict: "later",
        reason:
          "the largest upstream win (host-namespace throughput for pods); re-evaluate once 1.20.x has matured and the adopted knobs have soaked",
      },
    },
  ),
  bpfTproxy: knob(
    boolean({ default: false, description: "transparent proxying in eBPF for L7 redirection" }),
    {
      title: "BPF TPROXY",
      helm: [direct("bpf.tproxy")],
      costs: ROLL,
      costNote: "every agent and the operator roll",
      decision: { verdict: "available", reason: "not evaluated; excludes netkit" },
    },
  ),
  loadBalancerMode: knob(
    oneOf(["snat", "dsr", "hybrid"] as const, {
      default: "snat",
      description: "service load balancing for remote backends: snat, dsr or hybrid",
    }),
    {
      title: "load-balancer mode (DSR)",
      helm: [direct("loadBalancer.mode")],
      costs: ROLL_CT,
      costNote:
        "every agent and the operator roll; established service connections through other nodes break",
      decision: {
        verdict: "rejected",
        reason:
          "DSR needs the tunnel switched to geneve, and most user traffic is L7-proxied through Envoy/Gateway anyway",
      },
    },
  ),
  dsrDispatch: knob(
    oneOf(["opt", "ipip", "geneve"] as const, {
      default: "opt",
      description: "how DSR carries the service address: IP option, IPIP or geneve",
    }),
    {
      title: "DSR dispatch",
      helm: [direct("loadBalancer.dsrDispatch")],
      costs: ROLL_CT,
      costNote: "every agent and the operator roll; established DSR connections break",
      decision: { verdict: "rejected", reason: "part of DSR (rejected)" },
    },
  ),
  loadBalancerAcceleration: knob(
    oneOf(["disabled", "native", "best-effort"] as const, {
      default: "disabled",
      description: "XDP acceleration of service load balancing",
    }),
    {
      title: "XDP acceleration",
      helm: [direct("loadBalancer.acceleration")],
      costs: ROLL,
      costNote: "every agent and the operator roll; each agent attaches or detaches XDP programs on the NICs",
      decision: {
        verdict: "available",
        reason:
          "not evaluated; virtio_net is on Cilium's native XDP driver list (Documentation/reference-guides/bpf/progtypes.rst:405), untried on Hetzner's virtual NICs",
      },
    },
  ),
  ciliumEndpointSlice: knob(
    boolean({
      default: false,
      description: "CiliumEndpointSlice: batch endpoints to cut apiserver watch load (beta)",
    }),
    {
      title: "CiliumEndpointSlice",
      helm: [direct("ciliumEndpointSlice.enabled")],
      costs: ROLL,
      costNote:
        "every agent and the operator roll: the operator runs the CiliumEndpointSlice controller only when it starts with the key set, which operator.rollOutPods makes it do",
      decision: {
        verdict: "rejected",
        reason:
          "the gain scales with endpoint count (small at a few hundred pods) and it changes ipcache propagation timing on a cluster sensitive to exactly that",
      },
    },
  ),
  egressGateway: knob(
    boolean({
      default: false,
      description: "egress gateway: route selected pod egress through chosen nodes",
    }),
    {
      title: "egress gateway",
      helm: [direct("egressGateway.enabled")],
      costs: ROLL,
      costNote: "every agent and the operator roll",
      decision: {
        verdict: "available",
        reason: "not evaluated; needs BPF masquerade and excludes CiliumEndpointSlice",
      },
    },
  ),
  hubble: knob(boolean({ default: true, description: "Hubble flow observability in every agent" }), {
    title: "Hubble",
    helm: [direct("hubble.enabled")],
    costs: ROLL,
    costNote:
      "every agent and the operator roll; the hubble-peer Service and the Hubble TLS Secrets come or go with it; turning it off loses the only view of policy drops",
    decision: {
      verdict: "rejected",
      reason:
        "disabling Hubble frees relay pods and agent work, but Hubble is the only view of policy verdicts and drops, and drop-debugging is the recurring incident mode",
    },
  }),
  hubbleRelay: knob(
    boolean({ default: true, description: "Hubble relay: cluster-wide flow API (needs Hubble)" }),
    {
      title: "Hubble relay",
      helm: [direct("hubble.relay.enabled")],
      costs: ["relay-toggles"],
      costNote:
        "agents do not roll: only the relay's Deployment, Service, ConfigMap and client certificate come or go",
      decision: { verdict: "baseline", reason: "production runs relay with 2 replicas" },
    },
  ),
  hubbleRelayReplicas: knob(integer({ default: 2, min: 1, max: 10, description: "Hubble relay replicas" }), {
    title: "Hubble relay replicas",
    helm: [direct("hubble.relay.replicas")],
    costs: ["relay-scales"],
    costNote: "only the hubble-relay Deployment scales; agents do not roll",
    decision: { verdict: "baseline", reason: "2 replicas keep the flow API up through a node drain" },
  }),
  hubbleUI: knob(boolean({ default: true, description: "Hubble UI (needs relay)" }), {
    title: "Hubble UI",
    helm: [direct("hubble.ui.enabled")],
    costs: ["ui-toggles"],
    costNote: "agents do not roll: only the UI's Deployment, Service, ConfigMap and RBAC come or go",
    decision: { verdict: "baseline", reason: "production runs the UI" },
  }),
  monitorAggregation: knob(
    oneOf(["none", "low", "medium", "maximum"] as const, {
      default: "medium",
      description: "how much the agents aggregate datapath monitor events",
    }),
    {
      title: "monitor aggregation",
      helm: [direct("bpf.monitorAggregation")],
      costs: ROLL,
      costNote: "every agent and the operator roll; Hubble's event volume changes",
      decision: { verdict: "rejected", reason: "the chart default (medium) is right" },
    },
  ),
  bigTCPIPv4: knob(boolean({ default: false, description: "IPv4 BIG TCP (192k GSO/GRO)" }), {
    title: "BIG TCP (IPv4)",
    helm: [direct("enableIPv4BIGTCP")],
    kernel: (v) => (v ? KERNEL_NEEDS.bigTcpIPv4 : undefined),
    costs: ROLL_PODS,
    costNote:
      "every agent and the operator roll; each agent changes the NICs' GSO/GRO limits; pods must restart to use it",
    decision: {
      verdict: "available",
      reason:
        "not evaluated; the agent refuses it in tunnel mode, it needs BPF host routing, and the docs list only mlx4/mlx5/ice NICs, not Hetzner's virtio_net",
    },
  }),
  bigTCPIPv6: knob(boolean({ default: false, description: "IPv6 BIG TCP (needs IPv6 pod networking)" }), {
    title: "BIG TCP (IPv6)",
    helm: [direct("enableIPv6BIGTCP")],
    kernel: (v) => (v ? KERNEL_NEEDS.bigTcpIPv6 : undefined),
    costs: ROLL_PODS,
    costNote:
      "every agent and the operator roll; each agent changes the NICs' GSO/GRO limits; pods must restart to use it",
    decision: { verdict: "available", reason: "not evaluated; this program runs IPv4 pod networking only" },
  }),
  wireguard: knob(
    boolean({
      default: true,
      description: "WireGuard encryption of pod-to-pod traffic (node encryption stays off)",
    }),
    {
      title: "WireGuard",
      helm: [
        direct("encryption.enabled"),
        { path: "encryption.type", value: () => "wireguard" },
        // Node encryption stays off on purpose: it black-holed node traffic in tunnel mode (datapath.md §1).
        { path: "encryption.nodeEncryption", value: () => false },
      ],
      costs: ROLL,
      costNote:
        "every agent and the operator roll; pod traffic between a rolled and an unrolled node is dropped until both have rolled",
      decision: { verdict: "baseline", reason: "Hetzner private networks are isolated but not encrypted" },
    },
  ),
  strictEgress: knob(
    boolean({
      default: true,
      description: "WireGuard strict egress: never send pod traffic unencrypted (needs WireGuard)",
    }),
    {
      title: "WireGuard strict egress",
      helm: [
        direct("encryption.strictMode.egress.enabled"),
        // Required in tunnel mode (datapath.md §1); harmless in native mode, so it follows the knob.
        direct("encryption.strictMode.egress.allowRemoteNodeIdentities"),
      ],
      costs: ROLL,
      costNote: "every agent and the operator roll",
      decision: {
        verdict: "baseline",
        reason:
          "production runs strict egress; 1.20 removed the flat strictMode keys, so only the egress keys are set",
      },
    },
  ),
  strictEgressCidr: knob(
    text({
      default: "",
      description: "strict egress CIDR (empty: the pod CIDR); must be IPv4 and cover the pod CIDR",
      pattern: CIDR_OR_EMPTY,
      expected: "an IPv4 CIDR, or empty for the pod CIDR",
    }),
    {
      title: "strict egress CIDR",
      helm: [{ path: "encryption.strictMode.egress.cidr", value: (v, ctx) => v || ctx.podCidr }],
      costs: ROLL,
      costNote: "every agent and the operator roll",
      decision: { verdict: "baseline", reason: "the pod CIDR" },
    },
  ),
  mutualAuth: knob(
    boolean({
      default: true,
      description: "SPIRE mutual authentication (deprecated upstream in 1.20, removal planned for 1.21)",
    }),
    {
      title: "SPIRE mutual auth",
      helm: [
        direct("authentication.enabled"),
        direct("authentication.mutual.spire.enabled"),
        direct("authentication.mutual.spire.install.enabled"),
      ],
      costs: [...ROLL, "spire-toggles"],
      costNote:
        "every agent and the operator roll (both mount the SPIRE agent socket); the SPIRE server and agents are installed or removed",
      decision: {
        verdict: "baseline",
        reason: "production runs mutual auth; flagged: deprecated in 1.20, plan the exit before 1.21",
      },
    },
  ),
  gatewayAPI: knob(
    boolean({
      default: true,
      description: "Gateway API with ALPN and appProtocol; the GatewayClass is created",
    }),
    {
      title: "Gateway API",
      helm: [
        direct("gatewayAPI.enabled"),
        direct("gatewayAPI.enableAlpn"),
        direct("gatewayAPI.enableAppProtocol"),
        // "auto" needs a renderer that can see the CRDs; say "true" so the class is never silently skipped.
        { path: "gatewayAPI.gatewayClass.create", value: (v) => String(v) },
      ],
      costs: ROLL,
      costNote:
        "every agent and the operator roll (the operator runs the Gateway API controllers only when it starts with them on); the GatewayClass and its admission policy come or go; Gateways stop or start being served",
      decision: { verdict: "baseline", reason: "production serves its traffic through Cilium's Gateway API" },
    },
  ),
  bpfClockProbe: knob(
    boolean({
      default: false,
      description: "use jiffies instead of ktime for BPF map timestamps where the kernel allows",
    }),
    {
      title: "eBPF clock probe",
      helm: [direct("bpfClockProbe")],
      costs: ROLL_CT,
      costNote: "every agent and the operator roll; BPF maps are recreated, connection tracking resets",
      decision: { verdict: "available", reason: "not evaluated" },
    },
  ),
  bpfDistributedLRU: knob(
    boolean({ default: false, description: "per-CPU distributed LRU for the connection-tracking maps" }),
    {
      title: "distributed LRU",
      helm: [direct("bpf.distributedLRU.enabled")],
      costs: ROLL_CT,
      costNote: "every agent and the operator roll; BPF maps are recreated, connection tracking resets",
      decision: { verdict: "available", reason: "not evaluated" },
    },
  ),
  bpfMapDynamicSizeRatio: knob(
    text({
      default: "",
      description: "ratio of memory for BPF maps, e.g. 0.0025 (empty: chart default)",
      pattern: RATIO_OR_EMPTY,
      expected: "a decimal greater than 0 and at most 1, such as 0.0025, or empty",
    }),
    {
      title: "BPF map size ratio",
      helm: [{ path: "bpf.mapDynamicSizeRatio", value: (v) => (v ? Number(v) : undefined) }],
      costs: ROLL_CT,
      costNote: "every agent and the operator roll; BPF maps are recreated, connection tracking resets",
      decision: { verdict: "available", reason: "not evaluated" },
    },
  ),
  agentCpuRequest: knob(
    text({
      default: "100m",
      description: "Cilium agent CPU request (there is deliberately no CPU limit)",
      pattern: QUANTITY,
      expected: "a CPU quantity such as 100m or 1",
    }),
    {
      title: "agent CPU request",
      helm: [direct("resources.requests.cpu")],
      costs: AGENT_SPEC,
      costNote: "every agent rolls (its resources are in the pod template); the operator does not",
      decision: {
        verdict: "rejected",
        reason: "requests are right-sized; CPU limits are deliberately absent (Cilium guidance)",
      },
    },
  ),
  agentMemoryRequest: knob(
    text({
      default: "512Mi",
      description: "Cilium agent memory request",
      pattern: QUANTITY,
      expected: "a memory quantity such as 512Mi",
    }),
    {
      title: "agent memory request",
      helm: [direct("resources.requests.memory")],
      costs: AGENT_SPEC,
      costNote: "every agent rolls (its resources are in the pod template); the operator does not",
      decision: { verdict: "rejected", reason: "requests are right-sized" },
    },
  ),
} as const;

/** A knob's config key. */
export type KnobKey = keyof typeof KNOBS;

/** The value type of a knob. */
export type KnobValue<K extends KnobKey> = (typeof KNOBS)[K] extends KnobDef<infer V> ? V : never;

/** A complete set of knob values (what a stack resolves to). */
export type Knobs = { readonly [K in KnobKey]: KnobValue<K> };

/** Every knob key, in catalogue order. */
export const KNOB_KEYS = Object.keys(KNOBS) as KnobKey[];

/** The knob definition of a key, typed loosely for generic code (validation, report, docs). */
export function knobDef(key: KnobKey): KnobDef<unknown> {
  return KNOBS[key] as KnobDef<unknown>;
}

/** The catalogue defaults: the production baseline. */
export function defaultKnobs(): Knobs {
  return Object.fromEntries(KNOB_KEYS.map((k) => [k, knobDef(k).default])) as unknown as Knobs;
}
