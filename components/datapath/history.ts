/**
 * The plain data the rollout checks (`soak.ts`, `rollout.ts`) work on: stack files as raw config, their
 * states over time, and the knob values and settings they resolve to. Pure: reading files and git
 * history is tools/knobs-git.ts's job, so every rule is testable without git.
 */
import type { SettingDef } from "../core/define";
import { isSecure, parseStackFile, projectKeys, SECRET_PLACEHOLDER } from "../config/stack-file";
import type { RawConfig } from "../config/resolve";
import { SETTINGS, SETTING_KEYS, type SettingKey } from "../config/settings";
import type { Settings } from "../config/spec";
import { KNOB_KEYS, knobDef, type KnobKey, type Knobs } from "../knobs/catalogue";

/** The stacks the rollout checks know: ci soaks a knob, prod takes it afterwards. */
export const STACKS = ["ci", "prod"] as const;

/** A stack the rollout checks know. */
export type StackName = (typeof STACKS)[number];

/** A stack file's project config without the namespace, or undefined where the file does not exist. */
export type StackFile = RawConfig | undefined;

/**
 * A stack file's text at one point in time: what a deploy ran (newest first in a history), or the
 * working tree.
 */
export interface Snapshot {
  /** The full hash of the commit deployed; null for the working tree. */
  readonly commit: string | null;
  /** ISO 8601: when the deploy ended (its record's date), or "now" for the working tree. */
  readonly date: string;
  /** The file's text; undefined where the file does not exist. */
  readonly text: string | undefined;
  /** A deploy that failed: it may have rolled part of the cluster, so it counts as a break. */
  readonly failed?: boolean;
}

/** A snapshot resolved to knob values. */
export interface KnobSnapshot {
  readonly commit: string | null;
  readonly date: string;
  readonly knobs: Knobs;
  /** See {@link Snapshot.failed}. */
  readonly failed?: boolean;
}

/** The rules of the rollout checks. */
export type RuleName = "soak-gate" | "one-knob-per-change" | "config" | "quorum" | "roll-window";

/** A failed rule: which, where, and a message naming the knob, the rule and the fix. */
export interface Violation {
  readonly rule: RuleName;
  readonly stack: StackName;
  readonly knob?: KnobKey;
  readonly message: string;
}

/** What a `secure:` value becomes: never printed, and no knob or setting accepts it. */
/** The project's keys of a stack file's config, `secure:` values replaced by the placeholder. */
export function stackFileOf(config: Readonly<Record<string, unknown>>): RawConfig {
  return Object.fromEntries(
    Object.entries(projectKeys(config)).map(([k, v]) => [k, isSecure(v) ? SECRET_PLACEHOLDER : v]),
  );
}

/** A stack file's text (undefined: no file) as raw config, or what is wrong with it. */
export function readStackText(text: string | undefined): { file: StackFile; error?: string } {
  if (text === undefined) return { file: undefined };
  const parsed = parseStackFile(text);
  return "error" in parsed ? { file: undefined, error: parsed.error } : { file: stackFileOf(parsed.config) };
}

function valueOf(def: SettingDef<unknown>, raw: unknown): unknown {
  if (raw === undefined) return def.default;
  const parsed = def.parse(raw);
  return parsed.ok ? parsed.value : def.default;
}

/**
 * The knob values a stack file sets, each key on its own (a missing file is all defaults). The rules
 * across knobs are the "config" rule's business (working tree only): history is what the file said.
 */
export function knobsOf(file: StackFile): Knobs {
  return Object.fromEntries(KNOB_KEYS.map((k) => [k, valueOf(knobDef(k), file?.[k])])) as unknown as Knobs;
}

/** One cluster setting of a stack file, with the same leniency as `knobsOf`. */
export function settingOf<K extends SettingKey>(file: StackFile, key: K): Settings[K] {
  return valueOf(SETTINGS[key] as SettingDef<unknown>, file?.[key]) as Settings[K];
}

/** Two config values are the same (values are JSON data). */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The cluster settings whose resolved value differs between two states of a stack file. */
export function changedSettings(before: StackFile, after: StackFile): SettingKey[] {
  return SETTING_KEYS.filter((k) => !sameValue(settingOf(before, k), settingOf(after, k)));
}

/** Resolves every snapshot's knob values (a file that cannot be read counts as all defaults). */
export function knobHistory(history: readonly Snapshot[]): KnobSnapshot[] {
  return history.map((s) => ({
    commit: s.commit,
    date: s.date,
    knobs: knobsOf(readStackText(s.text).file),
    ...(s.failed ? { failed: true } : {}),
  }));
}
