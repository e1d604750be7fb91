/**
 * Every datapath rule as a table row: the config that breaks it (on top of the real ci stack file)
 * and the exact message it must produce. A rule without a row fails the completeness test; every rule
 * names its source, and its message opens with whose rule it is. The verdict of every knob value
 * against the Cilium 1.20 agent and chart is in `verdicts.test.ts`.
 */
import { describe, expect, it } from "vitest";
import { RULES, hostRouting, type RuleContext } from "../components/knobs/rules";
import { kernelVerdicts } from "../components/knobs/check";
import { parseTalosVersion } from "../components/core/kernel";
import { defaultKnobs } from "../components/knobs/catalogue";
import {
  CILIUM_CHART,
  CILIUM_DOCS,
  CILIUM_SOURCE,
  opening,
  type RuleSource,
} from "../components/knobs/source";
import { resolveStackConfig } from "../components/config/resolve";
import { problemsOf, stackRaw } from "./helpers";

interface Row {
  readonly rule: string;
  readonly set: Record<string, unknown>;
  readonly message: string;
}

const ROWS: readonly Row[] = [
  {
    rule: "bandwidth-manager-recommends-host-routing",
    set: { bandwidthManager: true },
    message:
      'hcloud-talos-cilium:bandwidthManager = true: the docs recommend BPF host routing with the bandwidth manager ("otherwise legacy routing through the upper stack could potentially result in undesired high latency"), and host routing resolves to legacy because bpfMasquerade is false; the agent has no such check. Allowed: true; with BPF host routing, as the docs recommend. Fix: adopt bpfMasquerade: true next (adoption step 2), which turns BPF host routing on.',
  },
  {
    rule: "bandwidth-manager-wireguard-soak",
    set: { bandwidthManager: true },
    message:
      "hcloud-talos-cilium:bandwidthManager = true: our rule: fq's per-flow limit (100 packets) dropped WireGuard bursts on this very stack in a field report, and Cilium re-applies the qdisc. Allowed: true after a soak with WireGuard on. Fix: soak on ci and watch `hubble observe --verdict DROPPED` and `tc -s qdisc` drops on every node.",
  },
  {
    rule: "bbr-dropped-without-bandwidth-manager",
    set: { bandwidthManager: false, bandwidthManagerBBR: true, bandwidthManagerBBRHostNamespaceOnly: true },
    message:
      "hcloud-talos-cilium:bandwidthManagerBBR = true: the chart silently drops bandwidthManager.bbr while bandwidthManager.enabled is false (it writes enable-bbr only inside that block), so BBR stays off. Allowed: false, or true with bandwidthManager: true. Fix: set bandwidthManager: true first (its own soaked change).",
  },
  {
    rule: "bbr-refused-on-legacy-routing",
    set: { bandwidthManagerBBR: true, bpfMasquerade: true, bpfHostRouting: "legacy" },
    message:
      'hcloud-talos-cilium:bandwidthManagerBBR = true: the agent refuses to start: "BPF bandwidth manager\'s BBR setup requires BPF host routing." (on legacy routing the pods\' packets lose their socket in the host stack), and bpfHostRouting is "legacy". Allowed: false, or true with bpfHostRouting not "legacy", or true with bandwidthManagerBBRHostNamespaceOnly: true. Fix: set bpfHostRouting: "auto" with BPF masquerade on, or bandwidthManagerBBRHostNamespaceOnly: true.',
  },
  {
    rule: "bbr-host-routing-fallback",
    set: { bandwidthManagerBBR: true },
    message:
      'hcloud-talos-cilium:bandwidthManagerBBR = true: the agent silently falls back to legacy host routing ("BPF host routing requires enable-bpf-masquerade."), and BBR for pods needs BPF host routing: on legacy routing the pods\' packets lose their socket before fq paces them, which is why the agent refuses BBR with legacy routing set. Allowed: false, or true with BPF host routing, or true with bandwidthManagerBBRHostNamespaceOnly: true. Fix: first adopt bpfMasquerade: true (with kubeProxyReplacement: true and bpfHostRouting not "legacy"), soak it, then change this knob.',
  },
  {
    rule: "bbr-host-namespace-needs-bbr",
    set: { bandwidthManagerBBRHostNamespaceOnly: true },
    message:
      'hcloud-talos-cilium:bandwidthManagerBBRHostNamespaceOnly = true: the agent refuses to start: "cannot enable --enable-bbr-hostns-only without enabling --enable-bbr". Allowed: false, or true with bandwidthManagerBBR: true. Fix: set bandwidthManagerBBR: true, or this key to false.',
  },
  {
    rule: "bbr-host-namespace-dropped-without-bandwidth-manager",
    set: { bandwidthManager: false, bandwidthManagerBBRHostNamespaceOnly: true },
    message:
      "hcloud-talos-cilium:bandwidthManagerBBRHostNamespaceOnly = true: the chart silently drops bandwidthManager.bbrHostNamespaceOnly while bandwidthManager.enabled is false (it writes enable-bbr-hostns-only only inside that block). Allowed: false, or true with bandwidthManager: true and bandwidthManagerBBR: true. Fix: set this key to false, or adopt the bandwidth manager and BBR first.",
  },
  {
    rule: "host-routing-bpf-falls-back",
    set: { bpfHostRouting: "bpf" },
    message:
      'hcloud-talos-cilium:bpfHostRouting = "bpf": the agent silently falls back to legacy host routing: "BPF host routing requires enable-bpf-masquerade. Falling back to legacy host routing (enable-host-legacy-routing=true)." ("bpf" writes enable-host-legacy-routing: "false", the agent\'s default, which cannot prevent it). Allowed: "auto" or "legacy", or "bpf" with kubeProxyReplacement and bpfMasquerade true. Fix: set bpfMasquerade: true (a soaked change of its own), or bpfHostRouting: "auto".',
  },
  {
    rule: "netkit-needs-bpf-host-routing",
    set: { datapathMode: "netkit" },
    message:
      'hcloud-talos-cilium:datapathMode = "netkit": the agent refuses to start: "netkit connector not available: netkit devices require BPF masquerade (--enable-bpf-masquerade=true)" (netkit only works with BPF host routing, so the agent checks every condition that would make it fall back to legacy routing). Allowed: "veth", or netkit with BPF host routing. Fix: first adopt bpfMasquerade: true (with kubeProxyReplacement: true and bpfHostRouting not "legacy"), soak it, then change this knob.',
  },
  {
    rule: "netkit-excludes-tproxy",
    set: { datapathMode: "netkit", bpfMasquerade: true, bpfTproxy: true },
    message:
      'hcloud-talos-cilium:datapathMode = "netkit": the chart fails: ".Values.bpf.tproxy cannot be enabled with .Values.bpf.datapathMode=netkit or .Values.bpf.datapathMode=netkit-l2" (and the agent would refuse it too: pkg/datapath/connector/config.go:176-178). Allowed: "veth" while bpfTproxy is true. Fix: set bpfTproxy: false, or keep datapathMode: "veth".',
  },
  {
    rule: "native-needs-cidr",
    set: { routingMode: "native" },
    message:
      'hcloud-talos-cilium:routingMode = "native": the agent refuses to start: "native routing cidr must be configured with option --ipv4-native-routing-cidr in combination with --enable-ipv4=true --enable-ipv4-masquerade=true --enable-ip-masq-agent=false --routing-mode=native --ipam=kubernetes" (the chart renders it). Allowed: "tunnel", or "native" with ipv4NativeRoutingCidr set. Fix: set ipv4NativeRoutingCidr to a CIDR covering the pod CIDR, or keep routingMode: "tunnel".',
  },
  {
    rule: "native-cidr-unparseable",
    set: { routingMode: "native", ipv4NativeRoutingCidr: "10.244.0.0/33" },
    message:
      'hcloud-talos-cilium:ipv4NativeRoutingCidr = "10.244.0.0/33": the agent refuses to start: "Unable to parse CIDR \'10.244.0.0/33\'". Allowed: an IPv4 CIDR: four octets of 0–255 and a prefix of 0–32. Fix: correct the CIDR, e.g. 10.244.0.0/16.',
  },
  {
    rule: "native-cidr-covers-pods",
    set: { routingMode: "native", ipv4NativeRoutingCidr: "10.245.0.0/16" },
    message:
      'hcloud-talos-cilium:ipv4NativeRoutingCidr = "10.245.0.0/16": our rule: it must be an IPv4 network (no host bits) containing the pod CIDR 10.244.0.0/16, or the agent masquerades pod traffic to the pods outside it. Allowed: a CIDR containing 10.244.0.0/16. Fix: set it to 10.244.0.0/16 (or a CIDR containing it).',
  },
  {
    rule: "auto-direct-node-routes-needs-native",
    set: { autoDirectNodeRoutes: true },
    message:
      'hcloud-talos-cilium:autoDirectNodeRoutes = true: the agent refuses to start: "auto-direct-node-routes requires native or hybrid routing mode." (routingMode is "tunnel"). Allowed: false in tunnel mode. Fix: set autoDirectNodeRoutes: false.',
  },
  {
    rule: "auto-direct-node-routes-on-hetzner",
    set: { routingMode: "native", ipv4NativeRoutingCidr: "10.244.0.0/16", autoDirectNodeRoutes: true },
    message:
      "hcloud-talos-cilium:autoDirectNodeRoutes = true: our rule: Hetzner cloud networks are routed at layer 3 (servers are not directly connected and reach each other only through the network gateway), and direct node routes need the nodes on a common L2 segment, so they do not work there. Allowed: false. Fix: set autoDirectNodeRoutes: false; native routing on Hetzner needs the hcloud cloud-controller-manager's routes instead.",
  },
  {
    rule: "tunnel-protocol-unused-in-native",
    set: { routingMode: "native", ipv4NativeRoutingCidr: "10.244.0.0/16", tunnelProtocol: "geneve" },
    message:
      'hcloud-talos-cilium:tunnelProtocol = "geneve": the agent silently ignores tunnelProtocol: in native routing it sets up no tunnel (only DSR with geneve dispatch asks for one), so "geneve" changes nothing but rolls every agent. Allowed: "vxlan" (the default) in native routing without DSR geneve dispatch. Fix: leave tunnelProtocol at "vxlan".',
  },
  {
    rule: "dsr-needs-kpr",
    set: { kubeProxyReplacement: false, bandwidthManager: false, gatewayAPI: false, loadBalancerMode: "dsr" },
    message:
      'hcloud-talos-cilium:loadBalancerMode = "dsr": the agent silently ignores loadBalancer.mode without kube-proxy replacement: it compiles DSR into the datapath only with it. Allowed: "snat" while kube-proxy replacement is off. Fix: set kubeProxyReplacement: true, or turn this knob off.',
  },
  {
    rule: "dsr-excludes-vxlan",
    set: { loadBalancerMode: "dsr" },
    message:
      'hcloud-talos-cilium:loadBalancerMode = "dsr": the agent refuses to start: "Node Port "dsr" mode cannot be used with vxlan tunneling." (tunnelProtocol is "vxlan"). Allowed: "snat" with the vxlan tunnel. Fix: keep loadBalancerMode: "snat" (DSR is rejected for this cluster), or switch the tunnel to geneve first.',
  },
  {
    rule: "dsr-tunnel-needs-geneve-dispatch",
    set: { loadBalancerMode: "dsr", tunnelProtocol: "geneve" },
    message:
      'hcloud-talos-cilium:loadBalancerMode = "dsr": the agent refuses to start: "Tunnel routing with Node Port "dsr" mode requires geneve dispatch." (dsrDispatch is "opt"). Allowed: "snat" in tunnel mode, or DSR with dsrDispatch: "geneve". Fix: keep loadBalancerMode: "snat", or set dsrDispatch: "geneve" with tunnelProtocol: "geneve".',
  },
  {
    rule: "dsr-geneve-dispatch-needs-geneve",
    set: {
      routingMode: "native",
      ipv4NativeRoutingCidr: "10.244.0.0/16",
      loadBalancerMode: "dsr",
      dsrDispatch: "geneve",
    },
    message:
      'hcloud-talos-cilium:dsrDispatch = "geneve": the agent refuses to start: "Node Port "dsr" mode with "geneve" dispatch requires geneve tunnel protocol." (tunnelProtocol is "vxlan"). Allowed: "opt" or "ipip", or "geneve" with tunnelProtocol: "geneve". Fix: set dsrDispatch: "opt", or tunnelProtocol: "geneve".',
  },
  {
    rule: "dsr-dispatch-unused-with-snat",
    set: { dsrDispatch: "ipip" },
    message:
      'hcloud-talos-cilium:dsrDispatch = "ipip": the agent silently ignores dsrDispatch without DSR: it sets the DSR encapsulation only when loadBalancerMode is "dsr" or "hybrid" with kube-proxy replacement (its BIG TCP check still reads it). Allowed: "opt" (the default) without DSR. Fix: leave dsrDispatch at "opt" until DSR is adopted.',
  },
  {
    rule: "dsr-wireguard-unencrypted",
    set: { routingMode: "native", ipv4NativeRoutingCidr: "10.244.0.0/16", loadBalancerMode: "hybrid" },
    message:
      'hcloud-talos-cilium:loadBalancerMode = "hybrid": the docs warn: with WireGuard, "N/S load balancer traffic isn\'t encrypted when an intermediate node redirects a request to a different node" with DSR in non-geneve dispatch. Allowed: DSR with dsrDispatch: "geneve" when WireGuard is on. Fix: use dsrDispatch: "geneve" with the geneve tunnel.',
  },
  {
    rule: "xdp-needs-kpr",
    set: {
      kubeProxyReplacement: false,
      bandwidthManager: false,
      gatewayAPI: false,
      loadBalancerAcceleration: "native",
    },
    message:
      'hcloud-talos-cilium:loadBalancerAcceleration = "native": the agent silently ignores loadBalancer.acceleration without kube-proxy replacement: it compiles XDP load-balancer acceleration into the datapath only with it. Allowed: "disabled" while kube-proxy replacement is off. Fix: set kubeProxyReplacement: true, or turn this knob off.',
  },
  {
    rule: "xdp-best-effort-skips-devices",
    set: { loadBalancerAcceleration: "best-effort" },
    message:
      'hcloud-talos-cilium:loadBalancerAcceleration = "best-effort": the agent silently skips every device whose driver cannot attach its XDP program ("Failed to attach XDP program, ignoring due to best-effort mode", logged at info). Allowed: "best-effort", after `cilium-dbg status --verbose` shows XDP on the devices that matter. Fix: check "XDP Acceleration" in `cilium-dbg status --verbose` on every node, or use "native" to fail loudly.',
  },
  {
    rule: "xdp-wireguard-unencrypted",
    set: { loadBalancerAcceleration: "native" },
    message:
      'hcloud-talos-cilium:loadBalancerAcceleration = "native": the docs warn: with WireGuard, "N/S load balancer traffic isn\'t encrypted when an intermediate node redirects a request to a different node" with XDP acceleration. Allowed: "disabled" when north-south traffic between nodes must be encrypted. Fix: keep loadBalancerAcceleration: "disabled", or accept unencrypted forwarded north-south traffic.',
  },
  {
    rule: "relay-needs-hubble",
    set: { hubble: false, hubbleUI: false },
    message:
      'hcloud-talos-cilium:hubbleRelay = true: the chart fails: "Hubble Relay requires .Values.hubble.enabled=true" (relay reads from the agents\' Hubble, and hubble is false). Allowed: false while hubble is false. Fix: set hubbleRelay: false and hubbleUI: false with hubble: false, or keep hubble: true.',
  },
  {
    rule: "ui-needs-relay",
    set: { hubbleRelay: false },
    message:
      'hcloud-talos-cilium:hubbleUI = true: the chart fails: "Hubble UI requires .Values.hubble.relay.enabled=true" (the UI reads from relay, and hubbleRelay is false). Allowed: false while hubbleRelay is false. Fix: set hubbleUI: false, or hubbleRelay: true.',
  },
  {
    rule: "egress-gateway-excludes-endpoint-slice",
    set: { egressGateway: true, ciliumEndpointSlice: true, bpfMasquerade: true },
    message:
      'hcloud-talos-cilium:egressGateway = true: the agent refuses to start: "egress gateway is not supported in combination with the CiliumEndpointSlice feature", and ciliumEndpointSlice is true. Allowed: false while ciliumEndpointSlice is true. Fix: turn one of egressGateway and ciliumEndpointSlice off.',
  },
  {
    rule: "egress-gateway-needs-bpf-masquerade",
    set: { egressGateway: true },
    message:
      'hcloud-talos-cilium:egressGateway = true: the agent refuses to start: "egress gateway requires --enable-ipv4-masquerade="true" and --enable-bpf-masquerade="true"", and bpfMasquerade is false. Allowed: false, or true with bpfMasquerade: true. Fix: adopt bpfMasquerade: true first (adoption step 2).',
  },
  {
    rule: "egress-gateway-needs-kpr",
    set: {
      kubeProxyReplacement: false,
      bandwidthManager: false,
      gatewayAPI: false,
      egressGateway: true,
      bpfMasquerade: true,
    },
    message:
      'hcloud-talos-cilium:egressGateway = true: the docs require kube-proxy replacement for the egress gateway ("requires that both BPF masquerading and the kube-proxy replacement are enabled"), and kubeProxyReplacement is false; the agent itself checks only BPF masquerade. Allowed: false while kube-proxy replacement is off. Fix: set kubeProxyReplacement: true, or turn this knob off.',
  },
  {
    rule: "strict-egress-needs-wireguard",
    set: { wireguard: false },
    message:
      "hcloud-talos-cilium:strictEgress = true: the agent silently ignores strict egress without WireGuard: its drop check is compiled only with WireGuard or IPsec, so pod traffic leaves unencrypted while strict mode reads as on. Allowed: false while wireguard is false. Fix: set strictEgress: false together with wireguard: false, or keep wireguard: true.",
  },
  {
    rule: "strict-egress-cidr-unparseable",
    set: { strictEgressCidr: "10.244.0.0/40" },
    message:
      'hcloud-talos-cilium:strictEgressCidr = "10.244.0.0/40": the agent refuses to start: "Cannot parse CIDR 10.244.0.0/40 from --encryption-strict-egress-cidr option". Allowed: an IPv4 CIDR: four octets of 0–255 and a prefix of 0–32, or empty for the pod CIDR. Fix: leave it empty so it follows podCidr.',
  },
  {
    rule: "strict-egress-cidr-covers-pods",
    set: { strictEgressCidr: "10.244.0.0/17" },
    message:
      'hcloud-talos-cilium:strictEgressCidr = "10.244.0.0/17": our rule: strict egress must cover every pod address, so the CIDR must be an IPv4 network (no host bits) equal to or containing the pod CIDR 10.244.0.0/16. Allowed: "" (the pod CIDR) or a CIDR containing 10.244.0.0/16. Fix: leave it empty so it follows podCidr.',
  },
  {
    rule: "mutual-auth-deprecated",
    set: { mutualAuth: true },
    message:
      'hcloud-talos-cilium:mutualAuth = true: the docs warn: SPIRE mutual authentication is "Deprecated as of Cilium v1.20, this feature will be removed in Cilium v1.21" (the chart\'s values.yaml). Allowed: true on 1.20. Fix: plan the exit before upgrading to 1.21.',
  },
  {
    rule: "gateway-api-needs-kpr",
    set: { kubeProxyReplacement: false, bandwidthManager: false },
    message:
      'hcloud-talos-cilium:gatewayAPI = true: the operator silently turns Gateway API off: "Gateway API support requires kube-proxy-replacement enabled" (a warning in its log), so no Gateway is served. Allowed: false while kube-proxy replacement is off. Fix: set kubeProxyReplacement: true, or turn this knob off.',
  },
  {
    rule: "clock-probe-falls-back",
    set: { bpfClockProbe: true },
    message:
      'hcloud-talos-cilium:bpfClockProbe = true: the agent silently falls back to ktime when the kernel\'s HZ cannot be determined or jiffies are not exposed ("Auto-disabling "enable-bpf-clock-probe" feature"). Allowed: true; check that it took. Fix: check "Clock Source for BPF: jiffies" in `cilium-dbg status --verbose` on every node.',
  },
  {
    rule: "bigTCPIPv4-excludes-tunnel",
    set: { bigTCPIPv4: true, bpfMasquerade: true },
    message:
      'hcloud-talos-cilium:bigTCPIPv4 = true: the agent refuses to start: "BIG TCP in tunneling mode requires pending kernel support" (its probe looks for GENEVE BIG TCP support that is still pending upstream), and routingMode is "tunnel". Allowed: false in tunnel mode. Fix: keep BIG TCP off: it needs native routing, which is rejected for this cluster.',
  },
  {
    rule: "bigTCPIPv4-excludes-geneve-dispatch",
    set: {
      bigTCPIPv4: true,
      bpfMasquerade: true,
      routingMode: "native",
      ipv4NativeRoutingCidr: "10.244.0.0/16",
      dsrDispatch: "geneve",
    },
    message:
      'hcloud-talos-cilium:bigTCPIPv4 = true: the agent refuses to start: "BIG TCP with bpf-lb-dsr-dispatch geneve requires pending kernel support" (it checks the dispatch flag whatever loadBalancerMode is). Allowed: false with dsrDispatch: "geneve". Fix: use dsrDispatch: "opt", or keep BIG TCP off.',
  },
  {
    rule: "bigTCPIPv4-excludes-ipip-dispatch",
    set: {
      bigTCPIPv4: true,
      bpfMasquerade: true,
      routingMode: "native",
      ipv4NativeRoutingCidr: "10.244.0.0/16",
      dsrDispatch: "ipip",
    },
    message:
      'hcloud-talos-cilium:bigTCPIPv4 = true: the agent refuses to start: "bpf-lb-dsr-dispatch ipip creates IPIP tunnels that aren\'t compatible with BIG TCP" (it checks the dispatch flag whatever loadBalancerMode is). Allowed: false with dsrDispatch: "ipip". Fix: use dsrDispatch: "opt", or keep BIG TCP off.',
  },
  {
    rule: "bigTCPIPv4-refused-on-legacy-routing",
    set: {
      bigTCPIPv4: true,
      bpfMasquerade: true,
      routingMode: "native",
      ipv4NativeRoutingCidr: "10.244.0.0/16",
      bpfHostRouting: "legacy",
    },
    message:
      'hcloud-talos-cilium:bigTCPIPv4 = true: the agent refuses to start: "BIG TCP is not supported with legacy host routing", and bpfHostRouting is "legacy". Allowed: false while bpfHostRouting is "legacy". Fix: set bpfHostRouting: "auto" with BPF masquerade on, or keep BIG TCP off.',
  },
  {
    rule: "bigTCPIPv4-host-routing-fallback",
    set: { bigTCPIPv4: true, routingMode: "native", ipv4NativeRoutingCidr: "10.244.0.0/16" },
    message:
      'hcloud-talos-cilium:bigTCPIPv4 = true: the agent silently falls back to legacy host routing ("BPF host routing requires enable-bpf-masquerade.") after its BIG TCP check has passed, so BIG TCP runs on the legacy routing it does not support (that check reads enable-host-legacy-routing before the fallback sets it). Allowed: false while host routing falls back to legacy. Fix: first adopt bpfMasquerade: true (with kubeProxyReplacement: true and bpfHostRouting not "legacy"), soak it, then change this knob.',
  },
  {
    rule: "bigTCPIPv4-with-wireguard",
    set: {
      bigTCPIPv4: true,
      bpfMasquerade: true,
      routingMode: "native",
      ipv4NativeRoutingCidr: "10.244.0.0/16",
    },
    message:
      'hcloud-talos-cilium:bigTCPIPv4 = true: the docs warn: BIG TCP\'s requirements include "Tunneling and encryption disabled", while the agent refuses only IPsec (pkg/datapath/linux/bigtcp/bigtcp.go:275-277), not WireGuard. Allowed: true with WireGuard only after a soak on ci. Fix: soak it on ci with WireGuard on and watch for drops and throughput.',
  },
  {
    rule: "bigTCPIPv6-excludes-tunnel",
    set: { bigTCPIPv6: true, bpfMasquerade: true },
    message:
      'hcloud-talos-cilium:bigTCPIPv6 = true: the agent refuses to start: "BIG TCP in tunneling mode requires pending kernel support" (its probe looks for GENEVE BIG TCP support that is still pending upstream), and routingMode is "tunnel". Allowed: false in tunnel mode. Fix: keep BIG TCP off: it needs native routing, which is rejected for this cluster.',
  },
  {
    rule: "bigTCPIPv6-excludes-geneve-dispatch",
    set: {
      bigTCPIPv6: true,
      bpfMasquerade: true,
      routingMode: "native",
      ipv4NativeRoutingCidr: "10.244.0.0/16",
      dsrDispatch: "geneve",
    },
    message:
      'hcloud-talos-cilium:bigTCPIPv6 = true: the agent refuses to start: "BIG TCP with bpf-lb-dsr-dispatch geneve requires pending kernel support" (it checks the dispatch flag whatever loadBalancerMode is). Allowed: false with dsrDispatch: "geneve". Fix: use dsrDispatch: "opt", or keep BIG TCP off.',
  },
  {
    rule: "bigTCPIPv6-excludes-ipip-dispatch",
    set: {
      bigTCPIPv6: true,
      bpfMasquerade: true,
      routingMode: "native",
      ipv4NativeRoutingCidr: "10.244.0.0/16",
      dsrDispatch: "ipip",
    },
    message:
      'hcloud-talos-cilium:bigTCPIPv6 = true: the agent refuses to start: "bpf-lb-dsr-dispatch ipip creates IPIP tunnels that aren\'t compatible with BIG TCP" (it checks the dispatch flag whatever loadBalancerMode is). Allowed: false with dsrDispatch: "ipip". Fix: use dsrDispatch: "opt", or keep BIG TCP off.',
  },
  {
    rule: "bigTCPIPv6-refused-on-legacy-routing",
    set: {
      bigTCPIPv6: true,
      bpfMasquerade: true,
      routingMode: "native",
      ipv4NativeRoutingCidr: "10.244.0.0/16",
      bpfHostRouting: "legacy",
    },
    message:
      'hcloud-talos-cilium:bigTCPIPv6 = true: the agent refuses to start: "BIG TCP is not supported with legacy host routing", and bpfHostRouting is "legacy". Allowed: false while bpfHostRouting is "legacy". Fix: set bpfHostRouting: "auto" with BPF masquerade on, or keep BIG TCP off.',
  },
  {
    rule: "bigTCPIPv6-host-routing-fallback",
    set: { bigTCPIPv6: true, routingMode: "native", ipv4NativeRoutingCidr: "10.244.0.0/16" },
    message:
      'hcloud-talos-cilium:bigTCPIPv6 = true: the agent silently falls back to legacy host routing ("BPF host routing requires enable-bpf-masquerade.") after its BIG TCP check has passed, so BIG TCP runs on the legacy routing it does not support (that check reads enable-host-legacy-routing before the fallback sets it). Allowed: false while host routing falls back to legacy. Fix: first adopt bpfMasquerade: true (with kubeProxyReplacement: true and bpfHostRouting not "legacy"), soak it, then change this knob.',
  },
  {
    rule: "bigTCPIPv6-with-wireguard",
    set: {
      bigTCPIPv6: true,
      bpfMasquerade: true,
      routingMode: "native",
      ipv4NativeRoutingCidr: "10.244.0.0/16",
    },
    message:
      'hcloud-talos-cilium:bigTCPIPv6 = true: the docs warn: BIG TCP\'s requirements include "Tunneling and encryption disabled", while the agent refuses only IPsec (pkg/datapath/linux/bigtcp/bigtcp.go:275-277), not WireGuard. Allowed: true with WireGuard only after a soak on ci. Fix: soak it on ci with WireGuard on and watch for drops and throughput.',
  },
  {
    rule: "big-tcp-ipv6-needs-ipv6",
    set: { bigTCPIPv6: true },
    message:
      "hcloud-talos-cilium:bigTCPIPv6 = true: our rule: IPv6 BIG TCP raises the devices' IPv6 GSO/GRO limits, and this program runs IPv4 pods only (the agent does not check it). Allowed: false. Fix: set bigTCPIPv6: false.",
  },
  {
    rule: "big-tcp-no-gain-on-virtio",
    set: { bigTCPIPv4: true },
    message:
      "hcloud-talos-cilium:bigTCPIPv4 = true: the docs warn: BIG TCP's \"Supported NICs: mlx4, mlx5, ice\", and Hetzner's virtio_net is not one of them. Allowed: true, after measuring a gain. Fix: measure TCP_RR and throughput on ci before and after.",
  },
];

