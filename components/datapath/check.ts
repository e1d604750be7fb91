/**
 * Running the catalogue's rules: the rule table (`rules.ts`), the kernel rule and the decision-of-record
 * warnings (both derived from the catalogue), each finding joined into one message that names the key,
 * its value, what is allowed and the fix.
 */
import { fullKey, show, type Problem } from "../config/define";
import { KNOB_KEYS, knobDef, type Knobs } from "./catalogue";
import { compareKernel, formatKernel, oldestTalosFor } from "./kernel";
import { RULES, type Finding, type Rule, type RuleContext } from "./rules";

/** The kernel rule: each knob value's kernel minimum against the kernel of the Talos version. */
export function kernelProblems(k: Knobs, ctx: RuleContext): Problem[] {
  return KNOB_KEYS.flatMap((key) => {
    const need = knobDef(key).kernel?.(k[key]);
    if (!need || compareKernel(ctx.kernel, need) >= 0) return [];
    const talos = oldestTalosFor(need);
    return [
      describe(key, k[key], {
        why: `needs Linux ${formatKernel(need)} or newer, but Talos ${ctx.talosVersion.raw} ships ${formatKernel(ctx.kernel)}`,
        allowed: `${show(knobDef(key).default)} on this Talos version`,
        fix: talos
          ? `upgrade talosVersion to ${talos} first, or set ${key} back to ${show(knobDef(key).default)}`
          : `set ${key} back to ${show(knobDef(key).default)}`,
      }),
    ];
  });
}

/** A warning for every knob moved off its default against a decision of `rejected` or `later`. */
export function decisionWarnings(k: Knobs): Problem[] {
  return KNOB_KEYS.flatMap((key) => {
    const def = knobDef(key);
    const { verdict, reason } = def.decision;
    if ((verdict !== "rejected" && verdict !== "later") || k[key] === def.default) return [];
    return [
      describe(key, k[key], {
        why: `the decision of record is "${verdict}": ${reason}`,
        allowed: `${show(def.default)} (the baseline)`,
        fix: "only change it after the decision is revisited in datapath.md §4",
      }),
    ];
  });
}

/** Joins a finding into the one-sentence message of a problem. */
export function describe(key: string, value: unknown, f: Finding): Problem {
  return {
    key: fullKey(key),
    message: `${fullKey(key)} = ${show(value)}: ${f.why}. Allowed: ${f.allowed}. Fix: ${f.fix}.`,
  };
}

/** Runs every rule: errors and warnings, one problem per failed rule. */
export function checkKnobs(k: Knobs, ctx: RuleContext): { errors: Problem[]; warnings: Problem[] } {
  const found = RULES.map((r) => ({ r, f: r.check(k, ctx) })).filter((x) => x.f !== undefined);
  const problems = (sev: Rule["severity"]) =>
    found.filter((x) => x.r.severity === sev).map((x) => describe(x.r.knob, k[x.r.knob], x.f as Finding));
  return {
    errors: [...problems("error"), ...kernelProblems(k, ctx)],
    warnings: [...problems("warning"), ...decisionWarnings(k)],
  };
}
