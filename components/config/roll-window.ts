/**
 * The roll window (pure): when production may roll its Cilium agents, e.g. `Mon-Thu 02:00-05:00
 * Europe/Berlin` (the setting `rollWindow`; empty: any time). Parsed strictly, so a typo can never
 * open production at an hour nobody chose; evaluated here for the knobs check (`--now`) and, with the
 * same numbers, by each roll step's script on the runner (`scripts.ts`), so neither can be bypassed.
 *
 * Time zones are tz database names, as the ICU data of Node.js knows them (`Intl.DateTimeFormat`), spelled
 * as the tz database spells them (`UTC`, not `utc`; `Asia/Kolkata`, which ICU calls `Asia/Calcutta`):
 * the scripts read the same name from the runner's tz database (`$TZDIR`, else /usr/share/zoneinfo),
 * where the spelling is a file name (`zoneOf`; test/roll-window-table.test.ts holds both evaluations
 * to one table).
 */
import { fail, ok, type Parsed } from "../core/define";

/** ISO 8601 weekday numbers (1 = Monday … 7 = Sunday), as `date +%u` prints them. */
export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

/** A parsed roll window: on these weekdays, from `start` to `end` (minutes after local midnight). */
export interface RollWindow {
  /** The text as configured. */
  readonly text: string;
  /** ISO weekday numbers, ascending, no duplicates. */
  readonly days: readonly number[];
  /** Minutes after midnight, local time; `start < end`, `end` at most 1440 (24:00). */
  readonly start: number;
  readonly end: number;
  /** The IANA time zone, canonical spelling. */
  readonly zone: string;
}

/** What the setting accepts, in words (the problem message's "Allowed:"). */
export const WINDOW_EXPECTED =
  'empty (any time), or "<days> <HH:MM>-<HH:MM> <IANA time zone>" such as "Mon-Thu 02:00-05:00 Europe/Berlin": days a list of Mon…Sun or ranges (Mon-Thu,Sat), the start before the end on the same day (00:00 to 24:00)';

const TIME = /^([01]\d|2[0-4]):([0-5]\d)$/;

function minutesOf(text: string): number | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 1440 ? minutes : undefined;
}

function dayOf(name: string): number | undefined {
  const i = (WEEKDAYS as readonly string[]).indexOf(name);
  return i < 0 ? undefined : i + 1;
}

/** The weekdays of `Mon-Thu,Sat`, or why not. */
function parseDays(text: string): { days: number[] } | { error: string } {
  const days = new Set<number>();
  for (const part of text.split(",")) {
    const [from, to, ...rest] = part.split("-");
    const a = dayOf(from ?? "");
    const b = to === undefined ? a : dayOf(to);
    if (rest.length > 0 || a === undefined || b === undefined)
      return { error: `"${part}" is not a weekday (${WEEKDAYS.join(", ")}) or a range of them` };
    if (b < a)
      return {
        error: `the range "${part}" runs backwards: write it as ${WEEKDAYS[b - 1]}-Sun,Mon-${WEEKDAYS[a - 1]} or reorder it`,
      };
    for (let d = a; d <= b; d++) days.add(d);
  }
  return { days: [...days].sort((x, y) => x - y) };
}

