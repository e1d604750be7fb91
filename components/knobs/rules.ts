/**
 * The datapath rules: every requires/excludes/falls-back of the Cilium 1.20 agent, the chart and the
 * docs that a knob can reach, plus this program's own, one row each. Each row records its source
 * (`source.ts`), names the knob it is reported against and says, in parts, why it failed (opening
 * with whose rule it is), what is allowed and the fix; `check.ts` runs them with the kernel rule and
 * the decision warnings and joins each finding into its message.
 */
import type { Rule } from "./rule";
import { BANDWIDTH_RULES } from "./rules-bandwidth";
import { BIGTCP_RULES } from "./rules-bigtcp";
import { FEATURE_RULES } from "./rules-features";
import { LB_RULES } from "./rules-lb";
import { ROUTING_RULES } from "./rules-routing";

export { fallsBackToLegacy, hostRouting, type HostRouting, type Rule, type RuleContext } from "./rule";

/** Every rule, one row each. */
export const RULES: readonly Rule[] = [
  ...BANDWIDTH_RULES,
  ...ROUTING_RULES,
  ...LB_RULES,
  ...FEATURE_RULES,
  ...BIGTCP_RULES,
];
