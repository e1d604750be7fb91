/**
 * Host routing, the pod device (netkit), routing mode and its CIDR, direct node routes, the tunnel
 * protocol. Agent references point into cilium/cilium@aeb2d1b (see `source.ts`).
 */
import type { Knobs } from "./catalogue";
import { show, type Finding } from "../core/define";
import {
  ADOPT_HOST_ROUTING,
  agentParsesCidr4,
  coversPodsRule,
  hostRouting,
  usesDsr,
  type Rule,
} from "./rule";
import { agentFallsBack, agentRefuses, chartFails, ours } from "./source";

/** The agent's netkit refusals in its own order (pkg/datapath/connector/config.go:137-145). */
function netkitRefusal(k: Knobs): string | undefined {
  if (k.bpfHostRouting === "legacy")
    return "netkit devices cannot be used with --enable-host-legacy-routing=true";
  if (!k.bpfMasquerade) return "netkit devices require BPF masquerade (--enable-bpf-masquerade=true)";
  if (!k.kubeProxyReplacement) return "netkit devices require --kube-proxy-replacement";
  return undefined;
}

const netkitFinding = (k: Knobs): Finding | undefined => {
  const refusal = k.datapathMode === "veth" ? undefined : netkitRefusal(k);
  return refusal
    ? {
        why: `the agent refuses to start: "netkit connector not available: ${refusal}" (netkit only works with BPF host routing, so the agent checks every condition that would make it fall back to legacy routing)`,
        allowed: '"veth", or netkit with BPF host routing',
        fix: ADOPT_HOST_ROUTING,
      }
    : undefined;
};

