/**
 * Every datapath rule as a table row: the config that breaks it (on top of the real ci stack file)
 * and the exact message it must produce. A rule without a row fails the completeness test.
 */
import { describe, expect, it } from "vitest";
import { RULES, hostRouting } from "../components/datapath/rules";
import { defaultKnobs } from "../components/datapath/catalogue";
import { problemsOf, resolveWith } from "./helpers";

interface Row {
  readonly rule: string;
  readonly set: Record<string, unknown>;
  readonly message: string;
}

const ROWS: readonly Row[] = [
  {
    rule: "bandwidth-manager-needs-kpr",
    set: { kubeProxyReplacement: false, bandwidthManager: true, gatewayAPI: false },
    message:
      "hcloud-talos-cilium:bandwidthManager = true: the bandwidth manager needs kube-proxy replacement, and kubeProxyReplacement is false. Allowed: false while kube-proxy replacement is off. Fix: set kubeProxyReplacement: true, or turn this knob off.",
  },
  {
    rule: "bandwidth-manager-wireguard-soak",
    set: { bandwidthManager: true },
    message:
      "hcloud-talos-cilium:bandwidthManager = true: fq's per-flow limit (100 packets) dropped WireGuard bursts on this very stack in a field report, and Cilium re-applies the qdisc. Allowed: true after a soak with WireGuard on. Fix: soak on ci and watch `hubble observe --verdict DROPPED` and `tc -s qdisc` drops on every node.",
  },
  {
    rule: "bbr-needs-bandwidth-manager",
    set: { bandwidthManager: false, bandwidthManagerBBR: true, bandwidthManagerBBRHostNamespaceOnly: true },
    message:
      "hcloud-talos-cilium:bandwidthManagerBBR = true: BBR is part of the bandwidth manager, and bandwidthManager is false. Allowed: false, or true with bandwidthManager: true. Fix: set bandwidthManager: true first (its own soaked change).",
  },
  {
    rule: "bbr-needs-host-routing",
    set: { bandwidthManagerBBR: true },
    message:
      'hcloud-talos-cilium:bandwidthManagerBBR = true: BBR for pods needs BPF host routing (the agent refuses to start otherwise), but host routing resolves to legacy because bpfMasquerade is false. Allowed: false, or true with BPF host routing, or true with bandwidthManagerBBRHostNamespaceOnly: true. Fix: first adopt bpfMasquerade: true (with kubeProxyReplacement: true and bpfHostRouting not "legacy"), soak it, then change this knob.',
  },
  {
    rule: "bbr-host-namespace-needs-bbr",
    set: { bandwidthManagerBBRHostNamespaceOnly: true },
    message:
      "hcloud-talos-cilium:bandwidthManagerBBRHostNamespaceOnly = true: it narrows BBR to the host namespace, and bandwidthManagerBBR is false. Allowed: false, or true with bandwidthManagerBBR: true. Fix: set bandwidthManagerBBR: true, or this key to false.",
  },
  {
    rule: "masquerade-needs-kpr",
    set: { kubeProxyReplacement: false, bandwidthManager: false, gatewayAPI: false, bpfMasquerade: true },
    message:
      "hcloud-talos-cilium:bpfMasquerade = true: BPF masquerade needs kube-proxy replacement, and kubeProxyReplacement is false. Allowed: false while kube-proxy replacement is off. Fix: set kubeProxyReplacement: true, or turn this knob off.",
  },
  {
    rule: "host-routing-bpf-needs-kpr-and-masquerade",
    set: { bpfHostRouting: "bpf" },
    message:
      'hcloud-talos-cilium:bpfHostRouting = "bpf": BPF host routing needs kube-proxy replacement and BPF masquerade; without them the agent silently falls back to legacy routing (bpfMasquerade is false). Allowed: "auto" or "legacy", or "bpf" with kubeProxyReplacement and bpfMasquerade true. Fix: set bpfMasquerade: true (a soaked change of its own), or bpfHostRouting: "auto".',
  },
  {
    rule: "netkit-needs-host-routing",
    set: { datapathMode: "netkit" },
    message:
      'hcloud-talos-cilium:datapathMode = "netkit": netkit needs BPF host routing (the agent refuses to start otherwise), but host routing resolves to legacy because bpfMasquerade is false. Allowed: "veth", or netkit with BPF host routing. Fix: first adopt bpfMasquerade: true (with kubeProxyReplacement: true and bpfHostRouting not "legacy"), soak it, then change this knob.',
  },
  {
    rule: "netkit-excludes-tproxy",
    set: { datapathMode: "netkit", bpfMasquerade: true, bpfTproxy: true },
    message:
      'hcloud-talos-cilium:datapathMode = "netkit": netkit does not support BPF TPROXY, and bpfTproxy is true. Allowed: "veth" while bpfTproxy is true. Fix: set bpfTproxy: false, or keep datapathMode: "veth".',
  },
  {
    rule: "native-needs-cidr",
    set: { routingMode: "native" },
    message:
      'hcloud-talos-cilium:routingMode = "native": native routing needs ipv4NativeRoutingCidr (the chart fails without it). Allowed: "tunnel", or "native" with ipv4NativeRoutingCidr set. Fix: set ipv4NativeRoutingCidr to a CIDR covering the pod CIDR, or keep routingMode: "tunnel".',
  },
  {
    rule: "native-cidr-covers-pods",
    set: { routingMode: "native", ipv4NativeRoutingCidr: "10.245.0.0/16" },
    message:
      'hcloud-talos-cilium:ipv4NativeRoutingCidr = "10.245.0.0/16": it must be a valid IPv4 CIDR covering the pod CIDR 10.244.0.0/16, or pod traffic is masqueraded. Allowed: a CIDR containing 10.244.0.0/16. Fix: set it to 10.244.0.0/16 (or a CIDR containing it).',
  },
  {
    rule: "auto-direct-node-routes-on-hetzner",
    set: { autoDirectNodeRoutes: true },
    message:
      "hcloud-talos-cilium:autoDirectNodeRoutes = true: Hetzner private networks are routed L3: every packet's next hop is the network gateway, so direct node routes black-hole pod traffic. Allowed: false. Fix: set autoDirectNodeRoutes: false; native routing on Hetzner needs the hcloud cloud-controller-manager route controller instead.",
  },
  {
    rule: "dsr-needs-kpr",
    set: {
      kubeProxyReplacement: false,
      bandwidthManager: false,
      gatewayAPI: false,
      loadBalancerMode: "dsr",
      routingMode: "native",
      ipv4NativeRoutingCidr: "10.244.0.0/16",
    },
    message:
      'hcloud-talos-cilium:loadBalancerMode = "dsr": DSR needs kube-proxy replacement, and kubeProxyReplacement is false. Allowed: "snat" while kube-proxy replacement is off. Fix: set kubeProxyReplacement: true, or turn this knob off.',
  },
  {
    rule: "dsr-tunnel-needs-geneve",
    set: { loadBalancerMode: "dsr" },
    message:
      'hcloud-talos-cilium:loadBalancerMode = "dsr": DSR in tunnel mode needs tunnelProtocol: "geneve" and dsrDispatch: "geneve" (the agent errors on vxlan), but they are "vxlan" and "opt". Allowed: "snat", or DSR with the geneve tunnel and geneve dispatch. Fix: keep loadBalancerMode: "snat" (DSR is rejected for this cluster), or switch the tunnel to geneve first.',
  },
  {
    rule: "dsr-dispatch-geneve-needs-geneve",
    set: { dsrDispatch: "geneve" },
    message:
      'hcloud-talos-cilium:dsrDispatch = "geneve": geneve dispatch needs tunnelProtocol: "geneve", and it is "vxlan". Allowed: "opt" or "ipip", or "geneve" with tunnelProtocol: "geneve". Fix: set dsrDispatch: "opt", or tunnelProtocol: "geneve".',
  },
  {
    rule: "dsr-wireguard-unencrypted",
    set: { loadBalancerMode: "hybrid", routingMode: "native", ipv4NativeRoutingCidr: "10.244.0.0/16" },
    message:
      'hcloud-talos-cilium:loadBalancerMode = "hybrid": with WireGuard, north-south traffic forwarded between nodes is not encrypted outside geneve dispatch. Allowed: DSR with dsrDispatch: "geneve" when WireGuard is on. Fix: use dsrDispatch: "geneve" with the geneve tunnel.',
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
      'hcloud-talos-cilium:loadBalancerAcceleration = "native": XDP acceleration needs kube-proxy replacement, and kubeProxyReplacement is false. Allowed: "disabled" while kube-proxy replacement is off. Fix: set kubeProxyReplacement: true, or turn this knob off.',
  },
  {
    rule: "endpoint-slice-excludes-egress-gateway",
    set: { ciliumEndpointSlice: true, egressGateway: true, bpfMasquerade: true },
    message:
      "hcloud-talos-cilium:ciliumEndpointSlice = true: CiliumEndpointSlice does not work with the egress gateway, and egressGateway is true. Allowed: false while egressGateway is true. Fix: turn one of ciliumEndpointSlice and egressGateway off.",
  },
  {
    rule: "egress-gateway-needs-masquerade",
    set: { egressGateway: true },
    message:
      "hcloud-talos-cilium:egressGateway = true: the egress gateway needs BPF masquerade and kube-proxy replacement. Allowed: false, or true with bpfMasquerade and kubeProxyReplacement true. Fix: adopt bpfMasquerade: true first.",
  },
  {
    rule: "relay-needs-hubble",
    set: { hubble: false, hubbleUI: false },
    message:
      "hcloud-talos-cilium:hubbleRelay = true: relay reads from the agents' Hubble, and hubble is false (the chart fails). Allowed: false while hubble is false. Fix: set hubbleRelay: false and hubbleUI: false with hubble: false, or keep hubble: true.",
  },
  {
    rule: "ui-needs-relay",
    set: { hubbleRelay: false },
    message:
      "hcloud-talos-cilium:hubbleUI = true: the UI reads from relay, and hubbleRelay is false (the chart fails). Allowed: false while hubbleRelay is false. Fix: set hubbleUI: false, or hubbleRelay: true.",
  },
  {
    rule: "bigTCPIPv4-needs-host-routing",
    set: { bigTCPIPv4: true, routingMode: "native", ipv4NativeRoutingCidr: "10.244.0.0/16" },
    message:
      'hcloud-talos-cilium:bigTCPIPv4 = true: BIG TCP needs BPF host routing (the agent refuses to start otherwise), but host routing resolves to legacy because bpfMasquerade is false. Allowed: false while host routing is legacy. Fix: first adopt bpfMasquerade: true (with kubeProxyReplacement: true and bpfHostRouting not "legacy"), soak it, then change this knob.',
  },
  {
    rule: "bigTCPIPv4-excludes-tunnel",
    set: { bigTCPIPv4: true, bpfMasquerade: true },
    message:
      'hcloud-talos-cilium:bigTCPIPv4 = true: BIG TCP is refused by the agent in tunnel mode (routingMode is "tunnel"); the hidden enable-tunnel-big-tcp agent flag is not offered. Allowed: false in tunnel mode. Fix: keep BIG TCP off: it needs native routing, which is rejected for this cluster.',
  },
  {
    rule: "bigTCPIPv4-excludes-ipip-dispatch",
    set: {
      bigTCPIPv4: true,
      bpfMasquerade: true,
      routingMode: "native",
      ipv4NativeRoutingCidr: "10.244.0.0/16",
      loadBalancerMode: "dsr",
      dsrDispatch: "ipip",
    },
    message:
      'hcloud-talos-cilium:bigTCPIPv4 = true: BIG TCP does not work with DSR ipip dispatch. Allowed: false with dsrDispatch: "ipip". Fix: use dsrDispatch "opt" or "geneve", or keep BIG TCP off.',
  },
  {
    rule: "bigTCPIPv6-needs-host-routing",
    set: { bigTCPIPv6: true, routingMode: "native", ipv4NativeRoutingCidr: "10.244.0.0/16" },
    message:
      'hcloud-talos-cilium:bigTCPIPv6 = true: BIG TCP needs BPF host routing (the agent refuses to start otherwise), but host routing resolves to legacy because bpfMasquerade is false. Allowed: false while host routing is legacy. Fix: first adopt bpfMasquerade: true (with kubeProxyReplacement: true and bpfHostRouting not "legacy"), soak it, then change this knob.',
  },
  {
    rule: "bigTCPIPv6-excludes-tunnel",
    set: { bigTCPIPv6: true, bpfMasquerade: true },
    message:
      'hcloud-talos-cilium:bigTCPIPv6 = true: BIG TCP is refused by the agent in tunnel mode (routingMode is "tunnel"); the hidden enable-tunnel-big-tcp agent flag is not offered. Allowed: false in tunnel mode. Fix: keep BIG TCP off: it needs native routing, which is rejected for this cluster.',
  },
  {
    rule: "bigTCPIPv6-excludes-ipip-dispatch",
    set: {
      bigTCPIPv6: true,
      bpfMasquerade: true,
      routingMode: "native",
      ipv4NativeRoutingCidr: "10.244.0.0/16",
      loadBalancerMode: "dsr",
      dsrDispatch: "ipip",
    },
    message:
      'hcloud-talos-cilium:bigTCPIPv6 = true: BIG TCP does not work with DSR ipip dispatch. Allowed: false with dsrDispatch: "ipip". Fix: use dsrDispatch "opt" or "geneve", or keep BIG TCP off.',
  },
  {
    rule: "big-tcp-ipv6-needs-ipv6",
    set: { bigTCPIPv6: true },
    message:
      "hcloud-talos-cilium:bigTCPIPv6 = true: IPv6 BIG TCP needs IPv6 pod networking, and this program runs IPv4 pods only. Allowed: false. Fix: set bigTCPIPv6: false.",
  },
  {
    rule: "big-tcp-no-gain-on-virtio",
    set: { bigTCPIPv4: true },
    message:
      "hcloud-talos-cilium:bigTCPIPv4 = true: only mlx4/mlx5/ice NICs gain from BIG TCP; Hetzner's virtio_net likely gains nothing. Allowed: true, after measuring a gain. Fix: measure TCP_RR and throughput on ci before and after.",
  },
  {
    rule: "strict-egress-needs-wireguard",
    set: { wireguard: false },
    message:
      "hcloud-talos-cilium:strictEgress = true: strict egress drops unencrypted pod traffic, and wireguard is false. Allowed: false while wireguard is false. Fix: set strictEgress: false together with wireguard: false, or keep wireguard: true.",
  },
  {
    rule: "strict-egress-cidr-covers-pods",
    set: { strictEgressCidr: "10.244.0.0/17" },
    message:
      'hcloud-talos-cilium:strictEgressCidr = "10.244.0.0/17": strict egress must cover every pod address, so the CIDR must be IPv4 and equal or contain the pod CIDR 10.244.0.0/16. Allowed: "" (the pod CIDR) or a CIDR containing 10.244.0.0/16. Fix: leave it empty so it follows podCidr.',
  },
  {
    rule: "mutual-auth-deprecated",
    set: { mutualAuth: true },
    message:
      "hcloud-talos-cilium:mutualAuth = true: SPIRE mutual authentication is deprecated in Cilium 1.20 and its removal is planned for 1.21. Allowed: true on 1.20. Fix: plan the exit before upgrading to 1.21.",
  },
  {
    rule: "gateway-api-needs-kpr",
    set: { kubeProxyReplacement: false, bandwidthManager: false },
    message:
      "hcloud-talos-cilium:gatewayAPI = true: Cilium's Gateway API needs kube-proxy replacement, and kubeProxyReplacement is false. Allowed: false while kube-proxy replacement is off. Fix: set kubeProxyReplacement: true, or turn this knob off.",
  },
];

