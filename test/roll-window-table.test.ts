/**
 * The roll window is evaluated twice: in TypeScript for the knobs check (`components/config/roll-window.ts`,
 * with Node's ICU time zones) and in each agent-roll step's shell script on the runner (`WINDOW_CHECK`
 * in `components/agent-roll/scripts.ts`, with `date` and the runner's tz database). One table of
 * windows and instants, both implementations: they must agree on open or closed, on the local time
 * they report and on when the window opens next. The shell runs the real `date` of this machine at the
 * table's instant (`date -d @<epoch>`, GNU coreutils) with its real tz database, so the two time-zone
 * conversions are compared, not a stand-in's answer. The instants include both 2026 clock changes in
 * Europe/Berlin and in America/New_York, a zone with a half-hour offset and one whose summer time
 * moves the clock by 30 minutes.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WINDOW_CHECK, windowEnvironment } from "../components/agent-roll/scripts";
import {
  hhmm,
  localTime,
  nextOpening,
  parseRollWindow,
  windowOpen,
  WEEKDAYS,
  type RollWindow,
} from "../components/config/roll-window";
import { underCi } from "./helpers";

const ZONES = "/usr/share/zoneinfo";

/** [window, instant (UTC), what the case is about]. */
const TABLE: readonly (readonly [string, string, string])[] = [
  ["Mon-Thu 02:00-05:00 Europe/Berlin", "2026-12-01T01:30:00Z", "inside (Tue 02:30 CET)"],
  ["Mon-Thu 02:00-05:00 Europe/Berlin", "2026-12-01T01:00:00Z", "the start is inclusive"],
  ["Mon-Thu 02:00-05:00 Europe/Berlin", "2026-12-01T04:00:00Z", "the end is exclusive"],
  ["Mon-Thu 02:00-05:00 Europe/Berlin", "2026-12-01T00:59:00Z", "before the start: opens the same day"],
  ["Mon-Thu 02:00-05:00 Europe/Berlin", "2026-12-03T05:00:00Z", "after Thursday's window: opens Monday"],
  ["Mon-Thu 02:00-05:00 Europe/Berlin", "2026-12-04T13:02:00Z", "Friday afternoon"],
  ["Mon-Thu 02:00-05:00 Europe/Berlin", "2026-06-30T00:30:00Z", "summer time (Tue 02:30 CEST)"],
  ["Mon-Thu 02:00-05:00 Europe/Berlin", "2026-06-30T03:30:00Z", "summer time, after the window"],
  [
    "Mon-Thu 02:00-05:00 Europe/Berlin",
    "2026-11-30T23:30:00Z",
    "UTC Monday, Berlin Tuesday 00:30: opens at 02:00",
  ],
  ["Sun 04:00-06:00 Europe/Berlin", "2026-03-29T00:30:00Z", "spring forward: 01:30 CET, before"],
  ["Sun 04:00-06:00 Europe/Berlin", "2026-03-29T02:30:00Z", "spring forward: 04:30 CEST, inside"],
  ["Sun 04:00-06:00 Europe/Berlin", "2026-03-28T12:00:00Z", "the day before spring forward"],
  ["Sun 02:00-03:00 Europe/Berlin", "2026-10-25T00:30:00Z", "fall back: the first 02:30 (CEST)"],
  ["Sun 02:00-03:00 Europe/Berlin", "2026-10-25T01:30:00Z", "fall back: the second 02:30 (CET)"],
  ["Sun 02:00-03:00 Europe/Berlin", "2026-10-25T02:00:00Z", "fall back: 03:00 CET, closed"],
  ["Sat,Sun 00:00-24:00 UTC", "2026-12-05T23:59:00Z", "a whole day, its last minute"],
  ["Sat,Sun 00:00-24:00 UTC", "2026-12-07T00:00:00Z", "Monday 00:00: closed until Saturday"],
  ["Mon-Fri 09:00-17:00 America/New_York", "2026-03-08T14:30:00Z", "Sunday of spring forward"],
  ["Mon-Fri 09:00-17:00 America/New_York", "2026-03-09T13:30:00Z", "Monday 09:30 EDT"],
  ["Mon-Fri 09:00-17:00 America/New_York", "2026-11-02T13:30:00Z", "Monday 08:30 EST: before"],
  ["Tue 10:00-10:30 Asia/Kolkata", "2026-12-01T04:45:00Z", "a +05:30 zone: 10:15, inside"],
  ["Tue 10:00-10:30 Asia/Kolkata", "2026-12-01T05:00:00Z", "a +05:30 zone: 10:30, closed"],
  ["Wed 01:00-02:00 Australia/Lord_Howe", "2026-12-01T14:45:00Z", "a 30-minute summer time"],
  ["Wed 01:00-02:00 Australia/Lord_Howe", "2026-12-01T13:45:00Z", "a 30-minute summer time, before"],
];