/** Every host-routing, netkit and routing-mode rule. */
export const ROUTING_RULES: readonly Rule[] = [
  {
    id: "host-routing-bpf-falls-back",
    knob: "bpfHostRouting",
    severity: "error",
    summary: '"bpf" requires kube-proxy replacement and BPF masquerade',
    source: agentFallsBack("pkg/kpr/initializer/kube_proxy_replacement.go:46-59"),
    check: (k) => {
      const hr = hostRouting(k);
      return k.bpfHostRouting === "bpf" && hr.fallback
        ? {
            why: `the agent silently falls back to legacy host routing: "${hr.fallback} Falling back to legacy host routing (enable-host-legacy-routing=true)." ("bpf" writes enable-host-legacy-routing: "false", the agent's default, which cannot prevent it)`,
            allowed: '"auto" or "legacy", or "bpf" with kubeProxyReplacement and bpfMasquerade true',
            fix: 'set bpfMasquerade: true (a soaked change of its own), or bpfHostRouting: "auto"',
          }
        : undefined;
    },
  },
  {
    id: "netkit-needs-bpf-host-routing",
    knob: "datapathMode",
    severity: "error",
    summary: "netkit requires BPF host routing (KPR and BPF masquerade)",
    source: agentRefuses("pkg/datapath/connector/config.go:137-145, 201-204"),
    check: netkitFinding,
  },
  {
    id: "netkit-excludes-tproxy",
    knob: "datapathMode",
    severity: "error",
    summary: "netkit excludes bpfTproxy",
    source: chartFails("templates/validate.yaml:250"),
    check: (k) =>
      k.datapathMode !== "veth" && k.bpfTproxy
        ? {
            why: 'the chart fails: ".Values.bpf.tproxy cannot be enabled with .Values.bpf.datapathMode=netkit or .Values.bpf.datapathMode=netkit-l2" (and the agent would refuse it too: pkg/datapath/connector/config.go:176-178)',
            allowed: '"veth" while bpfTproxy is true',
            fix: 'set bpfTproxy: false, or keep datapathMode: "veth"',
          }
        : undefined,
  },
  {
    id: "native-needs-cidr",
    knob: "routingMode",
    severity: "error",
    summary: "native requires ipv4NativeRoutingCidr",
    // The chart's own check (cilium-configmap.yaml:561-567) reads .Values.enableIPv4Masquerade, which
    // is unset (values.yaml:2484), so it never fires; the agent refuses instead.
    source: agentRefuses("pkg/option/config.go:2983-3007"),
    check: (k) =>
      k.routingMode === "native" && !k.ipv4NativeRoutingCidr
        ? {
            why: 'the agent refuses to start: "native routing cidr must be configured with option --ipv4-native-routing-cidr in combination with --enable-ipv4=true --enable-ipv4-masquerade=true --enable-ip-masq-agent=false --routing-mode=native --ipam=kubernetes" (the chart renders it)',
            allowed: '"tunnel", or "native" with ipv4NativeRoutingCidr set',
            fix: 'set ipv4NativeRoutingCidr to a CIDR covering the pod CIDR, or keep routingMode: "tunnel"',
          }
        : undefined,
  },
  {
    id: "native-cidr-unparseable",
    knob: "ipv4NativeRoutingCidr",
    severity: "error",
    summary: "must parse as an IPv4 CIDR",
    source: agentRefuses("pkg/option/config.go:2636-2646"),
    check: (k) =>
      k.ipv4NativeRoutingCidr && !agentParsesCidr4(k.ipv4NativeRoutingCidr)
        ? {
            why: `the agent refuses to start: "Unable to parse CIDR '${k.ipv4NativeRoutingCidr}'"`,
            allowed: "an IPv4 CIDR: four octets of 0–255 and a prefix of 0–32",
            fix: "correct the CIDR, e.g. 10.244.0.0/16",
          }
        : undefined,
  },
  coversPodsRule(
    "native-cidr-covers-pods",
    "ipv4NativeRoutingCidr",
    ours("design: pod-to-pod traffic must never be masqueraded (datapath.md §2, routing mode)"),
    (podCidr) => ({
      why: `our rule: it must be an IPv4 network (no host bits) containing the pod CIDR ${podCidr}, or the agent masquerades pod traffic to the pods outside it`,
      allowed: `a CIDR containing ${podCidr}`,
      fix: `set it to ${podCidr} (or a CIDR containing it)`,
    }),
  ),
  {
    id: "auto-direct-node-routes-needs-native",
    knob: "autoDirectNodeRoutes",
    severity: "error",
    summary: "requires native routing",
    source: agentRefuses("daemon/cmd/daemon_main.go:1065-1067"),
    check: (k) =>
      k.autoDirectNodeRoutes && k.routingMode === "tunnel"
        ? {
            why: 'the agent refuses to start: "auto-direct-node-routes requires native or hybrid routing mode." (routingMode is "tunnel")',
            allowed: "false in tunnel mode",
            fix: "set autoDirectNodeRoutes: false",
          }
        : undefined,
  },
  {
    id: "auto-direct-node-routes-on-hetzner",
    knob: "autoDirectNodeRoutes",
    severity: "error",
    summary: "does not work on Hetzner",
    source: ours(
      "https://docs.hetzner.com/networking/networks/technical-concepts/architecture; the chart's values.yaml:454-455",
    ),
    check: (k) =>
      k.autoDirectNodeRoutes && k.routingMode === "native"
        ? {
            why: "our rule: Hetzner cloud networks are routed at layer 3 (servers are not directly connected and reach each other only through the network gateway), and direct node routes need the nodes on a common L2 segment, so they do not work there",
            allowed: "false",
            fix: "set autoDirectNodeRoutes: false; native routing on Hetzner needs the hcloud cloud-controller-manager's routes instead",
          }
        : undefined,
  },
  {
    id: "tunnel-protocol-unused-in-native",
    knob: "tunnelProtocol",
    severity: "warning",
    summary: "ignored in native routing (except DSR geneve dispatch)",
    source: agentFallsBack("pkg/datapath/tunnel/tunnel.go:141-162"),
    check: (k) =>
      k.routingMode === "native" &&
      k.tunnelProtocol !== "vxlan" &&
      !(k.kubeProxyReplacement && usesDsr(k) && k.dsrDispatch === "geneve")
        ? {
            why: `the agent silently ignores tunnelProtocol: in native routing it sets up no tunnel (only DSR with geneve dispatch asks for one), so ${show(k.tunnelProtocol)} changes nothing but rolls every agent`,
            allowed: '"vxlan" (the default) in native routing without DSR geneve dispatch',
            fix: 'leave tunnelProtocol at "vxlan"',
          }
        : undefined,
  },
];
