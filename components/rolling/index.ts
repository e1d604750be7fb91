/**
 * Node by node, each after a health check: the batches of a roll (pure, `plan.ts`) and the component
 * that chains per-node actions and their health gates (`component.ts`). The config applies and the
 * Talos upgrades roll with it; the Cilium agent roll (issue 16) is meant to.
 */
export { NodeRoll, type NodeRollArgs } from "./component";
export { planRoll, rollOrder, rollWaits, type RollNode, type RollOptions, type RollPlan } from "./plan";
