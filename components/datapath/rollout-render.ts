/**
 * The knob rollout report for people: plain text (the terminal) and Markdown (the PR comment and the
 * deploy job's summary). Pure; the JSON form is the `KnobsReport` itself, and both forms here print
 * the same rendered facts from it (`renderedLines`).
 */
import { show } from "../core/define";
import { COSTS, type Cost } from "../knobs/knob";
import { STACKS } from "./history";
import { showRef, type ObjectRef, type WorkloadChange } from "./render-diff";
import type { StackRender } from "./render-report";
import type { KnobChange, KnobsReport, StackReport } from "./rollout";
import type { SoakStatus } from "./soak";
import { agentRollLines } from "./rollout-agents";

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

const refs = (sign: string, xs: readonly ObjectRef[]): string[] => xs.map((r) => `${sign}${showRef(r)}`);

/** What happens to a workload, in a few words: its fate, how it rolls, and which objects come or go. */
export function workloadFate(w: WorkloadChange): string {
  const fate: Record<WorkloadChange["fate"], string> = {
    rolls: `rolls (${w.strategy ?? "its update strategy"}): its pod template changes at ${w.podTemplate.join(", ")}`,
    created: "created",
    removed: "removed",
    scales: `scales from ${show(w.replicas?.from)} to ${show(w.replicas?.to)} replicas; no pod restarts`,
    updated: "changes in place; no pod restarts",
    unchanged: "unchanged",
    absent: "not deployed",
  };
  const moved = [...refs("+", w.added), ...refs("-", w.removed)];
  return `${fate[w.fate]}${moved.length > 0 && w.fate !== "unchanged" ? `; ${moved.join(", ")}` : ""}`;
}

/** A workload's line: its name and object, then its fate (`workloadFate`). */
export function workloadLine(w: WorkloadChange): string {
  return `${w.title} (${showRef(w.object)}): ${workloadFate(w)}`;
}

/**
 * The rendered facts of a stack in their parts, which the text prints as lines and the Markdown as a
 * table of workloads and a list of the rest (so neither form parses what the other printed).
 */
interface RenderedParts {
  readonly head: string;
  /** "nothing changes", when the renders are identical. */
  readonly identical: readonly string[];
  /** The workloads that change. */
  readonly moving: readonly WorkloadChange[];
  /** The workloads that do not change or are not deployed, one line per kind. */
  readonly still: readonly string[];
  /** The cilium-config line, and one line per changed key under it. */
  readonly config: { readonly line?: string; readonly keys: readonly string[] };
  /** The other objects that come, go or change. */
  readonly other: readonly string[];
  readonly warnings: readonly string[];
}

function renderedParts(r: Extract<StackRender, { rendered: true }>): RenderedParts {
  const facts = [r.chart, r.digest ? `sha256 ${r.digest.slice(0, 12)}…` : "", r.helm ? `helm ${r.helm}` : ""];
  const still = (fate: WorkloadChange["fate"]) =>
    r.diff.workloads.filter((w) => w.fate === fate).map((w) => w.title);
  const unchanged = still("unchanged");
  const absent = still("absent");
  const keys = r.diff.config;
  const other = [
    ...refs("+", r.diff.other.added),
    ...refs("-", r.diff.other.removed),
    ...refs("~", r.diff.other.changed),
  ];
  return {
    head: `rendered with ${facts.filter(Boolean).join(", ")}`,
    identical: r.diff.identical
      ? [
          `nothing changes: every object renders the same${r.sameInputs ? " (the same Helm values, chart and Kubernetes version)" : ""}; nothing rolls`,
        ]
      : [],
    moving: r.diff.workloads.filter((w) => w.fate !== "unchanged" && w.fate !== "absent"),
    still: [
      ...(unchanged.length > 0 ? [`unchanged: ${unchanged.join(", ")}`] : []),
      ...(absent.length > 0 ? [`not deployed: ${absent.join(", ")}`] : []),
    ],
    config: {
      line:
        keys.length > 0
          ? `cilium-config: ${keys.length} key${keys.length === 1 ? "" : "s"} change`
          : r.diff.identical
            ? undefined
            : "cilium-config: no key changes",
      keys: keys.map((c) => `${c.key}: ${show(c.from)} → ${show(c.to)}`),
    },
    other: other.length > 0 ? [`other objects: ${other.join(", ")}`] : [],
    warnings: [
      ...r.drift,
      ...r.diff.workloads.flatMap((w) =>
        w.staleConfig.map(
          (c) =>
            `${w.title} keeps running with the old ${c} (its pods do not restart): restart it with kubectl -n ${w.object.namespace ?? "default"} rollout restart ${w.object.kind.toLowerCase()}/${w.object.name}`,
        ),
      ),
    ],
  };
}

