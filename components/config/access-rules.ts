/**
 * Who may reach the admin ports (pure): `adminCidrs` parsed as prefixes, production's "never open to
 * the world" by set coverage (not by string), warnings for ranges no operator can come from, the
 * public API endpoint, and the deploying runner's address (`DEPLOY_RUNNER_IP`, contract 2).
 * Facts: Hetzner Cloud Firewalls filter the servers' public interfaces only and do not apply to load
 * balancers (Hetzner's Firewalls FAQ; hcloud-cloud-controller-manager#286; platform.md).
 */
import {
  fieldProblem,
  sentence,
  type FieldFinding,
  type Finding,
  type ItemCheck,
  type Problem,
} from "../core/define";
import {
  coversFamily,
  formatPrefix,
  hostPrefix,
  parseAddress,
  parsePrefix,
  prefixContains,
  type Family,
  type Prefix,
} from "../core/ip";
import type { Settings } from "./spec";

/** The environment variable that carries the deploying runner's egress address (contract 2). */
export const RUNNER_IP_ENV = "DEPLOY_RUNNER_IP";

/** The environment the program reads besides its config. */
export type RunnerEnv = Readonly<Record<string, string | undefined>>;

/** `adminCidrs` items: each a prefix, or why not (with the network the text probably meant). */
export const adminCidrCheck: ItemCheck = (s) => {
  const parsed = parsePrefix(s);
  if (parsed.ok) return undefined;
  return {
    why: `not an IPv4 or IPv6 prefix: ${parsed.why}`,
    allowed: "a prefix such as 203.0.113.0/24 or 2001:db8::/48 (a single address as /32 or /128)",
    fix: parsed.network ? `write ${parsed.network}` : "correct the address and its /length",
  };
};

const prefixesOf = (cidrs: readonly string[]): Prefix[] =>
  cidrs.flatMap((c) => {
    const p = parsePrefix(c);
    return p.ok ? [p.prefix] : [];
  });

/** A range no operator or runner reaches the public interfaces from, with why. */
interface SpecialRange {
  readonly prefix: string;
  readonly what: string;
  readonly why: string;
}

const NOBODY = "no operator or runner has such an address, so this entry lets nobody in";
const NOT_PUBLIC =
  "Cloud Firewalls filter the servers' public interfaces, where such a source never arrives from the Internet";

/** Documentation and non-public ranges, each with the RFC that reserves it. */
const SPECIAL_RANGES: readonly SpecialRange[] = [
  { prefix: "192.0.2.0/24", what: "a documentation range (RFC 5737 TEST-NET-1)", why: NOBODY },
  { prefix: "198.51.100.0/24", what: "a documentation range (RFC 5737 TEST-NET-2)", why: NOBODY },
  { prefix: "203.0.113.0/24", what: "a documentation range (RFC 5737 TEST-NET-3)", why: NOBODY },
  { prefix: "2001:db8::/32", what: "a documentation range (RFC 3849)", why: NOBODY },
  { prefix: "3fff::/20", what: "a documentation range (RFC 9637)", why: NOBODY },
  { prefix: "10.0.0.0/8", what: "a private range (RFC 1918)", why: NOT_PUBLIC },
  { prefix: "172.16.0.0/12", what: "a private range (RFC 1918)", why: NOT_PUBLIC },
  { prefix: "192.168.0.0/16", what: "a private range (RFC 1918)", why: NOT_PUBLIC },
  { prefix: "100.64.0.0/10", what: "shared address space (RFC 6598, carrier-grade NAT)", why: NOT_PUBLIC },
  { prefix: "fc00::/7", what: "a unique local range (RFC 4193)", why: NOT_PUBLIC },
  { prefix: "127.0.0.0/8", what: "loopback (RFC 1122)", why: NOT_PUBLIC },
  { prefix: "::1/128", what: "loopback (RFC 4291)", why: NOT_PUBLIC },
  { prefix: "169.254.0.0/16", what: "link-local (RFC 3927)", why: NOT_PUBLIC },
  { prefix: "fe80::/10", what: "link-local (RFC 4291)", why: NOT_PUBLIC },
];

const SPECIAL = SPECIAL_RANGES.map((r) => {
  const p = parsePrefix(r.prefix);
  if (!p.ok) throw new Error(`SPECIAL_RANGES: ${r.prefix} is not a prefix`);
  return { ...r, parsed: p.prefix };
});

/** A warning for every entry inside a documentation or non-public range. */
export function adminCidrWarnings(adminCidrs: readonly string[]): Problem[] {
  return adminCidrs.flatMap((cidr, i) => {
    const p = parsePrefix(cidr);
    const range = p.ok ? SPECIAL.find((r) => prefixContains(r.parsed, p.prefix)) : undefined;
    if (!range) return [];
    const f: FieldFinding = {
      path: `[${i}]`,
      value: cidr,
      why: `${range.what}: ${range.why}`,
      allowed: "the public egress ranges of your operators and runners",
      fix: "replace it with the ranges that deploy this stack",
    };
    return [fieldProblem("adminCidrs", f)];
  });
}

