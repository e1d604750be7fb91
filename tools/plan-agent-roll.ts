/**
 * The agent roll in the plan JSON (`agentRoll`): the update strategy the `cilium` release declares for
 * the agent DaemonSet, the roll's settings and the steps the program declared (each node's command and
 * what it waits for, read from the engine's record), with the plan's batches, deadlines and expected
 * duration (components/agent-roll/plan.ts).
 */
import { agentRollPlanOf, type AgentRollPlan } from "../components/agent-roll";
import type { RollNode } from "../components/rolling/plan";
import { planNodes, type ClusterSpec } from "../components/config/spec";
import type { HelmValues } from "../components/cilium/values";
import { registrationsOf, type EngineRecord } from "./mock-engine";

/** One step of the roll as declared: its node, its command, and the resources it waits for. */
export interface AgentRollStep {
  readonly node: string;
  readonly resource: string;
  readonly waitsFor: readonly string[];
}

/** The plan JSON's `agentRoll`. */
export interface AgentRollJson extends Pick<
  AgentRollPlan<RollNode>,
  "batches" | "stepTimeoutSeconds" | "rollTimeoutSeconds" | "expectedSeconds"
> {
  /** `ciliumValues.updateStrategy`: the agent DaemonSet's strategy as the release declares it. */
  readonly updateStrategy: unknown;
  readonly batchSize: number;
  readonly dropWindowSeconds: number;
  readonly dropThreshold: number;
  /** The roll window ("" for any time). */
  readonly rollWindow: string;
  /** The baseline command, then one step per node in execution order. */
  readonly baseline: string;
  readonly steps: readonly AgentRollStep[];
}

/** The name part of a URN. */
const nameOfUrn = (urn: string): string => urn.slice(urn.lastIndexOf("::") + 2);

/** The agent roll of a stack's plan, from what its program declared. */
export function agentRollOf(spec: ClusterSpec, record: EngineRecord, values: HelmValues): AgentRollJson {
  const plan = agentRollPlanOf(spec, planNodes(spec));
  // The commands the program's AgentRoll declared (its children), by name: `<roll>-baseline` and
  // `<roll>-<node>` (components/agent-roll/component.ts).
  const [roll] = registrationsOf(record, "hcloud-talos-cilium:agent-roll:AgentRoll");
  if (!roll) throw new Error("agentRollOf: the program declared no AgentRoll");
  const children = registrationsOf(record, "command:local:Command").filter((c) => c.parent === roll.urn);
  const byName = new Map(children.map((c) => [c.name, c]));
  const declared = (resource: string) => {
    const found = byName.get(resource);
    if (!found) throw new Error(`agentRollOf: ${roll.name} declared no ${resource}`);
    return found;
  };
  const baseline = declared(`${roll.name}-baseline`).name;
  const steps = plan.order.map((node) => {
    const resource = declared(`${roll.name}-${node}`).name;
    return { node, resource, waitsFor: declared(resource).dependsOn.map(nameOfUrn) };
  });
  const { settings } = spec;
  return {
    updateStrategy: values.updateStrategy,
    batchSize: settings.agentRollBatchSize,
    dropWindowSeconds: settings.agentRollDropWindow,
    dropThreshold: settings.agentRollDropThreshold,
    rollWindow: settings.rollWindow,
    baseline,
    steps,
    batches: plan.batches,
    stepTimeoutSeconds: plan.stepTimeoutSeconds,
    rollTimeoutSeconds: plan.rollTimeoutSeconds,
    expectedSeconds: plan.expectedSeconds,
  };
}
