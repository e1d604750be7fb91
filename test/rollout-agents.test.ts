/**
 * The roll window and the agent roll in the rollout report: the setting parsed strictly (each refusal
 * with its message), when a window is open and when it next opens (across a DST change), the
 * report's roll plan, and the deploy's refusal outside the window, through the real CLI on a
 * repository with deploy records, rendered from the real chart, with `--now` as the what-if.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  nextOpening,
  parseRollWindow,
  windowOpen,
  windowStatus,
  type RollWindow,
} from "../components/agent-roll";
import { stackFileText } from "../components/config/stack-file";
import type { KnobsReport } from "../components/datapath/rollout";
import { agentRollLines } from "../components/datapath/rollout-agents";
import { enforcesWindow, main } from "../tools/knobs";
import { tempRepos } from "./git-repos";
import { helmOnPath, problemsOf, reference, resolveWith } from "./helpers";

const berlin = (): RollWindow => {
  const p = parseRollWindow("Mon-Thu 02:00-05:00 Europe/Berlin");
  if (!p.ok || !p.value) throw new Error("unparsed");
  return p.value;
};

describe("the rollWindow setting", () => {
  it("parses days, hours and zone", () => {
    expect(parseRollWindow("Mon-Thu 02:00-05:00 Europe/Berlin")).toEqual({
      ok: true,
      value: {
        text: "Mon-Thu 02:00-05:00 Europe/Berlin",
        days: [1, 2, 3, 4],
        start: 120,
        end: 300,
        zone: "Europe/Berlin",
      },
    });
    expect(parseRollWindow("Sat,Mon-Tue,Sun 22:30-24:00 UTC")).toMatchObject({
      ok: true,
      value: { days: [1, 2, 6, 7], start: 1350, end: 1440, zone: "UTC" },
    });
    expect(parseRollWindow("")).toEqual({ ok: true, value: undefined });
  });

  const ALLOWED =
    'empty (any time), or "<days> <HH:MM>-<HH:MM> <IANA time zone>" such as "Mon-Thu 02:00-05:00 Europe/Berlin": days a list of Mon…Sun or ranges (Mon-Thu,Sat), the start before the end on the same day (00:00 to 24:00)';

  it.each([
    ["Mon-Thu 02:00-05:00", '"Mon-Thu 02:00-05:00" is not three fields separated by single spaces'],
    ["Mon-Thu  02:00-05:00 UTC", '"Mon-Thu  02:00-05:00 UTC" is not three fields separated by single spaces'],
    [
      "Mo-Th 02:00-05:00 UTC",
      '"Mo-Th" is not a weekday (Mon, Tue, Wed, Thu, Fri, Sat, Sun) or a range of them',
    ],
    [
      "Fri-Mon 02:00-05:00 UTC",
      'the range "Fri-Mon" runs backwards: write it as Mon-Sun,Mon-Fri or reorder it',
    ],
    ["Mon 2:00-05:00 UTC", '"2:00-05:00" is not <HH:MM>-<HH:MM> with times from 00:00 to 24:00'],
    ["Mon 02:00-24:30 UTC", '"02:00-24:30" is not <HH:MM>-<HH:MM> with times from 00:00 to 24:00'],
    [
      "Mon 22:00-02:00 UTC",
      "the window 22:00-02:00 does not start before it ends (windows across midnight are not supported)",
    ],
    [
      "Mon 02:00-02:00 UTC",
      "the window 02:00-02:00 does not start before it ends (windows across midnight are not supported)",
    ],
    ["Mon 02:00-05:00 Europe/Berlinn", '"Europe/Berlinn" is not an IANA time zone'],
    ["Mon 02:00-05:00 utc", 'the time zone "utc" is spelled "UTC"'],
  ])("refuses %j: %s", (raw, detail) => {
    expect(parseRollWindow(raw)).toEqual({ ok: false, expected: ALLOWED, detail });
  });

  it("is refused at resolution with the key, the value, what is allowed and the fix", () => {
    expect(problemsOf(resolveWith({ rollWindow: "Mon-Thu 22:00-02:00 Europe/Berlin" }))).toEqual([
      `hcloud-talos-cilium:rollWindow = "Mon-Thu 22:00-02:00 Europe/Berlin": the window 22:00-02:00 does not start before it ends (windows across midnight are not supported). Allowed: ${ALLOWED}. Fix: correct it, or remove the key for the default "".`,
    ]);
    expect(problemsOf(resolveWith({ rollWindow: "Mon-Thu 02:00-05:00 Europe/Berlin" }))).toEqual([]);
  });

  it("is open from its start (inclusive) to its end (exclusive), in its zone's local time", () => {
    const w = berlin();
    // 2026-12-01 is a Tuesday; Berlin is UTC+1 in winter.
    expect(windowOpen(w, new Date("2026-12-01T00:59:59Z"))).toBe(false);
    expect(windowOpen(w, new Date("2026-12-01T01:00:00Z"))).toBe(true);
    expect(windowOpen(w, new Date("2026-12-01T03:59:59Z"))).toBe(true);
    expect(windowOpen(w, new Date("2026-12-01T04:00:00Z"))).toBe(false);
    expect(windowOpen(w, new Date("2026-12-04T01:30:00Z"))).toBe(false); // a Friday
  });

  it("says when it next opens: the same day, the next window day, over a weekend, across a DST change", () => {
    const w = berlin();
    const next = (iso: string) => nextOpening(w, new Date(iso)).toISOString();
    expect(next("2026-12-01T00:30:00Z")).toBe("2026-12-01T01:00:00.000Z");
    expect(next("2026-12-01T04:00:00Z")).toBe("2026-12-02T01:00:00.000Z");
    expect(next("2026-12-04T13:02:00Z")).toBe("2026-12-07T01:00:00.000Z"); // Friday → Monday
    // Berlin moves to UTC+2 on Sunday 2027-03-28: Monday's 02:00 is 00:00 UTC.
    expect(next("2027-03-26T12:00:00Z")).toBe("2027-03-29T00:00:00.000Z");
    expect(windowStatus(w, new Date("2026-12-04T13:02:00Z"))).toEqual({
      window: "Mon-Thu 02:00-05:00 Europe/Berlin",
      open: false,
      opensAt: "2026-12-07T01:00:00.000Z",
    });
    expect(windowStatus(undefined, new Date("2026-12-04T13:02:00Z"))).toEqual({ window: "", open: true });
  });
});

describe("the agent roll in the report (pure)", () => {
  const roll = {
    rolls: true,
    source: "render" as const,
    updateStrategy: "OnDelete",
    order: ["prod-cp-1", "prod-workers-1", "prod-workers-2", "prod-workers-3"],
    batches: [["prod-cp-1"], ["prod-workers-1", "prod-workers-2"], ["prod-workers-3"]],
    stepTimeoutSeconds: 1565,
    rollTimeoutSeconds: 3 * 1565,
    expectedSeconds: { min: 3 * 55, max: 3 * 130 },
    window: {
      window: "Mon-Thu 02:00-05:00 Europe/Berlin",
      open: false as const,
      opensAt: "2026-12-07T01:00:00.000Z",
    },
  };

  it("prints the nodes in order, the batches, the expected duration as a range, the deadline and the window", () => {
    expect(agentRollLines(roll)).toEqual([
      "agent roll (per the render; update strategy OnDelete: the deploy replaces each agent and checks it): 4 nodes in 3 batches: prod-cp-1 → [prod-workers-1, prod-workers-2] → prod-workers-3",
      "expected 3 min to 7 min (per batch: the agent restart and checks, 25 to 100 s, plus the drop window); at most 78 min (each step's deadline 1565 s)",
      "roll window Mon-Thu 02:00-05:00 Europe/Berlin: closed now, opens at 2026-12-07T01:00:00.000Z (the deploy refuses until then)",
    ]);
    expect(agentRollLines({ ...roll, window: { window: "", open: true } }).at(-1)).toBe(
      "roll window: none (any time)",
    );
    expect(agentRollLines(undefined)).toEqual([]);
  });

  it("enforces the window in the deploy's check only (--base deployed)", () => {
    expect([enforcesWindow("deployed"), enforcesWindow("HEAD"), enforcesWindow(undefined)]).toEqual([
      true,
      false,
      false,
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------

const chart = reference("charts/cilium-1.20.0.tgz");
const CHARTS = join(chart.path, "..");
const helm = helmOnPath();
const { repo } = tempRepos("agent-roll-knobs");

const WINDOW = "Mon-Thu 02:00-05:00 Europe/Berlin";
const ciFile = (set: Record<string, unknown> = {}) => stackFileText({ adminCidrs: ["0.0.0.0/0"], ...set });
const prodFile = (set: Record<string, unknown> = {}) =>
  stackFileText({ production: true, adminCidrs: ["203.0.113.0/24"], rollWindow: WINDOW, ...set });

/**
 * A repository where ci has run bandwidthManager since 2026-11-02 (deployed), prod runs the baseline
 * (deployed), and the working tree gives prod the soaked knob: a change that rolls prod's agents.
 */
