/**
 * The plan's verdict against Cilium 1.20's, for every knob and every allowed value, set on the real
 * prod stack file together with the prerequisites its refusal names. Each row states what the agent
 * (or the chart) does, with the line that does it, and the exact rules the plan reports; the test holds
 * the plan's rules to the row and to the row's verdict (the plan never says "the agent refuses" where
 * the agent starts, and never accepts what the agent refuses or the chart fails). Where the chart has
 * the say, the real 1.20.0 archive is rendered with `helm template`: its `fail` must be the rule's
 * quoted message, and what it silently drops must be absent from the rendered cilium-config.
 */
import { describe, expect, it } from "vitest";
import { KNOB_KEYS, knobDef, type KnobKey, type Knobs } from "../components/knobs/catalogue";
import { verdictsOf, type Verdict } from "../components/knobs/check";
import { releaseArgs } from "../components/cilium/release";
import { helmTemplate, type K8sObject } from "../tools/helm-template";
import { resolveStackConfig } from "../components/config/resolve";
import { helmOnPath, reference, specOf, stackRaw } from "./helpers";

/** What Cilium 1.20 does with the row's config. */
type Cilium = "starts" | "refuses" | "falls back" | "chart fails" | "chart drops";

interface VerdictRow {
  readonly knob: KnobKey;
  readonly value: unknown;
  /** The prerequisites the refusal names (or a second knob the row is about). */
  readonly with?: Readonly<Record<string, unknown>>;
  /** What Cilium 1.20 does and where (for anything but "starts", a line one of the plan's rules cites). */
  readonly cilium: readonly [Cilium, string];
  /** The rules the plan reports, errors and warnings, in order (the baseline's SPIRE flag left out). */
  readonly plan: readonly string[];
}

const NATIVE = { routingMode: "native", ipv4NativeRoutingCidr: "10.244.0.0/16" } as const;
const NO_KPR = { kubeProxyReplacement: false, gatewayAPI: false } as const;
const NATIVE_DECISIONS = ["decision:routingMode", "decision:ipv4NativeRoutingCidr"];
const BW = ["bandwidth-manager-recommends-host-routing", "bandwidth-manager-wireguard-soak"];
const KPR_INIT = "pkg/kpr/initializer/kube_proxy_replacement.go";