describe("datapath rules", () => {
  it("has a row for every rule in the catalogue, and no row for a rule that does not exist", () => {
    expect(ROWS.map((r) => r.rule).sort()).toEqual(RULES.map((r) => r.id).sort());
  });

  it.each(ROWS)("$rule: reports its exact message", (row) => {
    const rule = RULES.find((r) => r.id === row.rule);
    const r = resolveWith(row.set);
    if (rule?.severity === "error") {
      expect(r.ok).toBe(false);
      expect(problemsOf(r)).toContain(row.message);
    } else {
      expect(r.warnings.map((w) => w.message)).toContain(row.message);
    }
  });

  it.each(ROWS)("$rule: is silent on the production baseline", (row) => {
    const r = resolveWith({}, "prod");
    const all = [...problemsOf(r), ...r.warnings.map((w) => w.message)];
    // The one rule that fires on the baseline is the deprecation flag of SPIRE mutual auth (kept, flagged).
    if (row.rule === "mutual-auth-deprecated") expect(all).toContain(row.message);
    else expect(all).not.toContain(row.message);
  });

  it("resolves BPF host routing from kube-proxy replacement, BPF masquerade and the override", () => {
    const base = defaultKnobs();
    expect(hostRouting(base)).toEqual({ mode: "legacy", because: "bpfMasquerade is false" });
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
    });
  });
});