/** What both sides answer for one case: "open", or the step's refusal text. */
function expected(window: RollWindow, at: Date): string {
  if (windowOpen(window, at)) return "open";
  const now = localTime(at, window.zone);
  const next = localTime(nextOpening(window, at), window.zone);
  const show = (t: { day: number; minute: number }) =>
    `${WEEKDAYS[t.day - 1]} ${hhmm(t.minute)} ${window.zone}`;
  return `outside the roll window ${window.text} (it is ${show(now)}), so node-1 keeps its old agent; the window opens ${show(next)}: run pulumi up then`;
}

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** One shell run for the whole table: each case in a subshell, with the step's window variables. */
function shellAnswers(windows: readonly RollWindow[], instants: readonly Date[]): string[] {
  const bin = mkdtempSync(join(tmpdir(), "roll-window-"));
  dirs.push(bin);
  // The real date, at the case's instant (GNU date -d @epoch), in whatever TZ the script sets.
  writeFileSync(join(bin, "date"), '#!/bin/sh\nexec /bin/date -d "@$FAKE_NOW" "$@"\n');
  chmodSync(join(bin, "date"), 0o755);
  const cases = windows.map((w, i) => {
    const env = {
      ...windowEnvironment(w),
      FAKE_NOW: String(Math.floor((instants[i] as Date).getTime() / 1000)),
    };
    const exports = Object.entries(env).map(([k, v]) => `${k}=${quote(v)}; export ${k}`);
    return `( ${exports.join("; ")}; window_check && echo open ); echo "---"`;
  });
  const script = [
    'fail() { shift; printf "%s\\n" "$*"; exit 1; }',
    "NODE_NAME=node-1",
    WINDOW_CHECK,
    ...cases,
  ].join("\n");
  const r = spawnSync("/bin/sh", ["-c", script], {
    encoding: "utf8",
    env: { PATH: `${bin}:/usr/bin:/bin`, TZDIR: ZONES },
  });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout
    .split("---\n")
    .slice(0, -1)
    .map((s) => s.trim());
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("the roll window: the knobs check and the step's script agree", () => {
  const windows = TABLE.map(([text]) => {
    const parsed = parseRollWindow(text);
    if (!parsed.ok || !parsed.value) throw new Error(`the table's window ${text} does not parse`);
    return parsed.value;
  });
  const instants = TABLE.map(([, at]) => new Date(at));
  const haveZones = TABLE.every(([text]) => existsSync(join(ZONES, text.split(" ")[2] as string)));

  it.runIf(haveZones || underCi())("on every case of the table", () => {
    const shell = shellAnswers(windows, instants);
    const rows = TABLE.map(([text, at, about], i) => ({
      case: `${text} at ${at} (${about})`,
      typescript: expected(windows[i] as RollWindow, instants[i] as Date),
      shell: shell[i],
    }));
    for (const row of rows) expect(row.shell, row.case).toBe(row.typescript);
    // The table covers both answers, and each is what the case says it is about.
    expect(rows.filter((r) => r.typescript === "open").map((r) => r.case)).toEqual([
      "Mon-Thu 02:00-05:00 Europe/Berlin at 2026-12-01T01:30:00Z (inside (Tue 02:30 CET))",
      "Mon-Thu 02:00-05:00 Europe/Berlin at 2026-12-01T01:00:00Z (the start is inclusive)",
      "Mon-Thu 02:00-05:00 Europe/Berlin at 2026-06-30T00:30:00Z (summer time (Tue 02:30 CEST))",
      "Sun 04:00-06:00 Europe/Berlin at 2026-03-29T02:30:00Z (spring forward: 04:30 CEST, inside)",
      "Sun 02:00-03:00 Europe/Berlin at 2026-10-25T00:30:00Z (fall back: the first 02:30 (CEST))",
      "Sun 02:00-03:00 Europe/Berlin at 2026-10-25T01:30:00Z (fall back: the second 02:30 (CET))",
      "Sat,Sun 00:00-24:00 UTC at 2026-12-05T23:59:00Z (a whole day, its last minute)",
      "Mon-Fri 09:00-17:00 America/New_York at 2026-03-09T13:30:00Z (Monday 09:30 EDT)",
      "Tue 10:00-10:30 Asia/Kolkata at 2026-12-01T04:45:00Z (a +05:30 zone: 10:15, inside)",
      "Wed 01:00-02:00 Australia/Lord_Howe at 2026-12-01T14:45:00Z (a 30-minute summer time)",
    ]);
  });
});

describe("the roll window's time zone: the tz database's names, as the runner's files spell them", () => {
  const zoneOf = (text: string) => {
    const parsed = parseRollWindow(`Mon 02:00-05:00 ${text}`);
    return parsed.ok ? parsed.value?.zone : parsed.detail;
  };

  it("accepts the tz database's names that ICU resolves to a legacy ID, as written", () => {
    // ICU's canonical IDs here are Asia/Calcutta, Europe/Kiev, America/Godthab and Asia/Saigon.
    for (const zone of ["Asia/Kolkata", "Europe/Kyiv", "America/Nuuk", "Asia/Ho_Chi_Minh", "Asia/Calcutta"])
      expect(zoneOf(zone), zone).toBe(zone);
  });

  it("refuses another case of a name, and a name with a part not capitalised", () => {
    expect(zoneOf("utc")).toContain('the time zone "utc" is spelled "UTC"');
    expect(zoneOf("europe/berlin")).toContain('the time zone "europe/berlin" is spelled "Europe/Berlin"');
    expect(zoneOf("asia/kolkata")).toContain(
      'the time zone "asia/kolkata" is not spelled as the tz database spells it (each part capitalised)',
    );
    expect(zoneOf("Mars/Olympus")).toContain('"Mars/Olympus" is not an IANA time zone');
  });
});
