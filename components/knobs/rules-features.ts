/**
 * Hubble, the egress gateway, WireGuard strict egress, SPIRE mutual auth, Gateway API and the BPF
 * clock probe. Agent and operator references point into cilium/cilium@aeb2d1b (see `source.ts`).
 */
import { agentParsesCidr4, coversPodsRule, type Rule } from "./rule";
import { agentFallsBack, agentRefuses, chartFails, docs, operatorFallsBack, ours } from "./source";

const EGRESS_GATEWAY = "pkg/egressgateway/manager.go";

/** Every Hubble, egress-gateway, encryption, auth, Gateway API and clock-probe rule. */
export const FEATURE_RULES: readonly Rule[] = [
  {
    id: "relay-needs-hubble",
    knob: "hubbleRelay",
    severity: "error",
    summary: "requires Hubble",
    source: chartFails("templates/validate.yaml:71"),
    check: (k) =>
      k.hubbleRelay && !k.hubble
        ? {
            why: 'the chart fails: "Hubble Relay requires .Values.hubble.enabled=true" (relay reads from the agents\' Hubble, and hubble is false)',
            allowed: "false while hubble is false",
            fix: "set hubbleRelay: false and hubbleUI: false with hubble: false, or keep hubble: true",
          }
        : undefined,
  },
  {
    id: "ui-needs-relay",
    knob: "hubbleUI",
    severity: "error",
    summary: "requires Hubble relay",
    source: chartFails("templates/validate.yaml:61"),
    check: (k) =>
      k.hubbleUI && !k.hubbleRelay
        ? {
            why: 'the chart fails: "Hubble UI requires .Values.hubble.relay.enabled=true" (the UI reads from relay, and hubbleRelay is false)',
            allowed: "false while hubbleRelay is false",
            fix: "set hubbleUI: false, or hubbleRelay: true",
          }
        : undefined,
  },
  {
    id: "egress-gateway-excludes-endpoint-slice",
    knob: "egressGateway",
    severity: "error",
    summary: "excludes CiliumEndpointSlice",
    source: agentRefuses(`${EGRESS_GATEWAY}:193-195`),
    check: (k) =>
      k.egressGateway && k.ciliumEndpointSlice
        ? {
            why: 'the agent refuses to start: "egress gateway is not supported in combination with the CiliumEndpointSlice feature", and ciliumEndpointSlice is true',
            allowed: "false while ciliumEndpointSlice is true",
            fix: "turn one of egressGateway and ciliumEndpointSlice off",
          }
        : undefined,
  },
  {
    id: "egress-gateway-needs-bpf-masquerade",
    knob: "egressGateway",
    severity: "error",
    summary: "requires BPF masquerade",
    source: agentRefuses(`${EGRESS_GATEWAY}:198-201`),
    check: (k) =>
      k.egressGateway && !k.bpfMasquerade
        ? {
            why: 'the agent refuses to start: "egress gateway requires --enable-ipv4-masquerade="true" and --enable-bpf-masquerade="true"", and bpfMasquerade is false',
            allowed: "false, or true with bpfMasquerade: true",
            fix: "adopt bpfMasquerade: true first (adoption step 2)",
          }
        : undefined,
  },
  {
    id: "egress-gateway-needs-kpr",
    knob: "egressGateway",
    severity: "error",
    summary: "requires kube-proxy replacement",
    source: docs(
      "requires",
      "network/egress-gateway/egress-gateway/",
      "Documentation/network/egress-gateway/egress-gateway.rst:55-56",
    ),
    check: (k) =>
      k.egressGateway && !k.kubeProxyReplacement
        ? {
            why: 'the docs require kube-proxy replacement for the egress gateway ("requires that both BPF masquerading and the kube-proxy replacement are enabled"), and kubeProxyReplacement is false; the agent itself checks only BPF masquerade',
            allowed: "false while kube-proxy replacement is off",
            fix: "set kubeProxyReplacement: true, or turn this knob off",
          }
        : undefined,
  },
  {
    id: "strict-egress-needs-wireguard",
    knob: "strictEgress",
    severity: "error",
    summary: "requires WireGuard",
    source: agentFallsBack("bpf/bpf_host.c:1576-1582"),
    check: (k) =>
      k.strictEgress && !k.wireguard
        ? {
            why: "the agent silently ignores strict egress without WireGuard: its drop check is compiled only with WireGuard or IPsec, so pod traffic leaves unencrypted while strict mode reads as on",
            allowed: "false while wireguard is false",
            fix: "set strictEgress: false together with wireguard: false, or keep wireguard: true",
          }
        : undefined,
  },
  {
    id: "strict-egress-cidr-unparseable",
    knob: "strictEgressCidr",
    severity: "error",
    summary: "must parse as an IPv4 CIDR",
    source: agentRefuses("pkg/option/config.go:2618-2627"),
    check: (k) =>
      k.strictEgress && k.strictEgressCidr && !agentParsesCidr4(k.strictEgressCidr)
        ? {
            why: `the agent refuses to start: "Cannot parse CIDR ${k.strictEgressCidr} from --encryption-strict-egress-cidr option"`,
            allowed: "an IPv4 CIDR: four octets of 0–255 and a prefix of 0–32, or empty for the pod CIDR",
            fix: "leave it empty so it follows podCidr",
          }
        : undefined,
  },
  coversPodsRule(
    "strict-egress-cidr-covers-pods",
    "strictEgressCidr",
    ours("design: strict egress covers every pod address (datapath.md §1, strict egress mode)"),
    (podCidr) => ({
      why: `our rule: strict egress must cover every pod address, so the CIDR must be an IPv4 network (no host bits) equal to or containing the pod CIDR ${podCidr}`,
      allowed: `"" (the pod CIDR) or a CIDR containing ${podCidr}`,
      fix: "leave it empty so it follows podCidr",
    }),
  ),
  {
    id: "mutual-auth-deprecated",
    knob: "mutualAuth",
    severity: "warning",
    summary: "deprecated in 1.20, removal planned for 1.21",
    source: {
      by: "docs",
      does: "warns",
      ref: "cilium-1.20.0.tgz values.yaml:4363-4364 (authentication.mutual); https://github.com/cilium/cilium/issues/47132",
    },
    check: (k) =>
      k.mutualAuth
        ? {
            why: 'the docs warn: SPIRE mutual authentication is "Deprecated as of Cilium v1.20, this feature will be removed in Cilium v1.21" (the chart\'s values.yaml)',
            allowed: "true on 1.20",
            fix: "plan the exit before upgrading to 1.21",
          }
        : undefined,
  },
  {
    id: "gateway-api-needs-kpr",
    knob: "gatewayAPI",
    severity: "error",
    summary: "requires kube-proxy replacement",
    source: operatorFallsBack("operator/pkg/gateway-api/cell.go:104-107"),
    check: (k) =>
      k.gatewayAPI && !k.kubeProxyReplacement
        ? {
            why: 'the operator silently turns Gateway API off: "Gateway API support requires kube-proxy-replacement enabled" (a warning in its log), so no Gateway is served',
            allowed: "false while kube-proxy replacement is off",
            fix: "set kubeProxyReplacement: true, or turn this knob off",
          }
        : undefined,
  },
  {
    id: "clock-probe-falls-back",
    knob: "bpfClockProbe",
    severity: "warning",
    summary: "falls back to ktime where the kernel does not allow jiffies",
    source: agentFallsBack("daemon/cmd/daemon_main.go:1309-1334"),
    check: (k) =>
      k.bpfClockProbe
        ? {
            why: 'the agent silently falls back to ktime when the kernel\'s HZ cannot be determined or jiffies are not exposed ("Auto-disabling "enable-bpf-clock-probe" feature")',
            allowed: "true; check that it took",
            fix: 'check "Clock Source for BPF: jiffies" in `cilium-dbg status --verbose` on every node',
          }
        : undefined,
  },
];
