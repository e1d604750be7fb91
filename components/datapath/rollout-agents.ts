/**
 * The agent roll in the rollout report (pure): whether a stack's change rolls the Cilium agents (the
 * render's agent workload, or the catalogue's costs when the report fell back), and if so the roll's
 * plan (nodes in order, batches, deadlines, the expected duration as a range: components/agent-roll)
 * and the roll window at the check's time; the deploy's refusal outside the window; the lines the
 * text and Markdown reports print.
 *
 * Where the refusal lives, and why there: in the deploy job's knobs check (`--base deployed`, which
 * runs before `pulumi up`), so a closed window fails the job before anything changes, with when it
 * opens; and in every roll step (`agent-roll/scripts.ts`), which refuses to start a node outside it,
 * so an `up` run by hand, or one that outlasts the window, cannot roll either. The pull request's
 * check only says when the deploy will refuse: a review may happen at any hour.
 */
import {
  agentRollPlanOf,
  rollWindowOf,
  showDuration,
  TYPICAL_STEP_SECONDS,
  windowStatus,
  type AgentRollPlan,
  type WindowStatus,
} from "../agent-roll";
import type { RollNode } from "../rolling/plan";
import { resolveStackConfig } from "../config/resolve";
import { planNodes } from "../config/spec";
import type { StackFile, StackName, Violation } from "./history";
import type { Cost } from "../knobs/knob";
import type { StackRender } from "./render-report";

/** The agent roll a stack's change starts, as the report shows it. */
export interface AgentRollReport extends Pick<
  AgentRollPlan<RollNode>,
  "order" | "batches" | "stepTimeoutSeconds" | "rollTimeoutSeconds" | "expectedSeconds"
> {
  /** Whether the change replaces the agents: their pod template changes. */
  readonly rolls: boolean;
  /** Where that comes from: the render, or the catalogue's costs (the report fell back). */
  readonly source: "render" | "catalogue";
  /** The agent DaemonSet's update strategy, as rendered (or as the values set it). */
  readonly updateStrategy: string;
  /** The roll window at the check's time. */
  readonly window: WindowStatus;
}

/** The agent roll of a stack's change, or undefined when its working tree's file does not resolve. */
export function agentRollReport(
  stack: StackName,
  file: StackFile,
  render: StackRender,
  predicted: readonly Cost[],
  now: Date,
): AgentRollReport | undefined {
  const r = resolveStackConfig(file ?? {}, stack);
  if (!r.ok) return undefined;
  const plan = agentRollPlanOf(r.spec, planNodes(r.spec));
  const agent = render.rendered ? render.diff.workloads.find((w) => w.workload === "agent") : undefined;
  return {
    rolls: render.rendered ? render.costs.includes("agents-roll") : predicted.includes("agents-roll"),
    source: render.rendered ? "render" : "catalogue",
    updateStrategy: agent?.strategy ?? plan.updateStrategy.type,
    order: plan.order,
    batches: plan.batches,
    stepTimeoutSeconds: plan.stepTimeoutSeconds,
    rollTimeoutSeconds: plan.rollTimeoutSeconds,
    expectedSeconds: plan.expectedSeconds,
    window: windowStatus(rollWindowOf(r.spec), now),
  };
}

/** The deploy's refusal: the change rolls the agents and the stack's roll window is closed. */
export function windowViolations(
  stack: StackName,
  roll: AgentRollReport | undefined,
  enforce: boolean,
  codeChanges: readonly string[] = [],
): Violation[] {
  // An edit of the values code is valued on both sides with the working tree's code, so the render
  // cannot say whether it rolls the agents: the window holds for it as for a roll.
  const code = codeChanges.length > 0;
  if (!enforce || !roll || !(roll.rolls || code) || roll.window.open) return [];
  const what = roll.rolls
    ? `${stack}'s change rolls every Cilium agent`
    : `this change edits the values code (${codeChanges.join(", ")}), which may roll every Cilium agent of ${stack}`;
  const message = `${what}, and its roll window ${roll.window.window} is closed now: the deploy starts no roll outside it. It opens at ${roll.window.opensAt}. Fix: run the deploy again then (npm run knobs -- check --base deployed --now ${roll.window.opensAt} shows it passing), or change rollWindow in Pulumi.${stack}.yaml in a reviewed change.`;
  return [{ rule: "roll-window", stack, message }];
}

/** A batch as text: one node, or `[a, b]`. */
const batchText = (batch: readonly string[]): string =>
  batch.length === 1 ? (batch[0] ?? "") : `[${batch.join(", ")}]`;

/** The report's lines about a stack's agent roll (text and Markdown print the same). */
export function agentRollLines(roll: AgentRollReport | undefined): string[] {
  if (!roll) return [];
  const from = roll.source === "render" ? "the render" : "the catalogue (not rendered)";
  if (!roll.rolls)
    return [
      `agent roll: none (per ${from}, the agents' pod template does not change): every step finds its agent current`,
    ];
  const { min, max } = roll.expectedSeconds;
  const window = roll.window.window
    ? roll.window.open
      ? `roll window ${roll.window.window}: open now`
      : `roll window ${roll.window.window}: closed now, opens at ${roll.window.opensAt} (the deploy refuses until then)`
    : "roll window: none (any time)";
  return [
    `agent roll (per ${from}; update strategy ${roll.updateStrategy}: the deploy replaces each agent and checks it): ${roll.order.length} nodes in ${roll.batches.length} batches: ${roll.batches.map(batchText).join(" → ")}`,
    `expected ${showDuration(min)} to ${showDuration(max)} (per batch: the agent restart and checks, ${TYPICAL_STEP_SECONDS.min} to ${TYPICAL_STEP_SECONDS.max} s, plus the drop window); at most ${showDuration(roll.rollTimeoutSeconds)} (each step's deadline ${roll.stepTimeoutSeconds} s)`,
    window,
  ];
}
