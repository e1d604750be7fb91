/**
 * The Cilium agent roll, run by `pulumi up` on the runner after the `cilium` release: a baseline of
 * Hubble's dropped flows, then one command per node on the node roll (`components/rolling`), control
 * planes one at a time, then workers in batches of `agentRollBatchSize`, each batch after the one
 * before. Each node's command replaces its agent only when it runs an old template, inside the roll
 * window, and checks it (`scripts.ts`); a failed check stops `pulumi up` there.
 *
 * When the commands run: every input is also in their environment, and the release's revision is one
 * (a new revision on every `helm upgrade`), so each release change runs every step's update, which is
 * idempotent and does nothing on a node whose agent already runs the current template and was checked
 * (pulumi-command runs `update` on any input change: provider/pkg/provider/common/inputs.go; a failed
 * update keeps the previous state, so the next `pulumi up` runs it again).
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec } from "../config/spec";
import { NodeRoll } from "../rolling/component";
import type { RollNode } from "../rolling/plan";
import { planAgentRoll, type AgentRollPlan } from "./plan";
import { kubectlRange, SHELL } from "../upgrades/scripts";
import { baselineScript, stepScript, windowEnvironment } from "./scripts";
import { parseRollWindow, type RollWindow } from "../config/roll-window";

/** Arguments of {@link AgentRoll}. */
export interface AgentRollArgs {
  /** The resolved stack (the roll's settings, the Hubble knobs). @default none, required */
  readonly spec: ClusterSpec;
  /** Every node, in plan order (`planNodes`). @default none, required */
  readonly nodes: readonly RollNode[];
  /** The admin kubeconfig the runner reaches the API with (secret). @default none, required */
  readonly kubeconfig: pulumi.Input<string>;
  /** The release's revision (`Release.status.revision`): a new one runs every step. @default none, required */
  readonly revision: pulumi.Input<string>;
  /** What the roll waits for: the release, the config roll. @default [] */
  readonly after?: readonly pulumi.Resource[];
}

/** The stack's roll window, parsed (the setting was validated at resolution). */
export function rollWindowOf(spec: Pick<ClusterSpec, "settings">): RollWindow | undefined {
  const parsed = parseRollWindow(spec.settings.rollWindow);
  if (!parsed.ok)
    throw new Error(`rollWindowOf: rollWindow ${JSON.stringify(spec.settings.rollWindow)} was not validated`);
  return parsed.value;
}

/** The roll's plan for a stack (the report and the plan JSON print the same). */
export function agentRollPlanOf<N extends RollNode>(
  spec: ClusterSpec,
  nodes: readonly N[],
): AgentRollPlan<N> {
  return planAgentRoll(nodes, spec.settings);
}

/** Whether the roll can read Hubble's flows: Hubble and its relay are both on. */
export function hubbleOn(spec: Pick<ClusterSpec, "knobs">): boolean {
  return spec.knobs.hubble && spec.knobs.hubbleRelay;
}

/** The node whose agent probes a node from outside: the first other node in plan order, or none. */
export function peerOf(node: string, order: readonly string[]): string {
  return order.find((n) => n !== node) ?? "";
}

/** The Cilium agents, replaced node by node, each checked before the next batch. */
export class AgentRoll extends pulumi.ComponentResource {
  /** The pre-roll count of dropped flows. */
  declare readonly baseline: command.local.Command;
  /** One command per node, in execution order. */
  declare readonly steps: readonly command.local.Command[];
  /** What the last batch ends with: depend on it to run after the roll. */
  declare readonly done: readonly pulumi.Resource[];

  constructor(name: string, args: AgentRollArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hcloud-talos-cilium:agent-roll:AgentRoll", name, {}, opts);
    const { spec } = args;
    const plan = agentRollPlanOf(spec, args.nodes);
    const kubeconfig = pulumi.secret(args.kubeconfig);
    const hubble = hubbleOn(spec) ? "yes" : "no";
    const window = String(spec.settings.agentRollDropWindow);
    const revision = pulumi.output(args.revision);
    const kubectl = kubectlRange(spec);
    const baseline = new command.local.Command(
      `${name}-baseline`,
      {
        interpreter: [...SHELL],
        create: baselineScript(kubectl),
        // Another input changed (a renewed kubeconfig): keep the baseline of this release's roll.
        update: `printf '%s\\n' "\${PULUMI_COMMAND_STDOUT:-}"`,
        environment: {
          HUBBLE: hubble,
          DROP_WINDOW: window,
          ROLL_REVISION: revision,
          KUBECONFIG_CONTENT: kubeconfig,
        },
        // A new release revision measures again: a new roll starts from a new baseline.
        triggers: [revision],
      },
      { parent: this, dependsOn: [...(args.after ?? [])] },
    );
    // The script's own deadlines bound it; Pulumi's timeout sits a minute above them, so it never cuts
    // a step short (a cut step would leave its node mid-roll).
    const timeout = `${plan.stepTimeoutSeconds + 60}s`;
    const roll = new NodeRoll(
      `${name}-nodes`,
      {
        plan: plan.roll,
        after: [baseline],
        action: (node, dependsOn) =>
          new command.local.Command(
            `${name}-${node.name}`,
            {
              interpreter: [...SHELL],
              create: stepScript(kubectl),
              update: stepScript(kubectl),
              environment: {
                NODE_NAME: node.name,
                PEER_NODE: peerOf(node.name, plan.order),
                HUBBLE: hubble,
                DROP_WINDOW: window,
                DROP_THRESHOLD: String(spec.settings.agentRollDropThreshold),
                BASELINE: baseline.stdout,
                ROLL_REVISION: revision,
                ...windowEnvironment(rollWindowOf(spec)),
                KUBECONFIG_CONTENT: kubeconfig,
              },
            },
            {
              parent: this,
              dependsOn: [...dependsOn],
              customTimeouts: { create: timeout, update: timeout },
            },
          ),
      },
      { parent: this },
    );
    this.baseline = baseline;
    this.steps = roll.actions;
    this.done = roll.done;
    this.registerOutputs({});
  }
}