const ROWS: readonly VerdictRow[] = [
  // kube-proxy replacement
  {
    knob: "kubeProxyReplacement",
    value: false,
    cilium: ["falls back", "operator/pkg/gateway-api/cell.go:104-107"],
    plan: ["gateway-api-needs-kpr"],
  },
  {
    knob: "kubeProxyReplacement",
    value: false,
    with: { gatewayAPI: false },
    cilium: ["starts", `${KPR_INIT}:45-60: without KPR the agent keeps legacy host routing, no refusal`],
    plan: [],
  },
  // routing
  {
    knob: "routingMode",
    value: "native",
    cilium: ["refuses", "pkg/option/config.go:2983-3007"],
    plan: ["native-needs-cidr", "decision:routingMode"],
  },
  {
    knob: "routingMode",
    value: "native",
    with: { ipv4NativeRoutingCidr: "10.244.0.0/16" },
    cilium: ["starts", "pkg/option/config.go:2983-3007 is satisfied"],
    plan: NATIVE_DECISIONS,
  },
  {
    knob: "tunnelProtocol",
    value: "geneve",
    cilium: ["starts", "pkg/datapath/tunnel/tunnel.go:96-101 accepts vxlan and geneve"],
    plan: [],
  },
  {
    knob: "tunnelProtocol",
    value: "geneve",
    with: NATIVE,
    cilium: ["falls back", "pkg/datapath/tunnel/tunnel.go:141-162"],
    plan: ["tunnel-protocol-unused-in-native", ...NATIVE_DECISIONS],
  },
  {
    knob: "ipv4NativeRoutingCidr",
    value: "10.244.0.0/16",
    cilium: ["starts", "pkg/option/config.go:2636-2646 parses it, in either routing mode"],
    plan: ["decision:ipv4NativeRoutingCidr"],
  },
  {
    knob: "ipv4NativeRoutingCidr",
    value: "10.245.0.0/16",
    cilium: ["starts", "pkg/option/config.go:2636-2646 parses it; covering the pods is our rule"],
    plan: ["native-cidr-covers-pods", "decision:ipv4NativeRoutingCidr"],
  },
  {
    knob: "ipv4NativeRoutingCidr",
    value: "10.244.0.0/33",
    cilium: ["refuses", "pkg/option/config.go:2636-2646"],
    plan: ["native-cidr-unparseable", "decision:ipv4NativeRoutingCidr"],
  },
  {
    knob: "autoDirectNodeRoutes",
    value: true,
    cilium: ["refuses", "daemon/cmd/daemon_main.go:1065-1067"],
    plan: ["auto-direct-node-routes-needs-native", "decision:autoDirectNodeRoutes"],
  },
  {
    knob: "autoDirectNodeRoutes",
    value: true,
    with: NATIVE,
    cilium: ["starts", "daemon/cmd/daemon_main.go:1065-1067 is satisfied; Hetzner's layer 3 is our rule"],
    plan: ["auto-direct-node-routes-on-hetzner", ...NATIVE_DECISIONS, "decision:autoDirectNodeRoutes"],
  },
  // bandwidth manager and BBR
  {
    knob: "bandwidthManager",
    value: true,
    cilium: [
      "starts",
      "pkg/datapath/linux/bandwidth/bandwidth.go:203-240 checks neither KPR nor host routing",
    ],
    plan: BW,
  },
  {
    knob: "bandwidthManager",
    value: true,
    with: { bpfMasquerade: true },
    cilium: ["starts", "pkg/datapath/linux/bandwidth/bandwidth.go:203-240"],
    plan: ["bandwidth-manager-wireguard-soak"],
  },
  {
    knob: "bandwidthManagerBBR",
    value: true,
    cilium: ["chart drops", "templates/cilium-configmap.yaml:807-813"],
    plan: ["bbr-dropped-without-bandwidth-manager"],
  },
  {
    knob: "bandwidthManagerBBR",
    value: true,
    with: { bandwidthManager: true },
    cilium: ["falls back", `${KPR_INIT}:46-59`],
    plan: [...BW, "bbr-host-routing-fallback"],
  },
  {
    knob: "bandwidthManagerBBR",
    value: true,
    with: { bandwidthManager: true, bpfMasquerade: true, bpfHostRouting: "legacy" },
    cilium: ["refuses", "pkg/datapath/linux/bandwidth/bandwidth.go:227-231"],
    plan: [...BW, "bbr-refused-on-legacy-routing"],
  },
  {
    knob: "bandwidthManagerBBR",
    value: true,
    with: { bandwidthManager: true, bpfMasquerade: true },
    cilium: ["starts", "pkg/datapath/linux/bandwidth/bandwidth.go:227-231 is satisfied"],
    plan: ["bandwidth-manager-wireguard-soak"],
  },
  {
    knob: "bandwidthManagerBBR",
    value: true,
    with: { bandwidthManager: true, bandwidthManagerBBRHostNamespaceOnly: true },
    cilium: ["starts", "pkg/datapath/linux/bandwidth/bandwidth.go:229 skips host-namespace-only BBR"],
    plan: BW,
  },
  {
    knob: "bandwidthManagerBBRHostNamespaceOnly",
    value: true,
    cilium: ["chart drops", "templates/cilium-configmap.yaml:807-813"],
    plan: ["bbr-host-namespace-dropped-without-bandwidth-manager"],
  },
  {
    knob: "bandwidthManagerBBRHostNamespaceOnly",
    value: true,
    with: { bandwidthManager: true },
    cilium: ["refuses", "pkg/datapath/linux/bandwidth/bandwidth.go:223-225"],
    plan: [...BW, "bbr-host-namespace-needs-bbr"],
  },
  {
    knob: "bandwidthManagerBBRHostNamespaceOnly",
    value: true,
    with: { bandwidthManager: true, bandwidthManagerBBR: true },
    cilium: ["starts", "pkg/datapath/linux/bandwidth/bandwidth.go:223-231 is satisfied"],
    plan: BW,
  },
  // masquerade and host routing
  {
    knob: "bpfMasquerade",
    value: true,
    cilium: ["starts", "daemon/cmd/daemon.go:103-122 needs masquerading only"],
    plan: [],
  },
  {
    knob: "bpfMasquerade",
    value: true,
    with: NO_KPR,
    cilium: [
      "starts",
      "daemon/cmd/daemon.go:103-122 has no KPR check; config.go:443-444 enables BPF NodePort",
    ],
    plan: [],
  },
  {
    knob: "bpfHostRouting",
    value: "bpf",
    cilium: ["falls back", `${KPR_INIT}:46-59`],
    plan: ["host-routing-bpf-falls-back"],
  },
  {
    knob: "bpfHostRouting",
    value: "bpf",
    with: { bpfMasquerade: true },
    cilium: ["starts", `${KPR_INIT}:46-59 keeps BPF host routing`],
    plan: [],
  },
  {
    knob: "bpfHostRouting",
    value: "legacy",
    cilium: ["starts", "enable-host-legacy-routing: true is the agent's legacy mode"],
    plan: [],
  },
  // the pod device
  ...(["netkit", "netkit-l2"] as const).flatMap((mode): VerdictRow[] => [
    {
      knob: "datapathMode",
      value: mode,
      cilium: ["refuses", "pkg/datapath/connector/config.go:137-145"],
      plan: ["netkit-needs-bpf-host-routing", "decision:datapathMode"],
    },
    {
      knob: "datapathMode",
      value: mode,
      with: { bpfMasquerade: true },
      cilium: ["starts", "pkg/datapath/connector/config.go:123-181 is satisfied on Talos 1.13's 6.18"],
      plan: ["decision:datapathMode"],
    },
    {
      knob: "datapathMode",
      value: mode,
      with: { bpfMasquerade: true, bpfTproxy: true },
      cilium: ["chart fails", "templates/validate.yaml:250"],
      plan: ["netkit-excludes-tproxy", "decision:datapathMode"],
    },
  ]),
  {
    knob: "bpfTproxy",
    value: true,
    cilium: ["starts", "the agent checks BPF TPROXY only against netkit (connector/config.go:176-178)"],
    plan: [],
  },
  // DSR
  ...(["dsr", "hybrid"] as const).flatMap((mode): VerdictRow[] => [
    {
      knob: "loadBalancerMode",
      value: mode,
      cilium: ["refuses", `${KPR_INIT}:131-134`],
      plan: [
        "dsr-excludes-vxlan",
        "dsr-tunnel-needs-geneve-dispatch",
        "dsr-wireguard-unencrypted",
        "decision:loadBalancerMode",
      ],
    },
    {
      knob: "loadBalancerMode",
      value: mode,
      with: { tunnelProtocol: "geneve", dsrDispatch: "geneve" },
      cilium: ["starts", `${KPR_INIT}:131-153 is satisfied`],
      plan: ["decision:loadBalancerMode", "decision:dsrDispatch"],
    },
    {
      knob: "loadBalancerMode",
      value: mode,
      with: NO_KPR,
      cilium: ["falls back", "pkg/datapath/linux/config/config.go:300-345"],
      plan: ["dsr-needs-kpr", "dsr-wireguard-unencrypted", "decision:loadBalancerMode"],
    },
  ]),
  ...(["ipip", "geneve"] as const).flatMap((dispatch): VerdictRow[] => [
    {
      knob: "dsrDispatch",
      value: dispatch,
      cilium: ["falls back", "pkg/datapath/linux/config/config.go:328-345"],
      plan: ["dsr-dispatch-unused-with-snat", "decision:dsrDispatch"],
    },
  ]),
  {
    knob: "dsrDispatch",
    value: "ipip",
    with: { loadBalancerMode: "dsr", ...NATIVE },
    cilium: ["starts", `${KPR_INIT}:100-104 sets up IPIP for DSR`],
    plan: [
      "dsr-wireguard-unencrypted",
      ...NATIVE_DECISIONS,
      "decision:loadBalancerMode",
      "decision:dsrDispatch",
    ],
  },
  {
    knob: "dsrDispatch",
    value: "geneve",
    with: { loadBalancerMode: "dsr", ...NATIVE },
    cilium: ["refuses", `${KPR_INIT}:148-153`],
    plan: [
      "dsr-geneve-dispatch-needs-geneve",
      ...NATIVE_DECISIONS,
      "decision:loadBalancerMode",
      "decision:dsrDispatch",
    ],
  },
  {
    knob: "dsrDispatch",
    value: "geneve",
    with: { loadBalancerMode: "dsr", ...NATIVE, tunnelProtocol: "geneve" },
    cilium: ["starts", `${KPR_INIT}:148-153 is satisfied`],
    plan: [...NATIVE_DECISIONS, "decision:loadBalancerMode", "decision:dsrDispatch"],
  },
  // XDP
  {
    knob: "loadBalancerAcceleration",
    value: "native",
    cilium: [
      "starts",
      "pkg/datapath/loader/base.go:245-253 attaches it natively; virtio_net is on the native XDP list (Documentation/reference-guides/bpf/progtypes.rst:405)",
    ],
    plan: ["xdp-wireguard-unencrypted"],
  },
  {
    knob: "loadBalancerAcceleration",
    value: "best-effort",
    cilium: ["falls back", "pkg/datapath/loader/base.go:245-251"],
    plan: ["xdp-best-effort-skips-devices", "xdp-wireguard-unencrypted"],
  },
  {
    knob: "loadBalancerAcceleration",
    value: "native",
    with: NO_KPR,
    cilium: ["falls back", "pkg/datapath/linux/config/config.go:300, 370-372"],
    plan: ["xdp-needs-kpr", "xdp-wireguard-unencrypted"],
  },
  // CiliumEndpointSlice and the egress gateway
  {
    knob: "ciliumEndpointSlice",
    value: true,
    cilium: ["starts", "no agent check without the egress gateway"],
    plan: ["decision:ciliumEndpointSlice"],
  },
  {
    knob: "ciliumEndpointSlice",
    value: true,
    with: { egressGateway: true, bpfMasquerade: true },
    cilium: ["refuses", "pkg/egressgateway/manager.go:193-195"],
    plan: ["egress-gateway-excludes-endpoint-slice", "decision:ciliumEndpointSlice"],
  },
  {
    knob: "egressGateway",
    value: true,
    cilium: ["refuses", "pkg/egressgateway/manager.go:198-201"],
    plan: ["egress-gateway-needs-bpf-masquerade"],
  },
  {
    knob: "egressGateway",
    value: true,
    with: { bpfMasquerade: true },
    cilium: ["starts", "pkg/egressgateway/manager.go:185-205 is satisfied"],
    plan: [],
  },
  {
    knob: "egressGateway",
    value: true,
    with: { bpfMasquerade: true, ...NO_KPR },
    cilium: ["starts", "pkg/egressgateway/manager.go:185-205 has no KPR check; the docs require it"],
    plan: ["egress-gateway-needs-kpr"],
  },
  // Hubble
  {
    knob: "hubble",
    value: false,
    cilium: ["chart fails", "templates/validate.yaml:71"],
    plan: ["relay-needs-hubble", "decision:hubble"],
  },
  {
    knob: "hubble",
    value: false,
    with: { hubbleRelay: false, hubbleUI: false },
    cilium: ["starts", "templates/validate.yaml:59-73 is satisfied"],
    plan: ["decision:hubble"],
  },
  {
    knob: "hubbleRelay",
    value: false,
    cilium: ["chart fails", "templates/validate.yaml:61"],
    plan: ["ui-needs-relay"],
  },
  {
    knob: "hubbleRelay",
    value: false,
    with: { hubbleUI: false },
    cilium: ["starts", "templates/validate.yaml:59-63 is satisfied"],
    plan: [],
  },
  ...[1, 10].map((n): VerdictRow => ({
    knob: "hubbleRelayReplicas",
    value: n,
    cilium: ["starts", "only the relay Deployment's replicas"],
    plan: [],
  })),
  { knob: "hubbleUI", value: false, cilium: ["starts", "the UI Deployment is not rendered"], plan: [] },
  ...(["none", "low", "maximum"] as const).map((level): VerdictRow => ({
    knob: "monitorAggregation",
    value: level,
    cilium: ["starts", "daemon/cmd/daemon_main.go:1035-1039 parses every level"],
    plan: ["decision:monitorAggregation"],
  })),
  // BIG TCP
  {
    knob: "bigTCPIPv4",
    value: true,
    cilium: ["refuses", "pkg/datapath/linux/bigtcp/bigtcp.go:266-269"],
    plan: [
      "bigTCPIPv4-excludes-tunnel",
      "bigTCPIPv4-host-routing-fallback",
      "bigTCPIPv4-with-wireguard",
      "big-tcp-no-gain-on-virtio",
    ],
  },
  {
    knob: "bigTCPIPv4",
    value: true,
    with: NATIVE,
    cilium: ["falls back", `${KPR_INIT}:46-59`],
    plan: [
      "bigTCPIPv4-host-routing-fallback",
      "bigTCPIPv4-with-wireguard",
      "big-tcp-no-gain-on-virtio",
      ...NATIVE_DECISIONS,
    ],
  },
  {
    knob: "bigTCPIPv4",
    value: true,
    with: { ...NATIVE, bpfMasquerade: true, bpfHostRouting: "legacy" },
    cilium: ["refuses", "pkg/datapath/linux/bigtcp/bigtcp.go:278-280"],
    plan: [
      "bigTCPIPv4-refused-on-legacy-routing",
      "bigTCPIPv4-with-wireguard",
      "big-tcp-no-gain-on-virtio",
      ...NATIVE_DECISIONS,
    ],
  },
  {
    knob: "bigTCPIPv4",
    value: true,
    with: { ...NATIVE, bpfMasquerade: true },
    cilium: ["starts", "pkg/datapath/linux/bigtcp/bigtcp.go:259-283 is satisfied"],
    plan: ["bigTCPIPv4-with-wireguard", "big-tcp-no-gain-on-virtio", ...NATIVE_DECISIONS],
  },
  ...(["geneve", "ipip"] as const).map((dispatch): VerdictRow => ({
    knob: "bigTCPIPv4",
    value: true,
    // The issue's case: in snat mode, where the dispatch does nothing else.
    with: { ...NATIVE, bpfMasquerade: true, dsrDispatch: dispatch },
    cilium: ["refuses", `pkg/datapath/linux/bigtcp/bigtcp.go:${dispatch === "ipip" ? "263-265" : "270-272"}`],
    plan: [
      "dsr-dispatch-unused-with-snat",
      `bigTCPIPv4-excludes-${dispatch}-dispatch`,
      "bigTCPIPv4-with-wireguard",
      "big-tcp-no-gain-on-virtio",
      ...NATIVE_DECISIONS,
      "decision:dsrDispatch",
    ],
  })),
  {
    knob: "bigTCPIPv6",
    value: true,
    cilium: ["refuses", "pkg/datapath/linux/bigtcp/bigtcp.go:266-269"],
    plan: [
      "bigTCPIPv6-excludes-tunnel",
      "bigTCPIPv6-host-routing-fallback",
      "bigTCPIPv6-with-wireguard",
      "big-tcp-ipv6-needs-ipv6",
    ],
  },
  {
    knob: "bigTCPIPv6",
    value: true,
    with: { ...NATIVE, bpfMasquerade: true },
    cilium: [
      "starts",
      "pkg/datapath/linux/bigtcp/bigtcp.go:259-283 is satisfied; IPv4-only pods is our rule",
    ],
    plan: ["bigTCPIPv6-with-wireguard", "big-tcp-ipv6-needs-ipv6", ...NATIVE_DECISIONS],
  },
  // encryption
  {
    knob: "wireguard",
    value: false,
    cilium: ["falls back", "bpf/bpf_host.c:1576-1582"],
    plan: ["strict-egress-needs-wireguard"],
  },
  {
    knob: "wireguard",
    value: false,
    with: { strictEgress: false },
    cilium: ["starts", "no encryption, no strict mode"],
    plan: [],
  },
  { knob: "strictEgress", value: false, cilium: ["starts", "strict mode off"], plan: [] },
  ...["10.244.0.0/16", "10.0.0.0/8"].map((cidr): VerdictRow => ({
    knob: "strictEgressCidr",
    value: cidr,
    cilium: ["starts", "pkg/option/config.go:2613-2631 parses an IPv4 CIDR"],
    plan: [],
  })),
  {
    knob: "strictEgressCidr",
    value: "10.244.0.0/17",
    cilium: ["starts", "pkg/option/config.go:2613-2631 parses it; covering the pods is our rule"],
    plan: ["strict-egress-cidr-covers-pods"],
  },
  {
    knob: "strictEgressCidr",
    value: "10.244.0.0/40",
    cilium: ["refuses", "pkg/option/config.go:2618-2627"],
    plan: ["strict-egress-cidr-unparseable"],
  },
  // SPIRE, Gateway API
  {
    knob: "mutualAuth",
    value: true,
    cilium: ["starts", "deprecated in 1.20, still supported (the chart's values.yaml:4363-4364)"],
    plan: ["mutual-auth-deprecated"],
  },
  { knob: "mutualAuth", value: false, cilium: ["starts", "SPIRE is not installed"], plan: [] },
  { knob: "gatewayAPI", value: false, cilium: ["starts", "no Gateway API"], plan: [] },
  // maps, clock, resources
  {
    knob: "bpfClockProbe",
    value: true,
    cilium: ["falls back", "daemon/cmd/daemon_main.go:1309-1334"],
    plan: ["clock-probe-falls-back"],
  },
  {
    knob: "bpfDistributedLRU",
    value: true,
    cilium: ["starts", "pkg/option/config.go:3087-3088 needs a size ratio: the chart writes 0.0025"],
    plan: [],
  },
  ...["0.0025", "1"].map((ratio): VerdictRow => ({
    knob: "bpfMapDynamicSizeRatio",
    value: ratio,
    cilium: ["starts", "pkg/option/config.go:3079-3093 accepts (0, 1]"],
    plan: [],
  })),
  {
    knob: "agentCpuRequest",
    value: "250m",
    cilium: ["starts", "a pod resource"],
    plan: ["decision:agentCpuRequest"],
  },
  {
    knob: "agentMemoryRequest",
    value: "1Gi",
    cilium: ["starts", "a pod resource"],
    plan: ["decision:agentMemoryRequest"],
  },
];

