/**
 * Every knob value a change can move prod's baseline to, with the prerequisites it needs to resolve
 * (the other knobs the change sits on top of; each is itself a case, so "from" is a state the plan
 * accepts). The costs test holds each case to the real chart render. Pure data; no vitest here, so
 * tools can load it too.
 */
import type { KnobKey } from "../components/knobs/catalogue";

/** One change: `knob` moves to `value` on top of the baseline plus `on`. */
export interface KnobValueCase {
  readonly knob: KnobKey;
  readonly value: unknown;
  /** Knob values the change needs already in place (the "from" side holds them too). */
  readonly on?: Readonly<Partial<Record<KnobKey, unknown>>>;
}

const MASQ = { bpfMasquerade: true } as const;
const NATIVE = { routingMode: "native", ipv4NativeRoutingCidr: "10.244.0.0/16" } as const;

/** Every allowed non-baseline value of every knob (integers and strings: representative values). */
export const KNOB_VALUE_CASES: readonly KnobValueCase[] = [
  { knob: "kubeProxyReplacement", value: false, on: { gatewayAPI: false } },
  { knob: "routingMode", value: "native", on: { ipv4NativeRoutingCidr: "10.244.0.0/16" } },
  { knob: "tunnelProtocol", value: "geneve" },
  { knob: "ipv4NativeRoutingCidr", value: "10.244.0.0/16" },
  { knob: "bandwidthManager", value: true },
  { knob: "bandwidthManagerBBR", value: true, on: { bandwidthManager: true, ...MASQ } },
  {
    knob: "bandwidthManagerBBRHostNamespaceOnly",
    value: true,
    on: { bandwidthManager: true, bandwidthManagerBBR: true, ...MASQ },
  },
  { knob: "bpfMasquerade", value: true },
  { knob: "bpfHostRouting", value: "bpf", on: MASQ },
  { knob: "bpfHostRouting", value: "legacy" },
  { knob: "datapathMode", value: "netkit", on: MASQ },
  { knob: "datapathMode", value: "netkit-l2", on: MASQ },
  { knob: "bpfTproxy", value: true },
  { knob: "loadBalancerMode", value: "dsr", on: { tunnelProtocol: "geneve", dsrDispatch: "geneve" } },
  { knob: "loadBalancerMode", value: "hybrid", on: { tunnelProtocol: "geneve", dsrDispatch: "geneve" } },
  { knob: "dsrDispatch", value: "ipip" },
  { knob: "dsrDispatch", value: "geneve", on: { tunnelProtocol: "geneve" } },
  { knob: "loadBalancerAcceleration", value: "native" },
  { knob: "loadBalancerAcceleration", value: "best-effort" },
  { knob: "ciliumEndpointSlice", value: true },
  { knob: "egressGateway", value: true, on: MASQ },
  { knob: "hubble", value: false, on: { hubbleRelay: false, hubbleUI: false } },
  { knob: "hubbleRelay", value: false, on: { hubbleUI: false } },
  { knob: "hubbleRelayReplicas", value: 1 },
  { knob: "hubbleRelayReplicas", value: 3 },
  { knob: "hubbleUI", value: false },
  { knob: "monitorAggregation", value: "none" },
  { knob: "monitorAggregation", value: "low" },
  { knob: "monitorAggregation", value: "maximum" },
  { knob: "bigTCPIPv4", value: true, on: { ...MASQ, ...NATIVE } },
  { knob: "wireguard", value: false, on: { strictEgress: false } },
  { knob: "strictEgress", value: false },
  { knob: "strictEgressCidr", value: "10.0.0.0/8" },
  { knob: "mutualAuth", value: false },
  { knob: "gatewayAPI", value: false },
  { knob: "bpfClockProbe", value: true },
  { knob: "bpfDistributedLRU", value: true },
  { knob: "bpfMapDynamicSizeRatio", value: "0.005" },
  { knob: "agentCpuRequest", value: "200m" },
  { knob: "agentMemoryRequest", value: "1Gi" },
];

/**
 * Values no stack can take: the plan refuses them whatever else is set, so there is no change to
 * render. The costs test checks that each is refused.
 */
export const REFUSED_VALUES: readonly { readonly knob: KnobKey; readonly value: unknown }[] = [
  { knob: "autoDirectNodeRoutes", value: true },
  { knob: "bigTCPIPv6", value: true },
];