function soakedRepo(prod: Record<string, unknown> = { bandwidthManager: true }): string {
  const r = repo();
  const date = "2026-11-02T12:00:00Z";
  const sha = r.commit(
    { "Pulumi.ci.yaml": ciFile({ bandwidthManager: true }), "Pulumi.prod.yaml": prodFile() },
    date,
  );
  for (const stack of ["ci", "prod"]) r.deploy(stack, sha, date);
  r.write({ "Pulumi.prod.yaml": prodFile(prod) });
  return r.dir;
}

async function check(
  dir: string,
  ...args: string[]
): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const status = await main(["check", "--charts", CHARTS, ...args], dir, {
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
  });
  return { status, stdout, stderr };
}

describe.skipIf(!chart.present || helm === undefined)(
  "the deploy's check and the roll window (CLI, rendered)",
  () => {
    // Friday 2026-12-04 14:02 in Berlin; Tuesday 2026-12-08 02:30 in Berlin.
    const FRIDAY = "2026-12-04T13:02:00Z";
    const TUESDAY = "2026-12-08T01:30:00Z";
    let dir = "";
    let closed: Awaited<ReturnType<typeof check>>;
    beforeAll(async () => {
      dir = soakedRepo();
      closed = await check(dir, "--base", "deployed", "--now", FRIDAY, "--json");
    }, 60_000);

    it("refuses outside the window, saying when it opens", () => {
      const report = JSON.parse(closed.stdout) as KnobsReport;
      const message =
        "prod's change rolls every Cilium agent, and its roll window Mon-Thu 02:00-05:00 Europe/Berlin is closed now: the deploy starts no roll outside it. It opens at 2026-12-07T01:00:00.000Z. Fix: run the deploy again then (npm run knobs -- check --base deployed --now 2026-12-07T01:00:00.000Z shows it passing), or change rollWindow in Pulumi.prod.yaml in a reviewed change.";
      expect([closed.status, report.violations]).toEqual([
        1,
        [{ rule: "roll-window", stack: "prod", message }],
      ]);
      expect(closed.stderr).toBe(`✗ ${message}\n`);
    });

    it("shows the update strategy and the roll's plan in the JSON", () => {
      const report = JSON.parse(closed.stdout) as KnobsReport;
      expect(report.stacks.prod.agentRoll).toEqual({
        rolls: true,
        source: "render",
        updateStrategy: "OnDelete",
        order: ["prod-cp-1", "prod-cp-2", "prod-cp-3", "prod-workers-1", "prod-workers-2", "prod-workers-3"],
        batches: [
          ["prod-cp-1"],
          ["prod-cp-2"],
          ["prod-cp-3"],
          ["prod-workers-1"],
          ["prod-workers-2"],
          ["prod-workers-3"],
        ],
        stepTimeoutSeconds: 1565,
        rollTimeoutSeconds: 6 * 1565,
        expectedSeconds: { min: 330, max: 780 },
        window: { window: WINDOW, open: false, opensAt: "2026-12-07T01:00:00.000Z" },
      });
      // ci's file did not change: nothing rolls there, so no roll is planned.
      expect(report.stacks.ci.agentRoll).toBeUndefined();
    });

    it("passes with --now inside the window (the what-if), and prints the plan in text and Markdown", async () => {
      const open = await check(dir, "--base", "deployed", "--now", TUESDAY);
      expect([open.status, open.stderr]).toEqual([0, ""]);
      expect(open.stdout).toContain(
        "  agent roll (per the render; update strategy OnDelete: the deploy replaces each agent and checks it): 6 nodes in 6 batches: prod-cp-1 → prod-cp-2 → prod-cp-3 → prod-workers-1 → prod-workers-2 → prod-workers-3\n" +
          "  expected 6 min to 13 min (per batch: the agent restart and checks, 25 to 100 s, plus the drop window); at most 2 h 37 min (each step's deadline 1565 s)\n" +
          "  roll window Mon-Thu 02:00-05:00 Europe/Berlin: open now\n",
      );
      const md = (await check(dir, "--base", "deployed", "--now", TUESDAY, "--markdown")).stdout;
      expect(md).toContain("- roll window Mon-Thu 02:00-05:00 Europe/Berlin: open now\n");
    });

    it("only reports the window outside the deploy's check (a pull request may be reviewed at any hour)", async () => {
      const pr = await check(dir, "--base", "HEAD", "--now", FRIDAY);
      expect(pr.stdout).toContain(
        "  roll window Mon-Thu 02:00-05:00 Europe/Berlin: closed now, opens at 2026-12-07T01:00:00.000Z (the deploy refuses until then)",
      );
      expect(pr.stdout).not.toContain("roll-window");
    });

    it("holds an edit of the values code to the window, against each stack's own deploy", async () => {
      // ci deploys a newer commit than prod; the values code changed between prod's deploy and ci's.
      const r = repo();
      const files = { "Pulumi.ci.yaml": ciFile(), "Pulumi.prod.yaml": prodFile() };
      const old = r.commit({ ...files, "components/agent-roll/plan.ts": "// one\n" }, "2026-11-02T12:00:00Z");
      r.deploy("prod", old, "2026-11-02T13:00:00Z");
      const newer = r.commit({ "components/agent-roll/plan.ts": "// two\n" }, "2026-11-03T12:00:00Z");
      r.deploy("ci", newer, "2026-11-03T13:00:00Z");
      const closedCode = await check(r.dir, "--base", "deployed", "--now", FRIDAY, "--json");
      const report = JSON.parse(closedCode.stdout) as KnobsReport;
      expect(report.violations).toEqual([
        {
          rule: "roll-window",
          stack: "prod",
          message:
            "this change edits the values code (components/agent-roll/plan.ts), which may roll every Cilium agent of prod, and its roll window Mon-Thu 02:00-05:00 Europe/Berlin is closed now: the deploy starts no roll outside it. It opens at 2026-12-07T01:00:00.000Z. Fix: run the deploy again then (npm run knobs -- check --base deployed --now 2026-12-07T01:00:00.000Z shows it passing), or change rollWindow in Pulumi.prod.yaml in a reviewed change.",
        },
      ]);
      expect((await check(r.dir, "--base", "deployed", "--now", TUESDAY)).status).toBe(0);
    });

    it("lets a change that rolls no agent through outside the window", async () => {
      const relay = soakedRepo({ hubbleRelayReplicas: 3 });
      const r = await check(relay, "--base", "deployed", "--now", FRIDAY, "--json");
      const report = JSON.parse(r.stdout) as KnobsReport;
      expect(report.violations.filter((v) => v.rule === "roll-window")).toEqual([]);
      expect(report.stacks.prod.agentRoll).toBeUndefined();
    });
  },
);