/** Every knob's baseline value: the production cluster runs it (datapath.md §1). */
const BASELINE_ROWS: readonly VerdictRow[] = KNOB_KEYS.map((knob) => ({
  knob,
  value: knobDef(knob).default,
  cilium: ["starts", "the production baseline"],
  plan: knob === "mutualAuth" ? ["mutual-auth-deprecated"] : [],
}));

const prod = specOf("prod");
/** The prod stack file, read once (the rows resolve on top of it). */
const PROD_RAW = stackRaw("prod");
const ctx = { podCidr: prod.settings.podCidr, talosVersion: prod.talosVersion, kernel: prod.kernel };
const configOf = (row: VerdictRow) => ({ [row.knob]: row.value, ...row.with });
const knobsOf = (row: VerdictRow): Knobs => ({ ...prod.knobs, ...configOf(row) }) as Knobs;
const verdicts = (row: VerdictRow): Verdict[] =>
  verdictsOf(knobsOf(row), ctx).filter(
    (v) => row.knob === "mutualAuth" || v.rule !== "mutual-auth-deprecated",
  );
const label = (row: VerdictRow) =>
  `${row.knob} = ${JSON.stringify(row.value)}${row.with ? ` with ${JSON.stringify(row.with)}` : ""}`;

/** Does what the plan reports agree with what Cilium does? */
function agrees(cilium: Cilium, found: readonly Verdict[]): boolean {
  const has = (by: string, does?: string) =>
    found.some(
      (v) => v.source.by === by && (does === undefined || ("does" in v.source && v.source.does === does)),
    );
  const cilium1 = found.filter(
    (v) => v.source.by === "agent" || v.source.by === "operator" || v.source.by === "chart",
  );
  switch (cilium) {
    case "starts":
      return cilium1.length === 0;
    case "refuses":
      return has("agent", "refuses") && !has("chart", "fails");
    case "falls back":
      return (
        (has("agent", "falls-back") || has("operator", "falls-back")) &&
        !has("agent", "refuses") &&
        !has("chart", "fails")
      );
    case "chart fails":
      return has("chart", "fails");
    case "chart drops":
      return has("chart", "drops") && !has("chart", "fails");
  }
}

