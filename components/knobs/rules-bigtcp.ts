/**
 * BIG TCP, once per address family. The agent validates it when the BIG TCP cell is built
 * (cilium/cilium@aeb2d1b pkg/datapath/linux/bigtcp/bigtcp.go:259-301), which is before the hive starts
 * and so before the kube-proxy-replacement start-up falls back to legacy host routing (an OnStart hook:
 * daemon/cmd/daemon_main.go:1231-1236 → daemon/cmd/daemon.go:78). Its legacy-routing check therefore
 * sees only an explicit enable-host-legacy-routing, never the fallback.
 */
import { fallsBackToLegacy, hostRouting, ADOPT_HOST_ROUTING, type Rule } from "./rule";
import { agentFallsBack, agentRefuses, docs, ours } from "./source";

const BIGTCP = "pkg/datapath/linux/bigtcp/bigtcp.go";
const TUNING = "operations/performance/tuning/";

/** The agent's and the docs' rules for one BIG TCP key. */
function bigTcpRules(key: "bigTCPIPv4" | "bigTCPIPv6"): Rule[] {
  return [
    {
      id: `${key}-excludes-tunnel`,
      knob: key,
      severity: "error",
      summary: "excludes tunnel mode",
      source: agentRefuses(`${BIGTCP}:266-269, pkg/datapath/linux/probes/probes.go:816-870`),
      check: (k) =>
        k[key] && k.routingMode === "tunnel"
          ? {
              why: 'the agent refuses to start: "BIG TCP in tunneling mode requires pending kernel support" (its probe looks for GENEVE BIG TCP support that is still pending upstream), and routingMode is "tunnel"',
              allowed: "false in tunnel mode",
              fix: "keep BIG TCP off: it needs native routing, which is rejected for this cluster",
            }
          : undefined,
    },
    {
      id: `${key}-excludes-geneve-dispatch`,
      knob: key,
      severity: "error",
      summary: "excludes dsrDispatch geneve, in any load-balancer mode",
      source: agentRefuses(`${BIGTCP}:270-272`),
      check: (k) =>
        k[key] && k.dsrDispatch === "geneve"
          ? {
              why: 'the agent refuses to start: "BIG TCP with bpf-lb-dsr-dispatch geneve requires pending kernel support" (it checks the dispatch flag whatever loadBalancerMode is)',
              allowed: 'false with dsrDispatch: "geneve"',
              fix: 'use dsrDispatch: "opt", or keep BIG TCP off',
            }
          : undefined,
    },
    {
      id: `${key}-excludes-ipip-dispatch`,
      knob: key,
      severity: "error",
      summary: "excludes dsrDispatch ipip, in any load-balancer mode",
      source: agentRefuses(`${BIGTCP}:263-265`),
      check: (k) =>
        k[key] && k.dsrDispatch === "ipip"
          ? {
              why: 'the agent refuses to start: "bpf-lb-dsr-dispatch ipip creates IPIP tunnels that aren\'t compatible with BIG TCP" (it checks the dispatch flag whatever loadBalancerMode is)',
              allowed: 'false with dsrDispatch: "ipip"',
              fix: 'use dsrDispatch: "opt", or keep BIG TCP off',
            }
          : undefined,
    },
    {
      id: `${key}-refused-on-legacy-routing`,
      knob: key,
      severity: "error",
      summary: 'excludes bpfHostRouting "legacy"',
      source: agentRefuses(`${BIGTCP}:278-280`),
      check: (k) =>
        k[key] && k.bpfHostRouting === "legacy"
          ? {
              why: 'the agent refuses to start: "BIG TCP is not supported with legacy host routing", and bpfHostRouting is "legacy"',
              allowed: 'false while bpfHostRouting is "legacy"',
              fix: 'set bpfHostRouting: "auto" with BPF masquerade on, or keep BIG TCP off',
            }
          : undefined,
    },
    {
      id: `${key}-host-routing-fallback`,
      knob: key,
      severity: "error",
      summary: "requires BPF host routing (KPR and BPF masquerade)",
      source: agentFallsBack(`pkg/kpr/initializer/kube_proxy_replacement.go:46-59, ${BIGTCP}:278-280`),
      check: (k) =>
        k[key] && fallsBackToLegacy(k)
          ? {
              why: `the agent silently falls back to legacy host routing ("${hostRouting(k).fallback}") after its BIG TCP check has passed, so BIG TCP runs on the legacy routing it does not support (that check reads enable-host-legacy-routing before the fallback sets it)`,
              allowed: "false while host routing falls back to legacy",
              fix: ADOPT_HOST_ROUTING,
            }
          : undefined,
    },
    {
      id: `${key}-with-wireguard`,
      knob: key,
      severity: "warning",
      summary: "with WireGuard: listed as unsupported",
      source: docs(
        "warns",
        TUNING,
        `Documentation/operations/performance/tuning.rst:${key === "bigTCPIPv4" ? "324-331" : "259-266"}`,
      ),
      check: (k) =>
        k[key] && k.wireguard
          ? {
              why: `the docs warn: BIG TCP's requirements include "Tunneling and encryption disabled", while the agent refuses only IPsec (${BIGTCP}:275-277), not WireGuard`,
              allowed: "true with WireGuard only after a soak on ci",
              fix: "soak it on ci with WireGuard on and watch for drops and throughput",
            }
          : undefined,
    },
  ];
}

/** Every BIG TCP rule. */
export const BIGTCP_RULES: readonly Rule[] = [
  ...(["bigTCPIPv4", "bigTCPIPv6"] as const).flatMap(bigTcpRules),
  {
    id: "big-tcp-ipv6-needs-ipv6",
    knob: "bigTCPIPv6",
    severity: "error",
    summary: "requires IPv6 pod networking (not offered)",
    source: ours("design: IPv4 pod networking only (the chart's ipv6.enabled stays false)"),
    check: (k) =>
      k.bigTCPIPv6
        ? {
            why: "our rule: IPv6 BIG TCP raises the devices' IPv6 GSO/GRO limits, and this program runs IPv4 pods only (the agent does not check it)",
            allowed: "false",
            fix: "set bigTCPIPv6: false",
          }
        : undefined,
  },
  {
    id: "big-tcp-no-gain-on-virtio",
    knob: "bigTCPIPv4",
    severity: "warning",
    summary: "no gain on Hetzner's virtio_net",
    source: docs("warns", `${TUNING}#ipv4-big-tcp`, "Documentation/operations/performance/tuning.rst:331"),
    check: (k) =>
      k.bigTCPIPv4
        ? {
            why: "the docs warn: BIG TCP's \"Supported NICs: mlx4, mlx5, ice\", and Hetzner's virtio_net is not one of them",
            allowed: "true, after measuring a gain",
            fix: "measure TCP_RR and throughput on ci before and after",
          }
        : undefined,
  },
];