/** The name ICU resolves a zone to (its canonical ID), or undefined when Node's ICU data does not know it. */
function icuZone(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * The zone as written, or why not. ICU knows every tz database name, links included, but resolves a
 * link to its own canonical ID, which for some zones is the legacy name: `Asia/Kolkata` → `Asia/Calcutta`,
 * `Europe/Kyiv` → `Europe/Kiev`, `America/Nuuk` → `America/Godthab` (Node 20 and 22 alike). The tz
 * database's own names are accepted as written: they are the files the runner's `date` reads. What is
 * refused is a name only ICU would read: another case of ICU's ID (`utc`, `europe/berlin`), or a name
 * with a path segment that does not start with a capital letter (every one of the 597 zone files of
 * tzdata 2025b does), since the runner's tz database is files and their names are case-sensitive.
 */
function zoneOf(text: string): { zone: string } | { error: string } {
  const icu = icuZone(text);
  if (icu === undefined) return { error: `"${text}" is not an IANA time zone` };
  if (icu !== text && icu.toLowerCase() === text.toLowerCase())
    return { error: `the time zone "${text}" is spelled "${icu}"` };
  if (!text.split("/").every((segment) => /^[A-Z]/.test(segment)))
    return {
      error: `the time zone "${text}" is not spelled as the tz database spells it (each part capitalised)`,
    };
  return { zone: text };
}

/**
 * Parses the setting: `""` is no window (undefined), anything else must be exactly
 * `<days> <HH:MM>-<HH:MM> <zone>`. Refuses, with the reason: an unknown weekday, a backwards range,
 * a time that is not HH:MM between 00:00 and 24:00, a start not before the end (a window across
 * midnight is two days' windows: not supported, say it as two adjacent days' hours instead), an
 * unknown time zone, or one not spelled as the tz database spells it (`zoneOf`).
 */
export function parseRollWindow(raw: unknown): Parsed<RollWindow | undefined> {
  if (typeof raw !== "string") return fail(WINDOW_EXPECTED);
  if (raw === "") return ok(undefined);
  const parts = raw.split(" ");
  if (parts.length !== 3)
    return fail(WINDOW_EXPECTED, `"${raw}" is not three fields separated by single spaces`);
  const [dayText, hours, zoneText] = parts as [string, string, string];
  const days = parseDays(dayText);
  if ("error" in days) return fail(WINDOW_EXPECTED, days.error);
  const [startText, endText, ...more] = hours.split("-");
  const start = minutesOf(startText ?? "");
  const end = minutesOf(endText ?? "");
  if (more.length > 0 || start === undefined || end === undefined)
    return fail(WINDOW_EXPECTED, `"${hours}" is not <HH:MM>-<HH:MM> with times from 00:00 to 24:00`);
  if (start >= end)
    return fail(
      WINDOW_EXPECTED,
      `the window ${hours} does not start before it ends (windows across midnight are not supported)`,
    );
  const zone = zoneOf(zoneText);
  if ("error" in zone) return fail(WINDOW_EXPECTED, zone.error);
  return ok({ text: raw, days: days.days, start, end, zone: zone.zone });
}

/** The local weekday (1–7) and minute of the day of an instant in a zone. */
export function localTime(at: Date, zone: string): { day: number; minute: number } {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    weekday: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  const day = dayOf(get("weekday")) ?? 1;
  return { day, minute: Number(get("hour")) * 60 + Number(get("minute")) };
}

/** Whether the window is open at an instant (start inclusive, end exclusive). */
export function windowOpen(window: RollWindow, at: Date): boolean {
  const { day, minute } = localTime(at, window.zone);
  return window.days.includes(day) && minute >= window.start && minute < window.end;
}

/** The offset of a zone from UTC at an instant, in milliseconds (local = UTC + offset). */
function offsetAt(at: number, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(at));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const local = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return local - Math.floor(at / 1000) * 1000;
}

/**
 * When the window next opens at or after `at` (an instant), or `at` itself while it is open. Looks a
 * week and a day ahead, day by day, at the window's local start; the local start is turned into an
 * instant with the zone's offset at that moment (twice, so a day on which the clocks change lands on
 * the right side). A start that falls into a spring-forward gap opens when the clock reaches it.
 */
export function nextOpening(window: RollWindow, at: Date): Date {
  if (windowOpen(window, at)) return at;
  const from = at.getTime();
  for (let d = 0; d <= 8; d++) {
    const probe = new Date(from + d * 86_400_000);
    const { day } = localTime(probe, window.zone);
    if (!window.days.includes(day)) continue;
    const parts = new Intl.DateTimeFormat("en-CA", {
      timeZone: window.zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    }).format(probe);
    const [y, m, dd] = parts.split("-").map(Number) as [number, number, number];
    const wall = Date.UTC(y, m - 1, dd, Math.floor(window.start / 60), window.start % 60);
    let instant = wall - offsetAt(wall, window.zone);
    instant = wall - offsetAt(instant, window.zone);
    if (instant > from) return new Date(instant);
  }
  throw new Error(`nextOpening: no opening of "${window.text}" within 8 days of ${at.toISOString()}`);
}

/** The window's state at an instant: open, or closed with the next opening (ISO 8601, UTC). */
export type WindowStatus =
  | { readonly window: string; readonly open: true }
  | { readonly window: string; readonly open: false; readonly opensAt: string };

/** The window's state at `at`; no window is always open. */
export function windowStatus(window: RollWindow | undefined, at: Date): WindowStatus {
  if (!window) return { window: "", open: true };
  if (windowOpen(window, at)) return { window: window.text, open: true };
  return { window: window.text, open: false, opensAt: nextOpening(window, at).toISOString() };
}

/** A local time of day as HH:MM. */
export function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}
