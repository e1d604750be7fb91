/**
 * Config resolution: raw stack config in, a typed ClusterSpec or EVERY problem out. Pure: no Pulumi,
 * no I/O. Order: unknown keys, then each value's type, then the rules over the typed values (a key
 * that failed to parse takes its default there, so one typo does not hide the other problems).
 */
import { describe, fieldProblem, show, type Parsed, type Problem, type SettingDef } from "../core/define";
import { SETTINGS, SETTING_KEYS } from "./settings";
import type { ClusterSpec, Settings } from "./spec";
import { checkSettings, HETZNER_LIMITS, type Limits } from "./cluster-rules";
import { accessWarnings, runnerCidr, type RunnerEnv } from "./access-rules";
import { KNOB_KEYS, knobDef, type Knobs } from "../knobs/catalogue";
import { checkKnobs } from "../knobs/check";
import { kernelOf, parseTalosVersion } from "../core/kernel";

/** Raw config of the project namespace, keyed without the namespace (`bandwidthManager`). */
export type RawConfig = Readonly<Record<string, unknown>>;

/** A resolution: the spec and its warnings, or every problem. */
export type Resolution =
  | { readonly ok: true; readonly spec: ClusterSpec; readonly warnings: readonly Problem[] }
  | { readonly ok: false; readonly problems: readonly Problem[]; readonly warnings: readonly Problem[] };

const ALL_KEYS: readonly string[] = [...SETTING_KEYS, ...KNOB_KEYS];

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(
        cur + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1),
      );
      prev = cur;
    }
  }
  return row[b.length] as number;
}

/** Keys this program no longer reads, with what replaced them and why. */
const REMOVED_KEYS: Readonly<Record<string, { why: string; allowed: string; fix: string }>> = {
  loadBalancerPublic: {
    why: "removed: a public load balancer forwarded 6443 and 50000 from the whole Internet, whatever adminCidrs said (Hetzner Cloud Firewalls do not apply to load balancers), and a node in Talos maintenance mode accepts an unauthenticated config on 50000",
    allowed: "publicApiEndpoint (default false; the load balancer has no 50000 service any more)",
    fix: "remove loadBalancerPublic; set publicApiEndpoint: true only to accept that 6443 is reachable from the world",
  },
};

const removedKey = (k: string, value: unknown): Problem =>
  describe(k, value, REMOVED_KEYS[k] as (typeof REMOVED_KEYS)[string]);

function unknownKeys(raw: RawConfig): Problem[] {
  return Object.keys(raw)
    .filter((k) => !ALL_KEYS.includes(k))
    .map((k) => {
      if (k in REMOVED_KEYS) return removedKey(k, raw[k]);
      const near = [...ALL_KEYS].sort((a, b) => distance(k, a) - distance(k, b))[0] as string;
      const hint =
        distance(k, near) <= 3 ? `did you mean ${near}?` : "see the README's settings and knob tables";
      return describe(k, raw[k], {
        why: "unknown config key, the program would ignore it",
        allowed: "the keys declared in Pulumi.yaml",
        fix: hint,
      });
    });
}

/** The problems of a value that failed to parse: one per bad part when it names them, else one. */
function parseProblems(
  key: string,
  value: unknown,
  fallback: unknown,
  parsed: Extract<Parsed<unknown>, { ok: false }>,
): Problem[] {
  if (parsed.fields && parsed.fields.length > 0) return parsed.fields.map((f) => fieldProblem(key, f));
  return [
    describe(key, value, {
      why: parsed.detail ?? `not ${parsed.expected}`,
      allowed: parsed.expected,
      fix: `correct it, or remove the key for the default ${show(fallback)}`,
    }),
  ];
}

/** Parses every key of a table; bad values are reported and take the default. */
function parseAll<K extends string>(
  keys: readonly K[],
  def: (k: K) => SettingDef<unknown>,
  raw: RawConfig,
  problems: Problem[],
): Record<K, unknown> {
  const out = {} as Record<K, unknown>;
  for (const key of keys) {
    const d = def(key);
    const value = raw[key];
    const parsed = value === undefined ? { ok: true as const, value: d.default } : d.parse(value);
    if (parsed.ok) out[key] = parsed.value;
    else {
      out[key] = d.default;
      problems.push(...parseProblems(key, value, d.default, parsed));
    }
  }
  return out;
}

/**
 * Resolves a stack's raw config into a ClusterSpec, or returns every problem at once. `env` is the
 * environment the program runs in, for the runner's address (`DEPLOY_RUNNER_IP`); none by default.
 */
export function resolveStackConfig(
  raw: RawConfig,
  stack: string,
  limits: Limits = HETZNER_LIMITS,
  env: RunnerEnv = {},
): Resolution {
  const problems: Problem[] = unknownKeys(raw);
  const settings = parseAll(
    SETTING_KEYS,
    (k) => SETTINGS[k] as SettingDef<unknown>,
    raw,
    problems,
  ) as Settings;
  const knobs = parseAll(KNOB_KEYS, knobDef, raw, problems) as Knobs;
  // A key that failed to parse runs the rules with its default: drop what the rules then say about it.
  const unparsed = new Set(problems.map((p) => p.key));
  problems.push(...checkSettings(settings, limits).filter((p) => !unparsed.has(p.key)));
  const talosVersion = parseTalosVersion(settings.talosVersion);
  const kernel = talosVersion && kernelOf(talosVersion);
  const warnings: Problem[] = accessWarnings(settings, env);
  const runner = runnerCidr(settings, env);
  if (!runner.ok) problems.push(runner.problem);
  if (talosVersion && kernel) {
    const found = checkKnobs(knobs, { podCidr: settings.podCidr, talosVersion, kernel });
    problems.push(...found.errors.filter((p) => !unparsed.has(p.key)));
    warnings.push(...found.warnings);
  }
  if (problems.length > 0 || !talosVersion || !kernel || !runner.ok) return { ok: false, problems, warnings };
  const spec: ClusterSpec = { stack, settings, knobs, talosVersion, kernel };
  return { ok: true, spec: runner.cidr ? { ...spec, runnerCidr: runner.cidr } : spec, warnings };
}