const ruleOf = (id: string) => RULES.find((r) => r.id === id);

/** The real stack files, read once; rows resolve on top of them (as `resolveWith` does). */
const RAW = { ci: stackRaw("ci"), prod: stackRaw("prod") };
const resolveWith = (set: Record<string, unknown>, stack: "ci" | "prod" = "ci") =>
  resolveStackConfig({ ...RAW[stack], ...set }, stack);
const PROD_BASELINE = resolveWith({}, "prod");

/** What a source's reference must look like: a file and line in the snapshot, the archive, the docs. */
const REF_SHAPES: Record<RuleSource["by"], RegExp> = {
  agent: new RegExp(`^${CILIUM_SOURCE} (pkg|daemon|bpf)/\\S+:\\d+`),
  operator: new RegExp(`^${CILIUM_SOURCE} operator/\\S+:\\d+`),
  chart: new RegExp(`^${CILIUM_CHART} templates/\\S+\\.yaml:\\d+`),
  docs: new RegExp(
    `^(${CILIUM_DOCS}/\\S+ \\(${CILIUM_SOURCE} Documentation/\\S+\\.rst:\\d+|${CILIUM_CHART} values\\.yaml:\\d+)`,
  ),
  ours: /^(design: |datapath\.md §|https:\/\/docs\.hetzner\.com\/)/,
};