/** A finding against a config key, as the cluster rules return them. */
export interface KeyFinding {
  readonly key: string;
  readonly value: unknown;
  readonly finding: Finding;
}

const FAMILIES: readonly { family: Family; space: string }[] = [
  { family: 4, space: "IPv4" },
  { family: 6, space: "IPv6" },
];

/**
 * The admin-access rules: some CIDR is needed (the firewall denies all inbound), production never lets
 * a set of entries that together cover a whole address space through (`::0/0`, `0::0/0`, or
 * `0.0.0.0/1` with `128.0.0.0/1` are the world too), and the nodes need a public interface.
 */
export function accessFindings(s: Settings): KeyFinding[] {
  const out: KeyFinding[] = [];
  if (s.adminCidrs.length === 0)
    out.push({
      key: "adminCidrs",
      value: s.adminCidrs,
      finding: {
        why: "nothing could reach the Kubernetes API or the Talos API (the firewall denies all inbound)",
        allowed: "one or more CIDRs of your operators and CI runners",
        fix: 'list the CIDRs that deploy this stack, e.g. ["203.0.113.0/24"]',
      },
    });
  const prefixes = prefixesOf(s.adminCidrs);
  for (const { family, space } of FAMILIES) {
    if (!s.production || !coversFamily(prefixes, family)) continue;
    out.push({
      key: "adminCidrs",
      value: s.adminCidrs.filter((c) => parseAddress(c.slice(0, c.indexOf("/")))?.family === family),
      finding: {
        why: `together these cover the whole ${space} space, and this stack is production (production: true): admin ports 6443 and 50000 must never be open to the whole Internet`,
        allowed: "specific ranges of your operators and runners",
        fix: 'replace them with your operators\' ranges, and deploy through runnerAccess: "runner-ip"',
      },
    });
  }
  if (!s.publicIPv4 && !s.publicIPv6)
    out.push({
      key: "publicIPv4",
      value: false,
      finding: {
        why: "with neither public IPv4 nor IPv6 the nodes have no egress and the Talos API is unreachable from the runner; this program manages no NAT host",
        allowed: "publicIPv4 or publicIPv6 true",
        fix: "set publicIPv4: true",
      },
    });
  return out;
}

/** Warnings about access: ranges nobody comes from, and a public API endpoint on production. */
export function accessWarnings(s: Settings, env: RunnerEnv): Problem[] {
  const out = adminCidrWarnings(s.adminCidrs);
  if (s.production && s.publicApiEndpoint)
    out.push(
      fieldProblem("publicApiEndpoint", {
        path: "",
        value: true,
        why: "the control-plane load balancer has a public interface, and Hetzner Cloud Firewalls do not apply to load balancers: the Kubernetes API (6443) is reachable from the whole Internet, whatever adminCidrs says",
        allowed: "true only when you accept that exposure",
        fix: "set publicApiEndpoint: false; the runner and operators then reach the API on the first control plane's public address",
      }),
    );
  if (s.runnerAccess === "admin-cidrs" && env[RUNNER_IP_ENV])
    out.push(
      fieldProblem("runnerAccess", {
        path: "",
        value: s.runnerAccess,
        why: `${RUNNER_IP_ENV} is set, but the firewall opens only to adminCidrs on this stack, so the address is ignored`,
        allowed: '"runner-ip" to open the firewall to the runner for the run',
        fix: `set runnerAccess: "runner-ip", or unset ${RUNNER_IP_ENV}`,
      }),
    );
  return out;
}

/** The runner's host prefix for the firewall, or the problem with `DEPLOY_RUNNER_IP`. */
export type RunnerCidr =
  { readonly ok: true; readonly cidr?: string } | { readonly ok: false; readonly problem: Problem };

/**
 * With `runnerAccess: "runner-ip"`, the deploying runner's egress address from `DEPLOY_RUNNER_IP`
 * (a bare IPv4 or IPv6 address) as a /32 or /128; nothing when the variable is unset (the firewall then
 * holds adminCidrs only: the workflow's closing step). With "admin-cidrs", never anything.
 */
export function runnerCidr(s: Pick<Settings, "runnerAccess">, env: RunnerEnv): RunnerCidr {
  const raw = env[RUNNER_IP_ENV];
  if (s.runnerAccess !== "runner-ip" || raw === undefined || raw === "") return { ok: true };
  const address = parseAddress(raw.trim());
  if (address) return { ok: true, cidr: formatPrefix(hostPrefix(address)) };
  return {
    ok: false,
    problem: {
      key: RUNNER_IP_ENV,
      message: sentence(`${RUNNER_IP_ENV} = ${JSON.stringify(raw)}`, {
        why: 'not a bare IPv4 or IPv6 address (runnerAccess: "runner-ip" adds it to the firewall as a /32 or /128)',
        allowed: "an address such as 198.51.100.7 or 2001:db8::7, without a /length",
        fix: `export the deploying runner's egress address, or unset ${RUNNER_IP_ENV} to close the firewall to adminCidrs`,
      }),
    },
  };
}