describe("the safe adoption order", () => {
  it("accepts each step on top of the previous one: bandwidth manager, then BPF masquerade, then pod BBR", () => {
    const step1 = { bandwidthManager: true };
    const step2 = { ...step1, bpfMasquerade: true };
    const step3 = { ...step2, bandwidthManagerBBR: true };
    for (const step of [step1, step2, step3]) expect(problemsOf(resolveWith(step))).toEqual([]);
  });

  it("refuses the seeds' literal order: bandwidth manager with pod BBR before BPF masquerade", () => {
    expect(problemsOf(resolveWith({ bandwidthManager: true, bandwidthManagerBBR: true }))).toEqual([
      ROWS.find((r) => r.rule === "bbr-needs-host-routing")?.message,
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

  it("rejects netkit on Talos 1.8 (kernel 6.6) with the kernel named", () => {
    expect(problemsOf(resolveWith({ ...netkit, talosVersion: "v1.8.4" }))).toEqual([
      'hcloud-talos-cilium:talosVersion = "v1.8.4": the machine-config patches target Talos v1.13.x (kernel table knows 1.8, 1.9, 1.10, 1.11, 1.12, 1.13). Allowed: v1.13.x. Fix: set talosVersion to a v1.13 release such as v1.13.9.',
      'hcloud-talos-cilium:datapathMode = "netkit": needs Linux 6.8.0 or newer, but Talos v1.8.4 ships 6.6.0. Allowed: "veth" on this Talos version. Fix: upgrade talosVersion to v1.13.x first, or set datapathMode back to "veth".',
    ]);
  });

  it("accepts netkit on Talos 1.13 (kernel 6.18.44)", () => {
    expect(problemsOf(resolveWith({ ...netkit, talosVersion: "v1.13.9" }))).toEqual([]);
  });

  it("accepts netkit-l2 on Talos 1.13 too", () => {
    expect(problemsOf(resolveWith({ bpfMasquerade: true, datapathMode: "netkit-l2" }))).toEqual([]);
  });
});