describe("datapath rules", () => {
  it("has a row for every rule in the catalogue, and no row for a rule that does not exist", () => {
    expect(ROWS.map((r) => r.rule).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  it.each(ROWS)("$rule: reports its exact message", (row) => {
    const r = resolveWith(row.set);
    if (ruleOf(row.rule)?.severity === "error") {
      expect(r.ok).toBe(false);
      expect(problemsOf(r)).toContain(row.message);
    } else {
      expect(r.warnings.map((w) => w.message)).toContain(row.message);
    }
  });

  it.each(ROWS)("$rule: records its source, and its message opens with whose rule it is", (row) => {
    const rule = ruleOf(row.rule);
    const source = rule?.source as RuleSource;
    expect(source.ref).toMatch(REF_SHAPES[source.by]);
    const lead = /^hcloud-talos-cilium:\w+ = (?:true|false|"[^"]*"|\d+): /.exec(row.message)?.[0] ?? "";
    expect(row.message.slice(lead.length, lead.length + opening(source).length)).toBe(opening(source));
    expect(row.message.startsWith(`hcloud-talos-cilium:${rule?.knob} = `)).toBe(true);
  });

  it.each(ROWS)("$rule: is silent on the production baseline", (row) => {
    const r = PROD_BASELINE;
    const all = [...problemsOf(r), ...r.warnings.map((w) => w.message)];
    // The one rule that fires on the baseline is the deprecation flag of SPIRE mutual auth (kept, flagged).
    if (row.rule === "mutual-auth-deprecated") expect(all).toContain(row.message);
    else expect(all).not.toContain(row.message);
  });

  it("opens each kind of source with its own words", () => {
    const ref = "x";
    expect([
      opening({ by: "agent", does: "refuses", ref }),
      opening({ by: "agent", does: "falls-back", ref }),
      opening({ by: "operator", does: "falls-back", ref }),
      opening({ by: "chart", does: "fails", ref }),
      opening({ by: "chart", does: "drops", ref }),
      opening({ by: "docs", does: "requires", ref }),
      opening({ by: "docs", does: "recommends", ref }),
      opening({ by: "docs", does: "warns", ref }),
      opening({ by: "ours", ref }),
    ]).toEqual([
      "the agent refuses to start: ",
      "the agent silently ",
      "the operator silently ",
      "the chart fails: ",
      "the chart silently drops ",
      "the docs require ",
      "the docs recommend ",
      "the docs warn: ",
      "our rule: ",
    ]);
  });

  it("resolves host routing as the agent does: forced legacy, else BPF masquerade, then kube-proxy replacement", () => {
    const base = defaultKnobs();
    expect(hostRouting(base)).toEqual({
      mode: "legacy",
      because: "bpfMasquerade is false",
      fallback: "BPF host routing requires enable-bpf-masquerade.",
    });
    expect(hostRouting({ ...base, bpfMasquerade: true })).toEqual({
      mode: "bpf",
      because: "kube-proxy replacement and BPF masquerade are on",
    });
    expect(hostRouting({ ...base, bpfMasquerade: true, bpfHostRouting: "legacy" })).toEqual({
      mode: "legacy",
      because: 'bpfHostRouting is "legacy"',
    });
    expect(hostRouting({ ...base, bpfMasquerade: true, kubeProxyReplacement: false })).toEqual({
      mode: "legacy",
      because: "kubeProxyReplacement is false",
      fallback: "BPF host routing requires kube-proxy-replacement.",
    });
    // The agent checks iptables masquerading before kube-proxy replacement (kube_proxy_replacement.go:48-55).
    expect(hostRouting({ ...base, kubeProxyReplacement: false }).fallback).toBe(
      "BPF host routing requires enable-bpf-masquerade.",
    );
  });
});

describe("the safe adoption order", () => {
  const message = (rule: string) => ROWS.find((r) => r.rule === rule)?.message;
  const step1 = { bandwidthManager: true };
  const step2 = { ...step1, bpfMasquerade: true };
  const step3 = { ...step2, bandwidthManagerBBR: true };

  it("accepts each step on top of the previous one: bandwidth manager, then BPF masquerade, then pod BBR", () => {
    for (const step of [step1, step2, step3]) expect(problemsOf(resolveWith(step))).toEqual([]);
  });

  it("warns at step 1 that the docs recommend BPF host routing, and step 2 brings it", () => {
    const warned = (set: Record<string, unknown>) => resolveWith(set).warnings.map((w) => w.message);
    expect(warned(step1)).toContain(message("bandwidth-manager-recommends-host-routing"));
    expect(warned(step2)).not.toContain(message("bandwidth-manager-recommends-host-routing"));
    expect(warned(step3)).not.toContain(message("bandwidth-manager-recommends-host-routing"));
  });

  it("refuses the seeds' literal order: bandwidth manager with pod BBR before BPF masquerade", () => {
    expect(problemsOf(resolveWith({ bandwidthManager: true, bandwidthManagerBBR: true }))).toEqual([
      message("bbr-host-routing-fallback"),
    ]);
  });

  it("allows BBR for the host namespace only before BPF masquerade", () => {
    expect(
      problemsOf(
        resolveWith({
          bandwidthManager: true,
          bandwidthManagerBBR: true,
          bandwidthManagerBBRHostNamespaceOnly: true,
        }),
      ),
    ).toEqual([]);
  });
});

describe("kernel minimums against the Talos version", () => {
  const netkit = { bpfMasquerade: true, datapathMode: "netkit" };
  const talos18 =
    'hcloud-talos-cilium:talosVersion = "v1.8.4": the machine-config patches target Talos v1.13.x (kernel table knows 1.8, 1.9, 1.10, 1.11, 1.12, 1.13). Allowed: v1.13.x. Fix: set talosVersion to a v1.13 release such as v1.13.9.';

  it("rejects netkit on Talos 1.8 (kernel 6.6) with the agent's probe named", () => {
    expect(problemsOf(resolveWith({ ...netkit, talosVersion: "v1.8.4" }))).toEqual([
      talos18,
      'hcloud-talos-cilium:datapathMode = "netkit": the agent refuses to start: "netkit connector not available: netkit device probe failed, requires kernel 6.7.0+ and CONFIG_NETKIT" on Linux older than 6.7.0, and Talos v1.8.4 ships 6.6.0. Allowed: "veth" on this Talos version. Fix: upgrade talosVersion to v1.13.x first, or set datapathMode back to "veth".',
    ]);
  });

  it("names the agent's silent fallback where it turns a knob off on an old kernel (BIG TCP)", () => {
    // No Talos in the table ships a kernel older than 6.3, so the pure rule is run on one that would.
    const talosVersion = parseTalosVersion("v1.5.0");
    if (!talosVersion) throw new Error("v1.5.0 is a Talos version");
    const ctx: RuleContext = { podCidr: "10.244.0.0/16", talosVersion, kernel: [6, 1, 0] };
    const knobs = { ...defaultKnobs(), bigTCPIPv4: true };
    expect(kernelVerdicts(knobs, ctx).map((v) => [v.rule, v.problem.message])).toEqual([
      [
        "kernel:bigTCPIPv4",
        'hcloud-talos-cilium:bigTCPIPv4 = true: the agent silently turns IPv4 BIG TCP off ("Cannot enable --enable-ipv4-big-tcp, needs kernel 6.3 or newer", a warning in its log) on Linux older than 6.3.0, and Talos v1.5.0 ships 6.1.0. Allowed: false on this Talos version. Fix: upgrade talosVersion to v1.13.x first, or set bigTCPIPv4 back to false.',
      ],
    ]);
  });

  it("accepts netkit on Talos 1.13 (kernel 6.18.44)", () => {
    expect(problemsOf(resolveWith({ ...netkit, talosVersion: "v1.13.9" }))).toEqual([]);
  });

  it("accepts netkit-l2 on Talos 1.13 too", () => {
    expect(problemsOf(resolveWith({ bpfMasquerade: true, datapathMode: "netkit-l2" }))).toEqual([]);
  });
});
