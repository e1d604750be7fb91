/**
 * Config resolution: raw stack config in, a typed ClusterSpec or EVERY problem out. Pure: no Pulumi,
 * no I/O. Order: unknown keys, then each value's type, then the rules over the typed values (a key
 * that failed to parse takes its default there, so one typo does not hide the other problems).
 */
import { fullKey, show, type Problem, type SettingDef } from "./define";
import { SETTINGS, SETTING_KEYS } from "./settings";
import type { ClusterSpec, Settings } from "./spec";
import { checkSettings, HETZNER_LIMITS, type Limits } from "./cluster-rules";
import { KNOB_KEYS, knobDef, type Knobs } from "../datapath/catalogue";
import { checkKnobs } from "../datapath/check";
import { kernelOf, parseTalosVersion } from "../datapath/kernel";

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

function unknownKeys(raw: RawConfig): Problem[] {
  return Object.keys(raw)
    .filter((k) => !ALL_KEYS.includes(k))
    .map((k) => {
      const near = [...ALL_KEYS].sort((a, b) => distance(k, a) - distance(k, b))[0] as string;
      const hint =
        distance(k, near) <= 3 ? `did you mean ${near}?` : "see the README's settings and knob tables.";
      return {
        key: fullKey(k),
        message: `${fullKey(k)} = ${show(raw[k])}: unknown config key, the program would ignore it. Allowed: the keys declared in Pulumi.yaml. Fix: ${hint}`,
      };
    });
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
      const what = parsed.detail ?? `not ${parsed.expected}`;
      problems.push({
        key: fullKey(key),
        message: `${fullKey(key)} = ${show(value)}: ${what}. Allowed: ${parsed.expected}. Fix: correct it, or remove the key for the default ${show(d.default)}.`,
      });
    }
  }
  return out;
}

/** Resolves a stack's raw config into a ClusterSpec, or returns every problem at once. */
export function resolveStackConfig(
  raw: RawConfig,
  stack: string,
  limits: Limits = HETZNER_LIMITS,
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
  const warnings: Problem[] = [];
  if (talosVersion && kernel) {
    const found = checkKnobs(knobs, { podCidr: settings.podCidr, talosVersion, kernel });
    problems.push(...found.errors.filter((p) => !unparsed.has(p.key)));
    warnings.push(...found.warnings);
  }
  if (problems.length > 0 || !talosVersion || !kernel) return { ok: false, problems, warnings };
  return { ok: true, spec: { stack, settings, knobs, talosVersion, kernel }, warnings };
}
