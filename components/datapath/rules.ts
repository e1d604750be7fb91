/**
 * The datapath rules: every requires/excludes of datapath.md §2 as one row. A rule names the knob it
 * is reported against and says, in parts, why it failed, what is allowed and the fix; `check.ts` runs
 * them (with the kernel rule and the decision warnings) and joins each finding into its message.
 */
import { show } from "../config/define";
import { contains, parseCidr4 } from "../config/cidr";
import type { KnobKey, Knobs } from "./catalogue";
import type { KernelVersion, TalosVersion } from "./kernel";

/** What a rule may look at besides the knobs. */
export interface RuleContext {
  readonly podCidr: string;
  readonly talosVersion: TalosVersion;
  readonly kernel: KernelVersion;
}

/** A failed rule, in parts; `describe()` joins them into the message. */
export interface Finding {
  readonly why: string;
  readonly allowed: string;
  readonly fix: string;
}

/** One rule of the catalogue. */
export interface Rule {
  readonly id: string;
  /** The knob the problem is reported against. */
  readonly knob: KnobKey;
  readonly severity: "error" | "warning";
  /** The rule in a few words, for the README ("requires BPF host routing"). */
  readonly summary: string;
  readonly check: (k: Knobs, ctx: RuleContext) => Finding | undefined;
}

/** How BPF host routing resolves: the agent uses it only with KPR and BPF masquerade, unless forced off. */
export function hostRouting(k: Knobs): { mode: "bpf" | "legacy"; because: string } {
  if (k.bpfHostRouting === "legacy") return { mode: "legacy", because: 'bpfHostRouting is "legacy"' };
  if (!k.kubeProxyReplacement) return { mode: "legacy", because: "kubeProxyReplacement is false" };
  if (!k.bpfMasquerade) return { mode: "legacy", because: "bpfMasquerade is false" };
  return { mode: "bpf", because: "kube-proxy replacement and BPF masquerade are on" };
}

const needsHostRouting = (what: string, k: Knobs, allowed: string): Finding | undefined => {
  const hr = hostRouting(k);
  if (hr.mode === "bpf") return undefined;
  return {
    why: `${what} needs BPF host routing (the agent refuses to start otherwise), but host routing resolves to legacy because ${hr.because}`,
    allowed,
    fix: 'first adopt bpfMasquerade: true (with kubeProxyReplacement: true and bpfHostRouting not "legacy"), soak it, then change this knob',
  };
};

const needsKpr = (what: string, k: Knobs, allowedOff: string): Finding | undefined =>
  k.kubeProxyReplacement
    ? undefined
    : {
        why: `${what} needs kube-proxy replacement, and kubeProxyReplacement is false`,
        allowed: allowedOff,
        fix: "set kubeProxyReplacement: true, or turn this knob off",
      };

const isDsr = (k: Knobs): boolean => k.loadBalancerMode !== "snat";

/** The BIG TCP rules, once for each address family's key. */
function bigTcpRules(key: "bigTCPIPv4" | "bigTCPIPv6"): Rule[] {
  return [
    {
      id: `${key}-needs-host-routing`,
      knob: key,
      severity: "error",
      summary: "requires BPF host routing",
      check: (k) =>
        k[key] ? needsHostRouting("BIG TCP", k, "false while host routing is legacy") : undefined,
    },
    {
      id: `${key}-excludes-tunnel`,
      knob: key,
      severity: "error",
      summary: "excludes tunnel mode",
      check: (k) =>
        k[key] && k.routingMode === "tunnel"
          ? {
              why: 'BIG TCP is refused by the agent in tunnel mode (routingMode is "tunnel"); the hidden enable-tunnel-big-tcp agent flag is not offered',
              allowed: "false in tunnel mode",
              fix: "keep BIG TCP off: it needs native routing, which is rejected for this cluster",
            }
          : undefined,
    },
    {
      id: `${key}-excludes-ipip-dispatch`,
      knob: key,
      severity: "error",
      summary: "excludes DSR ipip dispatch",
      check: (k) =>
        k[key] && isDsr(k) && k.dsrDispatch === "ipip"
          ? {
              why: "BIG TCP does not work with DSR ipip dispatch",
              allowed: 'false with dsrDispatch: "ipip"',
              fix: 'use dsrDispatch "opt" or "geneve", or keep BIG TCP off',
            }
          : undefined,
    },
  ];
}

