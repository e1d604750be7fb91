/**
 * The knob rollout report for people: plain text (the terminal) and Markdown (the PR comment and the
 * deploy job's summary). Pure; the JSON form is the `KnobsReport` itself.
 */
import { show } from "../config/define";
import { COSTS, type Cost } from "./knob";
import { STACKS } from "./history";
import type { KnobChange, KnobsReport, StackReport } from "./rollout";
import type { SoakStatus } from "./soak";

/** The Markdown report's heading (pr.yml writes the same heading when the check printed nothing). */
export const HEADING = "### Knob rollout check";

const short = (sha: string): string => sha.slice(0, 7);
const minute = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const cell = (s: string): string => s.replace(/\|/g, "\\|");
const code = (v: unknown): string => `\`${cell(show(v))}\``;
const count = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

function verdictOf(c: KnobChange): string {
  const { verdict, step, reason } = c.decision;
  return `${verdict}${step ? ` (step ${step})` : ""}: ${reason}`;
}

function costsOf(c: KnobChange): string {
  const labels = c.costs.map((x) => x.label).join(", ");
  return labels ? `${labels}: ${c.costNote}` : c.costNote;
}

/** The commands (quoted) and notes to tick off after each node rolls, once each across a stack's changes. */
function checklist(report: StackReport, quote: (command: string) => string): string[] {
  return [...new Set(report.changes.flatMap((c) => [...c.verify.map(quote), ...c.notes]))];
}

/** The meanings of the costs a stack's changes carry. */
function legend(report: StackReport): string[] {
  const used = new Set<Cost>(report.changes.flatMap((c) => c.costs.map((x) => x.cost)));
  return (Object.keys(COSTS) as Cost[])
    .filter((c) => used.has(c))
    .map((c) => `${COSTS[c].label}: ${COSTS[c].meaning}`);
}

function soakLine(s: SoakStatus, soakDays: number): string {
  const mark = s.ok ? "✓" : "✗";
  if (!s.since || !s.readyAt) return `${mark} ${s.knob} = ${show(s.value)}: not held on ci now`;
  const where = s.since.commit ? `commit ${short(s.since.commit)}` : "not yet committed";
  const ready = s.ok ? "" : `; ${soakDays} days at ${minute(s.readyAt)}`;
  return `${mark} ${s.knob} = ${show(s.value)}: held on ci since ${minute(s.since.date)} (${where}), ${count(s.days ?? 0, "day")}${ready}`;
}

/** The base (its commit when the ref is not one already), the time soaks are measured to, soakDays. */
function facts(r: KnobsReport, quote: (s: string) => string): string {
  const base = r.baseCommit.startsWith(r.base)
    ? quote(short(r.baseCommit))
    : `${quote(r.base)} (${quote(short(r.baseCommit))})`;
  return `base ${base}, now ${minute(r.now)}, soakDays ${r.soakDays}`;
}

function textStack(name: string, s: StackReport): string[] {
  if (s.changes.length === 0 && s.settings.length === 0) return [`${name}: no changes`];
  const out = [`${name}: ${count(s.changes.length, "knob change")}`];
  for (const c of s.changes) {
    out.push(`  ${c.knob} (${c.title}): ${show(c.from)} → ${show(c.to)}`);
    out.push(`    costs: ${costsOf(c)}`, `    decision: ${verdictOf(c)}`);
    out.push(...c.warnings.map((w) => `    ⚠ ${w}`));
  }
  if (s.settings.length > 0) out.push(`  also changes settings (not knobs): ${s.settings.join(", ")}`);
  if (s.changes.length > 0) {
    out.push("  costs mean:", ...legend(s).map((l) => `    ${l}`));
    out.push(
      "  rollout checklist (run the commands after each node rolls):",
      ...checklist(s, (x) => x).map((l) => `    [ ] ${l}`),
    );
  }
  return out;
}

/** The report as plain text. */
export function renderText(r: KnobsReport): string {
  const out = [
    `Knob rollout check: ${r.ok ? "passed" : `FAILED (${count(r.violations.length, "violation")})`}`,
  ];
  out.push(
    facts(r, (x) => x),
    "",
  );
  for (const stack of STACKS) out.push(...textStack(stack, r.stacks[stack]));
  out.push("", `soak gate: prod's knobs off the baseline need ${r.soakDays} days on ci`);
  out.push(
    ...(r.soak.length
      ? r.soak.map((s) => `  ${soakLine(s, r.soakDays)}`)
      : ["  none: prod runs the baseline"]),
  );
  if (r.violations.length > 0) out.push("", "violations:", ...r.violations.map((v) => `  ✗ ${v.message}`));
  return out.join("\n");
}

function markdownStack(name: string, s: StackReport): string[] {
  if (s.changes.length === 0 && s.settings.length === 0) return [`#### ${name}: no changes`, ""];
  const out = [`#### ${name}: ${count(s.changes.length, "knob change")}`, ""];
  if (s.changes.length > 0) {
    out.push("| knob | from | to | costs | decision of record |", "| --- | --- | --- | --- | --- |");
    for (const c of s.changes) {
      const labels = c.costs.map((x) => x.label).join(", ");
      const costs = labels ? `**${labels}**: ${c.costNote}` : c.costNote;
      const { verdict, step, reason } = c.decision;
      const decision = `**${verdict}${step ? ` (step ${step})` : ""}**: ${reason}`;
      out.push(
        `| ${cell(c.title)} (\`${c.knob}\`) | ${code(c.from)} | ${code(c.to)} | ${cell(costs)} | ${cell(decision)} |`,
      );
    }
    out.push("", `Costs: ${legend(s).join("; ")}.`, "");
    const warnings = s.changes.flatMap((c) => c.warnings);
    if (warnings.length > 0) out.push(...warnings.map((w) => `- ⚠ ${w}`), "");
  }
  if (s.settings.length > 0) {
    out.push(`Also changes settings (not knobs): ${s.settings.map((k) => `\`${k}\``).join(", ")}.`, "");
  }
  if (s.changes.length > 0)
    out.push(
      "Rollout checklist (run the commands after each node rolls):",
      "",
      ...checklist(s, (x) => `\`${x}\``).map((l) => `- [ ] ${l}`),
      "",
    );
  return out;
}

/** The report as Markdown: a heading, a table and a checklist per stack, the soak gate, the violations. */
export function renderMarkdown(r: KnobsReport): string {
  const out = [
    `${HEADING}: ${r.ok ? "✓ passed" : `✗ failed (${count(r.violations.length, "violation")})`}`,
    "",
  ];
  out.push(`${facts(r, (x) => `\`${x}\``)}.`, "");
  for (const stack of STACKS) out.push(...markdownStack(stack, r.stacks[stack]));
  out.push(`#### Soak gate: prod's knobs off the baseline need ${r.soakDays} days on ci`, "");
  out.push(
    ...(r.soak.length
      ? r.soak.map((s) => `- ${soakLine(s, r.soakDays)}`)
      : ["None: prod runs the baseline."]),
  );
  if (r.violations.length > 0) {
    out.push("", "#### Violations", "", ...r.violations.map((v) => `- ✗ ${v.message}`));
  }
  return `${out.join("\n")}\n`;
}