/** The cilium-config part as lines: its line, then each key indented under it. */
const configLines = (p: RenderedParts): string[] =>
  p.config.line === undefined ? [] : [p.config.line, ...p.config.keys.map((k) => `  ${k}`)];

/**
 * The rendered facts of a stack, as lines (text and Markdown print the same lines): per workload its
 * fate, the changed cilium-config keys, the other objects, each disagreement with the catalogue and
 * each workload left on an old ConfigMap; or that the report fell back to the catalogue, and why.
 */
export function renderedLines(r: StackRender): { head: string; lines: string[]; warnings: string[] } {
  if (!r.rendered) {
    const side = r.side ? ` (${r.side})` : "";
    return {
      head: `not rendered${side}, fell back to the catalogue's prediction: ${r.reason}`,
      lines: [r.message],
      warnings: [],
    };
  }
  const p = renderedParts(r);
  const lines = [...p.identical, ...p.moving.map(workloadLine), ...p.still, ...configLines(p), ...p.other];
  return { head: p.head, lines, warnings: [...p.warnings] };
}

/** The values code changed too: the renders show the stack files' change only. */
function codeNote(r: KnobsReport): string[] {
  if (r.codeChanges.length === 0) return [];
  return [
    `⚠ this change also edits the values code (${r.codeChanges.join(", ")}): both sides were valued with the working tree's code, so the renders show the stack files' change only; what the code's edit changes reaches every stack at deploy (compare \`npm run plan -- --stack <name> --json\` ciliumValues at the base and here)`,
  ];
}

function textStack(name: string, s: StackReport): string[] {
  const rendered = renderedLines(s.render);
  const renderText = [
    `  ${rendered.head}:`,
    ...rendered.lines.map((l) => `    ${l}`),
    ...rendered.warnings.map((w) => `    ⚠ ${w}`),
  ];
  if (s.changes.length === 0 && s.settings.length === 0) {
    // Nothing to roll out; say only what the render adds (a fallback, a warning).
    return s.render.rendered && rendered.warnings.length === 0
      ? [`${name}: no changes`]
      : [`${name}: no changes`, ...renderText];
  }
  const out = [`${name}: ${count(s.changes.length, "knob change")}`];
  for (const c of s.changes) {
    out.push(`  ${c.knob} (${c.title}): ${show(c.from)} → ${show(c.to)}`);
    out.push(`    costs: ${costsOf(c)}`, `    decision: ${verdictOf(c)}`);
    out.push(...c.warnings.map((w) => `    ⚠ ${w}`));
  }
  if (s.settings.length > 0) out.push(`  also changes settings (not knobs): ${s.settings.join(", ")}`);
  out.push(...renderText, ...agentRollLines(s.agentRoll).map((l) => `  ${l}`));
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
    ...codeNote(r),
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

/** The rendered facts as Markdown: the same facts as the text, workloads as a table. */
function markdownRender(r: StackRender): string[] {
  if (!r.rendered) {
    const { head, lines } = renderedLines(r);
    return [`**Rendered:** ${cell(head)}.`, "", ...lines.map((l) => `- ${cell(l)}`), ""];
  }
  const p = renderedParts(r);
  const out = [`**Rendered:** ${cell(p.head)}.`, ""];
  out.push("| workload | object | what happens |", "| --- | --- | --- |");
  for (const w of r.diff.workloads)
    out.push(`| ${w.title} | \`${showRef(w.object)}\` | ${cell(workloadFate(w))} |`);
  out.push("");
  out.push(
    ...[...p.identical, ...(p.config.line === undefined ? [] : [p.config.line])].map((l) => `- ${cell(l)}`),
  );
  out.push(...p.config.keys.map((k) => `  - \`${cell(k)}\``));
  out.push(...p.other.map((l) => `- ${cell(l)}`));
  out.push(...p.warnings.map((w) => `- ⚠ ${cell(w)}`), "");
  return out;
}

function markdownStack(name: string, s: StackReport): string[] {
  if (s.changes.length === 0 && s.settings.length === 0) {
    const quiet = s.render.rendered && renderedLines(s.render).warnings.length === 0;
    return quiet
      ? [`#### ${name}: no changes`, ""]
      : [`#### ${name}: no changes`, "", ...markdownRender(s.render)];
  }
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
  out.push(...markdownRender(s.render));
  const roll = agentRollLines(s.agentRoll);
  if (roll.length > 0) out.push(...roll.map((l) => `- ${cell(l)}`), "");
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
  out.push(
    `${facts(r, (x) => `\`${x}\``)}.`,
    "",
    ...codeNote(r).map((l) => `${l}`),
    ...(r.codeChanges.length ? [""] : []),
  );
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
