/**
 * The soak gate (datapath.md §4: "CI soak first"): every knob prod moves off the baseline (the catalogue
 * default) must hold the same value on ci now, and must have held it without a break for at least
 * `soakDays` days, counted from the successful deploy that started ci's current unbroken hold: the
 * clock measures what ran on ci, not when a commit landed on main. Pure: the history comes in as
 * data (tools/knobs-git.ts reads ci's deploy records from git).
 */
import { show } from "../core/define";
import { KNOB_KEYS, knobDef, type KnobKey, type Knobs } from "../knobs/catalogue";
import { sameValue, type KnobSnapshot, type Violation } from "./history";

const DAY_MS = 86_400_000;

/** Where ci's current unbroken hold of a value started, how long ago, and when it has soaked. */
export interface SoakStatus {
  readonly knob: KnobKey;
  /** prod's value (off the baseline). */
  readonly value: unknown;
  /** The first snapshot of ci's current unbroken hold (commit null: the working tree); null if ci does not hold it now. */
  readonly since: { readonly date: string; readonly commit: string | null } | null;
  /** Whole days held so far; null when ci does not hold it now. */
  readonly days: number | null;
  /** When the hold reaches soakDays (ISO 8601 UTC); null when ci does not hold it now. */
  readonly readyAt: string | null;
  readonly ok: boolean;
}

/** The input of the soak gate. */
export interface SoakInput {
  /** prod's knob values now (the working tree). */
  readonly prod: Knobs;
  /** ci's knob values, newest first: the working tree (dated now), then every deploy of ci. */
  readonly ciHistory: readonly KnobSnapshot[];
  readonly soakDays: number;
  /** ISO 8601. */
  readonly now: string;
}

/**
 * The oldest snapshot of the newest unbroken run holding `key` = `value` (history newest first), or
 * undefined when the newest snapshot does not hold it. A value held, dropped and taken again counts
 * from the last time it was taken. A failed deploy of another value breaks the run (part of ci may
 * have rolled); a failed deploy never starts one (the value did not run everywhere then).
 */
export function heldSince(
  history: readonly KnobSnapshot[],
  key: KnobKey,
  value: unknown,
): KnobSnapshot | undefined {
  let since: KnobSnapshot | undefined;
  for (const s of history) {
    if (!sameValue(s.knobs[key], value)) break;
    if (!s.failed) since = s;
  }
  return since;
}

/** The knobs whose value differs from the catalogue default (the production baseline). */
export function offBaseline(knobs: Knobs): KnobKey[] {
  return KNOB_KEYS.filter((k) => !sameValue(knobs[k], knobDef(k).default));
}

const plural = (n: number): string => `${n} day${n === 1 ? "" : "s"}`;
const dayOf = (iso: string): string => iso.slice(0, 10);
const minuteOf = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const where = (s: { commit: string | null }): string =>
  s.commit ? `commit ${s.commit.slice(0, 7)}` : "not yet deployed";

/** The status of one prod knob against ci's history. */
function statusOf(key: KnobKey, input: SoakInput): SoakStatus {
  const value = input.prod[key];
  const since = heldSince(input.ciHistory, key, value);
  if (!since) return { knob: key, value, since: null, days: null, readyAt: null, ok: false };
  const start = Date.parse(since.date);
  const elapsed = Date.parse(input.now) - start;
  return {
    knob: key,
    value,
    since: { date: since.date, commit: since.commit },
    days: Math.max(0, Math.floor(elapsed / DAY_MS)),
    readyAt: new Date(start + input.soakDays * DAY_MS).toISOString(),
    // "At least soakDays days": exactly soakDays × 24 h passes.
    ok: elapsed >= input.soakDays * DAY_MS,
  };
}

/** The message of a failed status: names the knob, what ci did, the rule and the fix. */
function messageOf(s: SoakStatus, input: SoakInput): string {
  const head = `prod sets ${s.knob} = ${show(s.value)}, but ci`;
  const soak = `soak it for ${plural(input.soakDays)}`;
  if (s.since && s.readyAt) {
    return `${head} has held it for ${plural(s.days ?? 0)} (since ${dayOf(s.since.date)}, ${where(s.since)}); the soak gate needs ${plural(input.soakDays)} (soakDays). Fix: wait until ${minuteOf(s.readyAt)}, or revert prod.`;
  }
  const ever = input.ciHistory.some((h) => !h.failed && sameValue(h.knobs[s.knob], s.value));
  if (!input.ciHistory.some((h) => h.commit !== null)) {
    return `${head} has no deploy on record (ci's deploy records are the git tags deployed/ci/*, which deploy.yml writes). Fix: fetch them (git fetch --tags origin); if ci was never deployed, set the value on ci first and ${soak}.`;
  }
  if (!ever) return `${head} has never held that value. Fix: set it on ci first and ${soak}.`;
  const current = input.ciHistory[0]?.knobs[s.knob];
  const now = heldSince(input.ciHistory, s.knob, current);
  const since = now ? ` since ${dayOf(now.date)}, ${where(now)}` : "";
  return `${head} no longer holds that value (ci has ${s.knob} = ${show(current)}${since}). Fix: set it on ci again and ${soak}, or revert prod.`;
}

/** Runs the soak gate over every knob prod moves off the baseline. */
export function soakGate(input: SoakInput): { status: SoakStatus[]; violations: Violation[] } {
  const status = offBaseline(input.prod).map((k) => statusOf(k, input));
  const violations = status
    .filter((s) => !s.ok)
    .map((s): Violation => ({
      rule: "soak-gate",
      stack: "prod",
      knob: s.knob,
      message: messageOf(s, input),
    }));
  return { status, violations };
}
