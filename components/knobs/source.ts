/**
 * Whose rule a datapath rule is, and where that fact comes from. Every rule, the kernel minimums and
 * the decision warnings carry one; the message of a finding opens with the words of its source
 * (`opening()`), so a reader knows whether the agent, the chart, the docs or this program says so.
 *
 * The agent's source was read at cilium/cilium commit aeb2d1b (main on 2026-06-25, VERSION
 * 1.20.0-dev), from the snapshot of the fork tommyp1ckles/cilium: the upstream snapshot (755 MB) is
 * over the size the workplace can fetch, and none of the fork snapshots tried holds the 1.20.0 chart's
 * commit 450c531. The chart facts are the released 1.20.0 archive's own (vendored as
 * `test/fixtures/charts/cilium-1.20.0.tgz`, its source and sha256 in `test/fixtures/SOURCES.md`), and
 * every "the chart fails" is held to a real `helm template` in `test/verdicts.test.ts`.
 */

/** The source snapshot the agent and operator references point into. */
export const CILIUM_SOURCE = "cilium/cilium@aeb2d1b";
/** The chart archive the chart references point into. */
export const CILIUM_CHART = "cilium-1.20.0.tgz";
/** The Cilium documentation of the release. */
export const CILIUM_DOCS = "https://docs.cilium.io/en/v1.20";

/** Where a rule comes from, and what the real system does about it. */
export type RuleSource =
  /** The cilium-agent: it refuses to start, or starts and silently falls back or ignores the knob. */
  | { readonly by: "agent"; readonly does: "refuses" | "falls-back"; readonly ref: string }
  /** The cilium-operator: it starts and silently turns the feature off. */
  | { readonly by: "operator"; readonly does: "falls-back"; readonly ref: string }
  /** The Helm chart: `helm template` fails, or it silently drops the value. */
  | { readonly by: "chart"; readonly does: "fails" | "drops"; readonly ref: string }
  /** Cilium's documentation: the agent does not check it. */
  | { readonly by: "docs"; readonly does: "requires" | "recommends" | "warns"; readonly ref: string }
  /** A design choice of this program, or a fact about Hetzner. */
  | { readonly by: "ours"; readonly ref: string };

/** The words a finding's message opens with (after `key = value: `), one per kind of source. */
export function opening(s: RuleSource): string {
  switch (s.by) {
    case "agent":
      return s.does === "refuses" ? "the agent refuses to start: " : "the agent silently ";
    case "operator":
      return "the operator silently ";
    case "chart":
      return s.does === "fails" ? "the chart fails: " : "the chart silently drops ";
    case "docs":
      return { requires: "the docs require ", recommends: "the docs recommend ", warns: "the docs warn: " }[
        s.does
      ];
    case "ours":
      return "our rule: ";
  }
}

/** Whose rule it is, in a few words, for the README's rules column ("agent: refuses"). */
export function whose(s: RuleSource): string {
  switch (s.by) {
    case "agent":
      return s.does === "refuses" ? "agent: refuses" : "agent: silent fallback";
    case "operator":
      return "operator: silent fallback";
    case "chart":
      return s.does === "fails" ? "chart: fails" : "chart: drops it";
    case "docs":
      return "docs";
    case "ours":
      return "ours";
  }
}

/** The agent refuses to start; `path` is `file:lines` in the source snapshot. */
export const agentRefuses = (path: string): RuleSource => ({
  by: "agent",
  does: "refuses",
  ref: `${CILIUM_SOURCE} ${path}`,
});

/** The agent starts and silently falls back (or ignores the knob). */
export const agentFallsBack = (path: string): RuleSource => ({
  by: "agent",
  does: "falls-back",
  ref: `${CILIUM_SOURCE} ${path}`,
});

/** The operator starts and silently turns the feature off. */
export const operatorFallsBack = (path: string): RuleSource => ({
  by: "operator",
  does: "falls-back",
  ref: `${CILIUM_SOURCE} ${path}`,
});

/** `helm template` fails; `path` is `templates/<file>:<line of the fail>` in the chart archive. */
export const chartFails = (path: string): RuleSource => ({
  by: "chart",
  does: "fails",
  ref: `${CILIUM_CHART} ${path}`,
});

/** The chart silently leaves the value out of what it renders. */
export const chartDrops = (path: string): RuleSource => ({
  by: "chart",
  does: "drops",
  ref: `${CILIUM_CHART} ${path}`,
});

/** Cilium's documentation; `page` is the path under the 1.20 docs, `file` the .rst file and lines. */
export const docs = (does: "requires" | "recommends" | "warns", page: string, file: string): RuleSource => ({
  by: "docs",
  does,
  ref: `${CILIUM_DOCS}/${page} (${CILIUM_SOURCE} ${file})`,
});

/** A design choice of this program, or a platform fact; `ref` names the design document or URL. */
export const ours = (ref: string): RuleSource => ({ by: "ours", ref });