describe("every knob and every allowed value against the Cilium 1.20 agent and chart", () => {
  it("covers every allowed value of every knob, and a non-default value of every other knob", () => {
    const rows = [...ROWS, ...BASELINE_ROWS];
    const missing = KNOB_KEYS.flatMap((key) => {
      const def = knobDef(key);
      const values = def.allowed ?? (def.type === "boolean" ? [true, false] : [def.default]);
      const seen = rows.filter((r) => r.knob === key).map((r) => r.value);
      const absent = values.filter((v) => !seen.includes(v)).map((v) => `${key} = ${JSON.stringify(v)}`);
      return seen.some((v) => v !== def.default) ? absent : [...absent, `${key}: no non-default value`];
    });
    expect(missing).toEqual([]);
  });

  it.each([...BASELINE_ROWS, ...ROWS].map((row) => [label(row), row] as const))("%s", (_, row) => {
    const found = verdicts(row);
    expect(found.map((v) => v.rule)).toEqual(row.plan);
    const [cilium, cite] = row.cilium;
    expect(
      agrees(cilium, found),
      `${cilium}: ${found.map((v) => `${v.rule} (${v.source.by})`).join(", ")}`,
    ).toBe(true);
    if (cilium !== "starts") expect(found.some((v) => v.source.ref.includes(cite))).toBe(true);
    // The resolution the preview runs gives the same verdict: refused exactly when a rule errs.
    const resolved = resolveStackConfig({ ...PROD_RAW, ...configOf(row) }, "prod");
    expect(resolved.ok).toBe(!found.some((v) => v.severity === "error"));
  });

  it("opens every message of every row with whose rule it is", () => {
    const all = [...ROWS, ...BASELINE_ROWS].flatMap(verdicts);
    const wrong = all.filter(({ source, problem }) => {
      const words = {
        agent: "the agent ",
        operator: "the operator ",
        chart: "the chart ",
        docs: "the docs ",
        ours: "our rule: ",
      };
      return !problem.message.includes(`: ${words[source.by]}`);
    });
    expect(wrong.map((v) => v.problem.message)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------
// The chart's say, held to the real archive

const chart = reference("charts/cilium-1.20.0.tgz");
const helm = helmOnPath();
/** The prod release with `knobs` over its own, rendered as the release declares it. */
const render = (knobs: Partial<Knobs>) => {
  const spec = { ...prod, knobs: { ...prod.knobs, ...knobs } as Knobs };
  const release = releaseArgs(spec);
  return helmTemplate(chart.path, release.values, {
    release: release.name,
    namespace: release.namespace,
    kubeVersion: spec.settings.kubernetesVersion,
  });
};

describe.skipIf(!chart.present || helm === undefined)(
  "the chart's verdicts, rendered with helm template",
  () => {
    // One render per fail: rows that reach the same template line (netkit and netkit-l2) share it.
    const failOf = (row: VerdictRow) =>
      verdicts(row).find((v) => v.source.by === "chart" && v.source.does === "fails");
    const fails = ROWS.filter((r) => r.cilium[0] === "chart fails").filter(
      (row, i, all) => all.findIndex((other) => failOf(other)?.rule === failOf(row)?.rule) === i,
    );

    it.each(fails.map((row) => [label(row), row] as const))(
      "%s: the chart's fail is the rule's",
      (_, row) => {
        const rule = failOf(row);
        const [, path, line] = /^cilium-1\.20\.0\.tgz (\S+):(\d+)$/.exec(rule?.source.ref ?? "") ?? [];
        const quoted = /: the chart fails: "([^"]+)"/.exec(rule?.problem.message ?? "")?.[1];
        const r = render(knobsOf(row));
        const error = r.ok ? "rendered" : r.error;
        // Helm names the template, the line and the column of the fail, then its message.
        expect([
          error.startsWith(`Error: execution error at (cilium/${path}:${line}:`),
          error.split("): ")[1],
        ]).toEqual([true, quoted]);
      },
    );

    it("renders what the agent refuses or the chart drops, and leaves the dropped keys out", () => {
      // One render for every case where the chart does not fail: BBR and host-namespace BBR without the
      // bandwidth manager (dropped), native routing without its CIDR (rendered; the agent refuses it),
      // distributed LRU with the ratio left to the chart (the chart writes its default), "bpf" host routing.
      const r = render({
        bandwidthManager: false,
        bandwidthManagerBBR: true,
        bandwidthManagerBBRHostNamespaceOnly: true,
        routingMode: "native",
        bpfDistributedLRU: true,
        bpfHostRouting: "bpf",
      });
      const config = r.ok
        ? (r.objects.find(
            (o: K8sObject) => o.kind === "ConfigMap" && o.metadata.name === "cilium-config",
          ) as K8sObject & { data: Record<string, string> })
        : undefined;
      const data = config?.data ?? {};
      const keys = [
        "enable-bandwidth-manager",
        "enable-bbr",
        "enable-bbr-hostns-only",
        "routing-mode",
        "ipv4-native-routing-cidr",
        "bpf-distributed-lru",
        "bpf-map-dynamic-size-ratio",
        "enable-host-legacy-routing",
      ];
      expect(Object.fromEntries(keys.map((k) => [k, data[k]]))).toEqual({
        "enable-bandwidth-manager": undefined,
        "enable-bbr": undefined,
        "enable-bbr-hostns-only": undefined,
        "routing-mode": "native",
        "ipv4-native-routing-cidr": undefined,
        "bpf-distributed-lru": "true",
        "bpf-map-dynamic-size-ratio": "0.0025",
        "enable-host-legacy-routing": "false",
      });
      // The rows that say so cite the block that drops them.
      expect(ROWS.filter((row) => row.cilium[0] === "chart drops").map((row) => row.knob)).toEqual([
        "bandwidthManagerBBR",
        "bandwidthManagerBBRHostNamespaceOnly",
      ]);
    });
  },
);

if (!chart.present || helm === undefined) {
  it.skip(`needs ${chart.present ? "helm on PATH (../shared/bin/helm offline)" : chart.path}`, () => {});
}
