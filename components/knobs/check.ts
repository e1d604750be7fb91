/**
 * Running the catalogue's rules: the rule table (`rules.ts`), the kernel rule and the decision-of-record
 * warnings (both derived from the catalogue), each finding joined into one message that names the key,
 * its value, whose rule it is, what is allowed and the fix.
 */
import { describe, show, type Finding, type Problem } from "../core/define";
import { KNOB_KEYS, knobDef, type KnobKey, type Knobs } from "./catalogue";
import { compareKernel, formatKernel, oldestTalosFor } from "../core/kernel";
import { RULES, type Rule, type RuleContext } from "./rules";
import { opening, ours, type RuleSource } from "./source";

/** A rule that fired: which one, whose it is, how bad, and its message. */
export interface Verdict {
  /** The rule id; `kernel:<knob>` and `decision:<knob>` for the derived rules. */
  readonly rule: string;
  readonly knob: KnobKey;
  readonly severity: Rule["severity"];
  readonly source: RuleSource;
  readonly problem: Problem;
}

/** The decisions of record: ours, written down in the design. */
export const DECISION_SOURCE = ours("datapath.md §4 (the decisions of record)");

/** The kernel rule: each knob value's kernel minimum against the kernel of the Talos version. */
export function kernelVerdicts(k: Knobs, ctx: RuleContext): Verdict[] {
  return KNOB_KEYS.flatMap((key): Verdict[] => {
    const need = knobDef(key).kernel?.(k[key]);
    if (!need || compareKernel(ctx.kernel, need.version) >= 0) return [];
    const talos = oldestTalosFor(need.version);
    const base = show(knobDef(key).default);
    const finding = {
      why: `${opening(need.source)}${need.what} on Linux older than ${formatKernel(need.version)}, and Talos ${ctx.talosVersion.raw} ships ${formatKernel(ctx.kernel)}`,
      allowed: `${base} on this Talos version`,
      fix: talos
        ? `upgrade talosVersion to ${talos} first, or set ${key} back to ${base}`
        : `set ${key} back to ${base}`,
    };
    return [verdict(`kernel:${key}`, key, "error", need.source, k[key], finding)];
  });
}

/** A warning for every knob moved off its default against a decision of `rejected` or `later`. */
export function decisionVerdicts(k: Knobs): Verdict[] {
  return KNOB_KEYS.flatMap((key): Verdict[] => {
    const def = knobDef(key);
    const { verdict: decided, reason } = def.decision;
    if ((decided !== "rejected" && decided !== "later") || k[key] === def.default) return [];
    const finding = {
      why: `our rule: the decision of record is "${decided}": ${reason}`,
      allowed: `${show(def.default)} (the baseline)`,
      fix: "only change it after the decision is revisited in datapath.md §4",
    };
    return [verdict(`decision:${key}`, key, "warning", DECISION_SOURCE, k[key], finding)];
  });
}

function verdict(
  rule: string,
  knob: KnobKey,
  severity: Rule["severity"],
  source: RuleSource,
  value: unknown,
  f: Finding,
): Verdict {
  return { rule, knob, severity, source, problem: describe(knob, value, f) };
}

/** Every rule that fires, in order: the rule table, then the kernel rule, then the decision warnings. */
export function verdictsOf(k: Knobs, ctx: RuleContext): Verdict[] {
  const table = RULES.flatMap((r) => {
    const f = r.check(k, ctx);
    return f ? [verdict(r.id, r.knob, r.severity, r.source, k[r.knob], f)] : [];
  });
  return [...table, ...kernelVerdicts(k, ctx), ...decisionVerdicts(k)];
}

/** Runs every rule: errors and warnings, one problem per failed rule. */
export function checkKnobs(k: Knobs, ctx: RuleContext): { errors: Problem[]; warnings: Problem[] } {
  const all = verdictsOf(k, ctx);
  const of = (sev: Rule["severity"]) => all.filter((v) => v.severity === sev).map((v) => v.problem);
  return { errors: of("error"), warnings: of("warning") };
}
