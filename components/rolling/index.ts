/**
 * Node by node, each after a health check: the batches of a roll (pure, `plan.ts`) and the component
 * that chains per-node actions and their health gates (`component.ts`). The config applies and the
 * Talos upgrades and the Cilium agent roll (issue 16) roll with it.
 */
export { NodeRoll, type NodeRollArgs } from "./component";
export { planRoll, rollOrder, type RollNode, type RollOptions, type RollPlan } from "./plan";
