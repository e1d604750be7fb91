/**
 * The Cilium agent roll (issue 16): the agent DaemonSet on `OnDelete` (the values), the deploy
 * replacing each node's agent and checking it before the next (`component.ts`, `scripts.ts`), the
 * plan of its order, batches, deadlines and duration (pure, `plan.ts`); the roll window is
 * `config/roll-window.ts`'s (pure).
 */
export { AgentRoll, agentRollPlanOf, hubbleOn, peerOf, rollWindowOf, type AgentRollArgs } from "./component";
export {
  AGENT_UPDATE_STRATEGY,
  planAgentRoll,
  showDuration,
  STEP_DEADLINES,
  stepTimeoutSeconds,
  TYPICAL_STEP_SECONDS,
  type AgentRollPlan,
  type AgentRollSettings,
} from "./plan";
export {
  AGENT_ROLLED_MARK,
  BASELINE_ENV,
  BASELINE_MARK,
  baselineScript,
  HUBBLE_RANGE,
  kubectlPrelude,
  STEP_ENV,
  stepScript,
  windowEnvironment,
} from "./scripts";
export {
  hhmm,
  localTime,
  nextOpening,
  parseRollWindow,
  WEEKDAYS,
  WINDOW_EXPECTED,
  windowOpen,
  windowStatus,
  type RollWindow,
  type WindowStatus,
} from "../config/roll-window";
