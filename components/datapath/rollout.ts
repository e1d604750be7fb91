/**
 * The knob rollout check (datapath.md §4, rollout discipline): one knob per change on each stack, the
 * soak gate on prod (`soak.ts`), the working tree's stack files valid, and the rollout report: for each
 * changed knob its old and new value, what the change costs, the decision of record and what to verify
 * after each node rolls; and, per stack, what the real chart renders for the change (render-report.ts),
 * or that the report fell back to the catalogue's prediction and why. Pure: everything comes from the
 * catalogue and plain data (tools/knobs-git.ts reads git, tools/knobs.ts renders the chart).
 */
import { fullKey, type Problem } from "../core/define";
import { resolveStackConfig } from "../config/resolve";
import type { SettingKey } from "../config/settings";
import { KNOB_KEYS, knobDef, type KnobKey, type Knobs } from "../knobs/catalogue";
import { COSTS, type Cost, type Decision } from "../knobs/knob";
import { stackRender, type RenderOutcome, type StackRender } from "./render-report";
import {
  STACKS,
  changedSettings,
  knobHistory,
  knobsOf,
  readStackText,
  sameValue,
  settingOf,
  type KnobSnapshot,
  type Snapshot,
  type StackFile,
  type StackName,
  type Violation,
} from "./history";
import { soakGate, type SoakStatus } from "./soak";
import { agentRollReport, windowViolations, type AgentRollReport } from "./rollout-agents";

/** Everything the check reads, as plain data. */
export interface RolloutInput {
  /** The git ref the change is compared against, as given or chosen, and its commit. */
  readonly base: string;
  readonly baseCommit: string;
  /** Each stack's base commit (with `--base deployed`, its own last successful deploy). */
  readonly baseCommits?: Readonly<Record<StackName, string>>;
  /** ISO 8601: the working tree's date, the end of every soak. */
  readonly now: string;
  /** Each stack file's text at the base and in the working tree (the new state); undefined: no file. */
  readonly files: Readonly<Record<StackName, { readonly base?: string; readonly now?: string }>>;
  /** ci's stack file at every deploy on record (git tags deployed/ci/*), newest first, failed ones marked. */
  readonly ciHistory: readonly Snapshot[];
  /** Per stack, the chart rendered for the base and the working tree (tools/knobs.ts); absent: not rendered. */
  readonly render?: Readonly<Partial<Record<StackName, RenderOutcome>>>;
  /**
   * Files of the code that decides the release inputs (tools/knobs.ts, VALUES_CODE) that differ
   * between either stack's base and the working tree: both sides are valued with the working tree's code, so what
   * that code's own edit changes is in neither render.
   */
  readonly codeChanges?: readonly string[];
  /**
   * Refuse a change that rolls the agents while the stack's roll window is closed (the deploy's check,
   * `--base deployed`); otherwise the report only says when it opens. @default false
   */
  readonly enforceWindow?: boolean;
}

/** One knob a change moves, with what the rollout costs and how to verify it. */
export interface KnobChange {
  readonly knob: KnobKey;
  readonly title: string;
  readonly from: unknown;
  readonly to: unknown;
  readonly costs: readonly { readonly cost: Cost; readonly label: string; readonly meaning: string }[];
  /** The catalogue's cost in words, specific to this knob. */
  readonly costNote: string;
  readonly decision: Decision;
  /** The resolution's warnings about this knob (field reports, decisions against it). */
  readonly warnings: readonly string[];
  /** Commands to run after each node rolls. */
  readonly verify: readonly string[];
  /** What the costs mean for this rollout. */
  readonly notes: readonly string[];
}

/** What a change does to one stack. */
export interface StackReport {
  readonly changes: readonly KnobChange[];
  /** Cluster settings the change also moves (not knobs: allowed alongside one knob). */
  readonly settings: readonly SettingKey[];
  /** What the real chart renders for the change, or why the report fell back to the catalogue. */
  readonly render: StackRender;
  /** The agent roll the change starts: its plan and the roll window (rollout-agents.ts); absent: none. */
  readonly agentRoll?: AgentRollReport;
}

