/**
 * What a datapath rule is, and the facts several rules share: how the agent resolves host routing,
 * whether it uses DSR, how it parses a CIDR and which CIDRs hold the pod CIDR. The rules themselves are in the `rules-*.ts` files, assembled by `rules.ts`.
 */
import { knobDef, type KnobKey, type Knobs } from "./catalogue";
import { contains, parseCidr4, parseIpv4 } from "../core/cidr";
import type { KernelVersion, TalosVersion } from "../core/kernel";
import type { Finding } from "../core/define";
import type { RuleSource } from "./source";

/** The Helm values path a knob sets (its first binding in the catalogue), for messages that name it. */
export const helmPath = (key: KnobKey): string => knobDef(key).helm[0]?.path ?? key;

/** What a rule may look at besides the knobs. */
export interface RuleContext {
  readonly podCidr: string;
  readonly talosVersion: TalosVersion;
  readonly kernel: KernelVersion;
}

/**
 * One rule of the catalogue. A failed rule says, in parts (`Finding`), why, what is allowed and the
 * fix; `why` opens with the words of the rule's source (`opening()` in `source.ts`): a test holds
 * every rule to it.
 */
export interface Rule {
  readonly id: string;
  /** The knob the problem is reported against. */
  readonly knob: KnobKey;
  readonly severity: "error" | "warning";
  /** The rule in a few words, for the README ("requires BPF host routing"). */
  readonly summary: string;
  /** Whose rule it is and where it is written. */
  readonly source: RuleSource;
  readonly check: (k: Knobs, ctx: RuleContext) => Finding | undefined;
}

/** How the agent resolves host routing, and, for a fallback, the agent's own log line. */
export interface HostRouting {
  readonly mode: "bpf" | "legacy";
  readonly because: string;
  /** Set when the agent falls back on its own (kube_proxy_replacement.go:49-58). */
  readonly fallback?: string;
}

/**
 * Host routing as the agent resolves it. `bpfHostRouting: "legacy"` sets
 * enable-host-legacy-routing; otherwise the kube-proxy-replacement start-up falls back to legacy
 * routing, logging at info, when iptables masquerading is on (BPF masquerade off) or kube-proxy
 * replacement is off, in that order (cilium/cilium@aeb2d1b pkg/kpr/initializer/kube_proxy_replacement.go:46-59).
 * `"bpf"` writes enable-host-legacy-routing: "false", the agent's default, so it cannot prevent that.
 */
export function hostRouting(k: Knobs): HostRouting {
  if (k.bpfHostRouting === "legacy") return { mode: "legacy", because: 'bpfHostRouting is "legacy"' };
  if (!k.bpfMasquerade)
    return {
      mode: "legacy",
      because: "bpfMasquerade is false",
      fallback: "BPF host routing requires enable-bpf-masquerade.",
    };
  if (!k.kubeProxyReplacement)
    return {
      mode: "legacy",
      because: "kubeProxyReplacement is false",
      fallback: "BPF host routing requires kube-proxy-replacement.",
    };
  return { mode: "bpf", because: "kube-proxy replacement and BPF masquerade are on" };
}

/** Whether the agent falls back to legacy host routing on its own (not because it was told to). */
export function fallsBackToLegacy(k: Knobs): boolean {
  return hostRouting(k).fallback !== undefined;
}

/** The fix for a knob that needs BPF host routing: the adoption order's step 2. */
export const ADOPT_HOST_ROUTING =
  'first adopt bpfMasquerade: true (with kubeProxyReplacement: true and bpfHostRouting not "legacy"), soak it, then change this knob';

/** DSR or hybrid: the agent's LoadBalancerUsesDSR (pkg/loadbalancer/config.go:279-283). */
export const usesDsr = (k: Knobs): boolean => k.loadBalancerMode !== "snat";

/**
 * Whether the agent can parse an IPv4 CIDR (Go's net.ParseCIDR / netip.ParsePrefix: four octets of
 * 0–255 and a prefix of 0–32; unlike our own checks, host bits are allowed).
 */
export function agentParsesCidr4(cidr: string): boolean {
  const [ip, p, ...rest] = cidr.split("/");
  return (
    ip !== undefined && parseIpv4(ip) !== undefined && p !== undefined && rest.length === 0 && Number(p) <= 32
  );
}

/**
 * Our rule for a CIDR knob that must hold every pod address: whether a set CIDR the agent parses fails it, i.e. is not an IPv4 network (no host bits) equal to or
 * containing the pod CIDR. Unset or unparseable is not this rule's finding: the knob's parse rule has it.
 */
function missesPods(cidr: string | undefined, podCidr: string): boolean {
  if (!cidr || !agentParsesCidr4(cidr)) return false;
  const outer = parseCidr4(cidr);
  const pods = parseCidr4(podCidr);
  return !(outer !== undefined && pods !== undefined && contains(outer, pods));
}

/**
 * The rule that a CIDR knob holds every pod address (`missesPods`), with the knob's own reason:
 * one body for ipv4NativeRoutingCidr and strictEgressCidr.
 */
export function coversPodsRule(
  id: string,
  knob: "ipv4NativeRoutingCidr" | "strictEgressCidr",
  source: RuleSource,
  finding: (podCidr: string) => Finding,
): Rule {
  return {
    id,
    knob,
    severity: "error",
    summary: "must cover the pod CIDR",
    source,
    check: (k, ctx) => (missesPods(k[knob], ctx.podCidr) ? finding(ctx.podCidr) : undefined),
  };
}