/** Every requires/excludes rule, one row each. */
export const RULES: readonly Rule[] = [
  {
    id: "bandwidth-manager-needs-kpr",
    knob: "bandwidthManager",
    severity: "error",
    summary: "requires kube-proxy replacement",
    check: (k) =>
      k.bandwidthManager
        ? needsKpr("the bandwidth manager", k, "false while kube-proxy replacement is off")
        : undefined,
  },
  {
    id: "bandwidth-manager-wireguard-soak",
    knob: "bandwidthManager",
    severity: "warning",
    summary: "with WireGuard: soak first",
    check: (k) =>
      k.bandwidthManager && k.wireguard
        ? {
            why: "fq's per-flow limit (100 packets) dropped WireGuard bursts on this very stack in a field report, and Cilium re-applies the qdisc",
            allowed: "true after a soak with WireGuard on",
            fix: "soak on ci and watch `hubble observe --verdict DROPPED` and `tc -s qdisc` drops on every node",
          }
        : undefined,
  },
  {
    id: "bbr-needs-bandwidth-manager",
    knob: "bandwidthManagerBBR",
    severity: "error",
    summary: "requires the bandwidth manager",
    check: (k) =>
      k.bandwidthManagerBBR && !k.bandwidthManager
        ? {
            why: "BBR is part of the bandwidth manager, and bandwidthManager is false",
            allowed: "false, or true with bandwidthManager: true",
            fix: "set bandwidthManager: true first (its own soaked change)",
          }
        : undefined,
  },
  {
    id: "bbr-needs-host-routing",
    knob: "bandwidthManagerBBR",
    severity: "error",
    summary: "requires BPF host routing unless bandwidthManagerBBRHostNamespaceOnly",
    check: (k) =>
      k.bandwidthManagerBBR && !k.bandwidthManagerBBRHostNamespaceOnly
        ? needsHostRouting(
            "BBR for pods",
            k,
            "false, or true with BPF host routing, or true with bandwidthManagerBBRHostNamespaceOnly: true",
          )
        : undefined,
  },
  {
    id: "bbr-host-namespace-needs-bbr",
    knob: "bandwidthManagerBBRHostNamespaceOnly",
    severity: "error",
    summary: "requires BBR",
    check: (k) =>
      k.bandwidthManagerBBRHostNamespaceOnly && !k.bandwidthManagerBBR
        ? {
            why: "it narrows BBR to the host namespace, and bandwidthManagerBBR is false",
            allowed: "false, or true with bandwidthManagerBBR: true",
            fix: "set bandwidthManagerBBR: true, or this key to false",
          }
        : undefined,
  },
  {
    id: "masquerade-needs-kpr",
    knob: "bpfMasquerade",
    severity: "error",
    summary: "requires kube-proxy replacement",
    check: (k) =>
      k.bpfMasquerade
        ? needsKpr("BPF masquerade", k, "false while kube-proxy replacement is off")
        : undefined,
  },
  {
    id: "host-routing-bpf-needs-kpr-and-masquerade",
    knob: "bpfHostRouting",
    severity: "error",
    summary: '"bpf" requires kube-proxy replacement and BPF masquerade',
    check: (k) =>
      k.bpfHostRouting === "bpf" && hostRouting(k).mode === "legacy"
        ? {
            why: `BPF host routing needs kube-proxy replacement and BPF masquerade; without them the agent silently falls back to legacy routing (${hostRouting(k).because})`,
            allowed: '"auto" or "legacy", or "bpf" with kubeProxyReplacement and bpfMasquerade true',
            fix: 'set bpfMasquerade: true (a soaked change of its own), or bpfHostRouting: "auto"',
          }
        : undefined,
  },
  {
    id: "netkit-needs-host-routing",
    knob: "datapathMode",
    severity: "error",
    summary: "netkit requires BPF host routing",
    check: (k) =>
      k.datapathMode !== "veth"
        ? needsHostRouting("netkit", k, '"veth", or netkit with BPF host routing')
        : undefined,
  },
  {
    id: "netkit-excludes-tproxy",
    knob: "datapathMode",
    severity: "error",
    summary: "netkit excludes bpfTproxy",
    check: (k) =>
      k.datapathMode !== "veth" && k.bpfTproxy
        ? {
            why: "netkit does not support BPF TPROXY, and bpfTproxy is true",
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
    check: (k) =>
      k.routingMode === "native" && !k.ipv4NativeRoutingCidr
        ? {
            why: "native routing needs ipv4NativeRoutingCidr (the chart fails without it)",
            allowed: '"tunnel", or "native" with ipv4NativeRoutingCidr set',
            fix: 'set ipv4NativeRoutingCidr to a CIDR covering the pod CIDR, or keep routingMode: "tunnel"',
          }
        : undefined,
  },
  {
    id: "native-cidr-covers-pods",
    knob: "ipv4NativeRoutingCidr",
    severity: "error",
    summary: "must cover the pod CIDR",
    check: (k, ctx) => {
      if (!k.ipv4NativeRoutingCidr) return undefined;
      const outer = parseCidr4(k.ipv4NativeRoutingCidr);
      const pods = parseCidr4(ctx.podCidr);
      return outer && pods && contains(outer, pods)
        ? undefined
        : {
            why: `it must be a valid IPv4 CIDR covering the pod CIDR ${ctx.podCidr}, or pod traffic is masqueraded`,
            allowed: `a CIDR containing ${ctx.podCidr}`,
            fix: `set it to ${ctx.podCidr} (or a CIDR containing it)`,
          };
    },
  },
  {
    id: "auto-direct-node-routes-on-hetzner",
    knob: "autoDirectNodeRoutes",
    severity: "error",
    summary: "does not work on Hetzner",
    check: (k) =>
      k.autoDirectNodeRoutes
        ? {
            why: "Hetzner private networks are routed L3: every packet's next hop is the network gateway, so direct node routes black-hole pod traffic",
            allowed: "false",
            fix: "set autoDirectNodeRoutes: false; native routing on Hetzner needs the hcloud cloud-controller-manager route controller instead",
          }
        : undefined,
  },
  {
    id: "dsr-needs-kpr",
    knob: "loadBalancerMode",
    severity: "error",
    summary: "dsr/hybrid require kube-proxy replacement",
    check: (k) => (isDsr(k) ? needsKpr("DSR", k, '"snat" while kube-proxy replacement is off') : undefined),
  },
  {
    id: "dsr-tunnel-needs-geneve",
    knob: "loadBalancerMode",
    severity: "error",
    summary: "dsr/hybrid in tunnel mode require geneve tunnel and geneve dispatch",
    check: (k) =>
      isDsr(k) && k.routingMode === "tunnel" && (k.tunnelProtocol !== "geneve" || k.dsrDispatch !== "geneve")
        ? {
            why: `DSR in tunnel mode needs tunnelProtocol: "geneve" and dsrDispatch: "geneve" (the agent errors on vxlan), but they are ${show(k.tunnelProtocol)} and ${show(k.dsrDispatch)}`,
            allowed: '"snat", or DSR with the geneve tunnel and geneve dispatch',
            fix: 'keep loadBalancerMode: "snat" (DSR is rejected for this cluster), or switch the tunnel to geneve first',
          }
        : undefined,
  },
  {
    id: "dsr-dispatch-geneve-needs-geneve",
    knob: "dsrDispatch",
    severity: "error",
    summary: '"geneve" requires the geneve tunnel',
    check: (k) =>
      k.dsrDispatch === "geneve" && k.tunnelProtocol !== "geneve"
        ? {
            why: `geneve dispatch needs tunnelProtocol: "geneve", and it is ${show(k.tunnelProtocol)}`,
            allowed: '"opt" or "ipip", or "geneve" with tunnelProtocol: "geneve"',
            fix: 'set dsrDispatch: "opt", or tunnelProtocol: "geneve"',
          }
        : undefined,
  },
  {
    id: "dsr-wireguard-unencrypted",
    knob: "loadBalancerMode",
    severity: "warning",
    summary: "with WireGuard: north-south traffic unencrypted unless geneve dispatch",
    check: (k) =>
      isDsr(k) && k.wireguard && k.dsrDispatch !== "geneve"
        ? {
            why: "with WireGuard, north-south traffic forwarded between nodes is not encrypted outside geneve dispatch",
            allowed: 'DSR with dsrDispatch: "geneve" when WireGuard is on',
            fix: 'use dsrDispatch: "geneve" with the geneve tunnel',
          }
        : undefined,
  },
  {
    id: "xdp-needs-kpr",
    knob: "loadBalancerAcceleration",
    severity: "error",
    summary: "requires kube-proxy replacement",
    check: (k) =>
      k.loadBalancerAcceleration !== "disabled"
        ? needsKpr("XDP acceleration", k, '"disabled" while kube-proxy replacement is off')
        : undefined,
  },
  {
    id: "endpoint-slice-excludes-egress-gateway",
    knob: "ciliumEndpointSlice",
    severity: "error",
    summary: "excludes the egress gateway",
    check: (k) =>
      k.ciliumEndpointSlice && k.egressGateway
        ? {
            why: "CiliumEndpointSlice does not work with the egress gateway, and egressGateway is true",
            allowed: "false while egressGateway is true",
            fix: "turn one of ciliumEndpointSlice and egressGateway off",
          }
        : undefined,
  },
  {
    id: "egress-gateway-needs-masquerade",
    knob: "egressGateway",
    severity: "error",
    summary: "requires BPF masquerade and kube-proxy replacement",
    check: (k) =>
      k.egressGateway && (!k.bpfMasquerade || !k.kubeProxyReplacement)
        ? {
            why: "the egress gateway needs BPF masquerade and kube-proxy replacement",
            allowed: "false, or true with bpfMasquerade and kubeProxyReplacement true",
            fix: "adopt bpfMasquerade: true first",
          }
        : undefined,
  },
  {
    id: "relay-needs-hubble",
    knob: "hubbleRelay",
    severity: "error",
    summary: "requires Hubble",
    check: (k) =>
      k.hubbleRelay && !k.hubble
        ? {
            why: "relay reads from the agents' Hubble, and hubble is false (the chart fails)",
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
    check: (k) =>
      k.hubbleUI && !k.hubbleRelay
        ? {
            why: "the UI reads from relay, and hubbleRelay is false (the chart fails)",
            allowed: "false while hubbleRelay is false",
            fix: "set hubbleUI: false, or hubbleRelay: true",
          }
        : undefined,
  },
  ...(["bigTCPIPv4", "bigTCPIPv6"] as const).flatMap(bigTcpRules),
  {
    id: "big-tcp-ipv6-needs-ipv6",
    knob: "bigTCPIPv6",
    severity: "error",
    summary: "requires IPv6 pod networking (not offered)",
    check: (k) =>
      k.bigTCPIPv6
        ? {
            why: "IPv6 BIG TCP needs IPv6 pod networking, and this program runs IPv4 pods only",
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
    check: (k) =>
      k.bigTCPIPv4
        ? {
            why: "only mlx4/mlx5/ice NICs gain from BIG TCP; Hetzner's virtio_net likely gains nothing",
            allowed: "true, after measuring a gain",
            fix: "measure TCP_RR and throughput on ci before and after",
          }
        : undefined,
  },
  {
    id: "strict-egress-needs-wireguard",
    knob: "strictEgress",
    severity: "error",
    summary: "requires WireGuard",
    check: (k) =>
      k.strictEgress && !k.wireguard
        ? {
            why: "strict egress drops unencrypted pod traffic, and wireguard is false",
            allowed: "false while wireguard is false",
            fix: "set strictEgress: false together with wireguard: false, or keep wireguard: true",
          }
        : undefined,
  },
  {
    id: "strict-egress-cidr-covers-pods",
    knob: "strictEgressCidr",
    severity: "error",
    summary: "must be IPv4 and cover the pod CIDR",
    check: (k, ctx) => {
      if (!k.strictEgressCidr) return undefined;
      const outer = parseCidr4(k.strictEgressCidr);
      const pods = parseCidr4(ctx.podCidr);
      return outer && pods && contains(outer, pods)
        ? undefined
        : {
            why: `strict egress must cover every pod address, so the CIDR must be IPv4 and equal or contain the pod CIDR ${ctx.podCidr}`,
            allowed: `"" (the pod CIDR) or a CIDR containing ${ctx.podCidr}`,
            fix: "leave it empty so it follows podCidr",
          };
    },
  },
  {
    id: "mutual-auth-deprecated",
    knob: "mutualAuth",
    severity: "warning",
    summary: "deprecated in 1.20, removal planned for 1.21",
    check: (k) =>
      k.mutualAuth
        ? {
            why: "SPIRE mutual authentication is deprecated in Cilium 1.20 and its removal is planned for 1.21",
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
    check: (k) =>
      k.gatewayAPI
        ? needsKpr("Cilium's Gateway API", k, "false while kube-proxy replacement is off")
        : undefined,
  },
];