/** The whole check: the rollout report, the soak status of prod's knobs, and every violation. */
export interface KnobsReport {
  readonly base: string;
  readonly baseCommit: string;
  readonly now: string;
  readonly soakDays: number;
  /** See `RolloutInput.codeChanges`. */
  readonly codeChanges: readonly string[];
  readonly stacks: Readonly<Record<StackName, StackReport>>;
  readonly soak: readonly SoakStatus[];
  readonly violations: readonly Violation[];
  readonly ok: boolean;
}

/**
 * Run after each node of `stack` rolls (datapath.md §4), plus the Talos health check the upgrade steps
 * and the deploy gate run (the stack output `talosHealthArgs`: plain `talosctl health` refuses the
 * stack's talosconfig, which lists every node).
 */
export function verifyCommands(stack: StackName): string[] {
  return [
    "cilium status --verbose",
    "hubble observe --verdict DROPPED",
    `pulumi stack output talosHealthArgs --json --stack ${stack} | jq -r '.[]' | xargs talosctl`,
  ];
}

/** What a cost asks of the person rolling it out, beyond the checks. */
const NOTES: Partial<Record<Cost, string>> = {
  "operator-rolls":
    "operator rolls: wait for `kubectl -n kube-system rollout status deployment/cilium-operator` before judging Gateways, endpoint slices or identities",
  "pods-restart":
    "pods restart: existing pods keep the old behaviour until they restart; restart them once every agent has rolled",
  "nodes-replace":
    "nodes replaced: existing pods must be recreated (drain each node after its agent rolls) or the nodes replaced; mixing old and new is unsupported",
  "conntrack-reset":
    "conntrack resets: expect connection resets while each node rolls; connection tracking and NAT state start empty",
};

/** The knobs whose resolved value differs between two states of a stack file. */
export function knobChanges(
  before: Knobs,
  after: Knobs,
): { readonly knob: KnobKey; readonly from: unknown; readonly to: unknown }[] {
  return KNOB_KEYS.filter((k) => !sameValue(before[k], after[k])).map((k) => ({
    knob: k,
    from: before[k],
    to: after[k],
  }));
}

/** The rollout report of one changed knob, from the catalogue. */
export function describeChange(
  stack: StackName,
  change: { readonly knob: KnobKey; readonly from: unknown; readonly to: unknown },
  warnings: readonly Problem[] = [],
): KnobChange {
  const def = knobDef(change.knob);
  const notes = [
    ...(stack === "prod" && def.costs.includes("agents-roll")
      ? ["prod: deploy in a low-traffic window"]
      : []),
    ...(def.costs.includes("agents-roll")
      ? []
      : ["agents do not roll: run the checks once, after the change"]),
    ...def.costs.flatMap((c) => NOTES[c] ?? []),
  ];
  return {
    ...change,
    title: def.title,
    costs: def.costs.map((cost) => ({ cost, ...COSTS[cost] })),
    costNote: def.costNote,
    decision: def.decision,
    warnings: warnings.filter((w) => w.key === fullKey(change.knob)).map((w) => w.message),
    verify: verifyCommands(stack),
    notes,
  };
}

/** One knob per change: a stack whose change moves two or more knobs fails. */
export function oneKnobPerChange(
  stack: StackName,
  changes: readonly { readonly knob: KnobKey }[],
): Violation[] {
  if (changes.length <= 1) return [];
  const knobs = changes.map((c) => c.knob).join(", ");
  return [
    {
      rule: "one-knob-per-change",
      stack,
      message: `${stack} changes ${changes.length} knobs in one change (${knobs}); one knob per change. Fix: split it into separate pull requests.`,
    },
  ];
}

/** The working tree's stack file must resolve: each problem is a "config" violation. */
export function configCheck(
  stack: StackName,
  file: StackFile,
): { violations: Violation[]; warnings: readonly Problem[] } {
  const r = resolveStackConfig(file ?? {}, stack);
  const violations = r.ok
    ? []
    : r.problems.map((p): Violation => {
        const key = KNOB_KEYS.find((k) => fullKey(k) === p.key);
        const message = `Pulumi.${stack}.yaml: ${p.message}`;
        return key ? { rule: "config", stack, knob: key, message } : { rule: "config", stack, message };
      });
  return { violations, warnings: r.warnings };
}

/**
 * The soak days that apply: prod's `soakDays`, the larger of the base's and the working tree's, so a
 * change cannot lower the gate it is itself judged by.
 */
export function soakDaysOf(prod: { readonly base: StackFile; readonly now: StackFile }): number {
  return Math.max(settingOf(prod.base, "soakDays"), settingOf(prod.now, "soakDays"));
}

/** A stack's files read: base and new state, with the new state's violations and warnings. */
interface StackFiles {
  readonly base: StackFile;
  readonly now: StackFile;
  readonly violations: readonly Violation[];
  readonly warnings: readonly Problem[];
}

/** Reads a stack's files; a new file that cannot be read is a "config" violation and counts as unchanged. */
function readStack(stack: StackName, texts: RolloutInput["files"][StackName]): StackFiles {
  const base = readStackText(texts.base).file;
  const now = readStackText(texts.now);
  if (now.error === undefined) return { base, now: now.file, ...configCheck(stack, now.file) };
  const message = `Pulumi.${stack}.yaml: ${now.error}. Fix: correct the file.`;
  return { base, now: base, violations: [{ rule: "config", stack, message }], warnings: [] };
}

/** The chart's own `fail` on the working tree's values is a "config" violation: that file cannot deploy. */
export function chartRefuses(stack: StackName, render: StackRender): Violation[] {
  if (render.rendered || render.reason !== "chart-error" || render.side !== "head") return [];
  const message = `Pulumi.${stack}.yaml: the Cilium chart refuses the Helm values this file resolves to: ${render.message}. Fix: change the stack file until \`npm run plan -- --stack ${stack}\`'s ciliumValues render.`;
  return [{ rule: "config", stack, message }];
}

/** Runs every rule and builds the rollout report. */
export function rolloutCheck(input: RolloutInput): KnobsReport {
  const violations: Violation[] = [];
  const stacks = {} as Record<StackName, StackReport>;
  const files = { ci: readStack("ci", input.files.ci), prod: readStack("prod", input.files.prod) };
  for (const stack of STACKS) {
    const { base, now, warnings } = files[stack];
    const changes = knobChanges(knobsOf(base), knobsOf(now));
    violations.push(...files[stack].violations, ...oneKnobPerChange(stack, changes));
    const settings = changedSettings(base, now);
    const predicted = changes.flatMap((c) => knobDef(c.knob).costs);
    const render = stackRender(input.render?.[stack], predicted, settings);
    violations.push(...chartRefuses(stack, render));
    const agentRoll = agentRollReport(stack, now, render, predicted, new Date(input.now));
    violations.push(
      ...windowViolations(stack, agentRoll, input.enforceWindow ?? false, input.codeChanges ?? []),
    );
    stacks[stack] = {
      changes: changes.map((c) => describeChange(stack, c, warnings)),
      settings,
      render,
      ...(agentRoll?.rolls ? { agentRoll } : {}),
    };
  }
  const soakDays = soakDaysOf(files.prod);
  const working: KnobSnapshot = { commit: null, date: input.now, knobs: knobsOf(files.ci.now) };
  const soak = soakGate({
    prod: knobsOf(files.prod.now),
    ciHistory: [working, ...knobHistory(input.ciHistory)],
    soakDays,
    now: input.now,
  });
  violations.push(...soak.violations);
  const { base, baseCommit, now } = input;
  return {
    base,
    baseCommit,
    now,
    soakDays,
    codeChanges: input.codeChanges ?? [],
    stacks,
    soak: soak.status,
    violations,
    ok: violations.length === 0,
  };
}
