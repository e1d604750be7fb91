/**
 * The node-by-node roll: for each node of a {@link RollPlan}, the caller's action (a config apply, an
 * upgrade command, an agent replacement), then, optionally, a health gate this component declares
 * after it; the next batch's actions depend on every gate (or action) of the batch before. Pulumi
 * runs a resource only once its `dependsOn` have finished, so a failed gate stops the roll there.
 *
 * The actions are the caller's resources with the caller's parent (their URNs do not move when a roll
 * is put around them); the gates are this component's children, named `<roll name>-<node name>`.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { RollNode, RollPlan } from "./plan";

/** The component's Pulumi type (what reads a plan's record tells a roll by it). */
export const NODE_ROLL_TYPE = "hcloud-talos-cilium:rolling:NodeRoll";

/** Arguments of {@link NodeRoll}. */
export interface NodeRollArgs<N extends RollNode, A extends pulumi.Resource = pulumi.Resource> {
  /** The batches (`planRoll`). @default none, required */
  readonly plan: RollPlan<N>;
  /** What the first batch waits for. @default [] */
  readonly after?: readonly pulumi.Resource[];
  /**
   * Declares the node's action, which must depend on `dependsOn` (pass it as the resource's
   * `dependsOn` option), and returns it. Called once per node, in execution order. @default none, required
   */
  readonly action: (node: N, dependsOn: readonly pulumi.Resource[]) => A;
  /**
   * The node's health gate: the arguments of a `command.local.Command` the roll declares after the
   * action (it depends on the action). Omit it when the action waits for health itself, as the
   * upgrade commands do. @default none: the action is its own gate
   */
  readonly gate?: (node: N, action: A) => command.local.CommandArgs;
}

/** A chain of per-node actions, each batch after the previous batch's health gates. */
export class NodeRoll<N extends RollNode, A extends pulumi.Resource = pulumi.Resource>
  extends pulumi.ComponentResource
{
  /** Each node's action, in execution order. */
  declare readonly actions: readonly A[];
  /** Each node's gate, in execution order; empty without `gate`. */
  declare readonly gates: readonly command.local.Command[];
  /** What the last batch ends with (its gates, or its actions): depend on it to run after the roll. */
  declare readonly done: readonly pulumi.Resource[];

  constructor(name: string, args: NodeRollArgs<N, A>, opts?: pulumi.ComponentResourceOptions) {
    super(NODE_ROLL_TYPE, name, {}, opts);
    const actions: A[] = [];
    const gates: command.local.Command[] = [];
    let previous: readonly pulumi.Resource[] = [...(args.after ?? [])];
    for (const batch of args.plan.batches) {
      const ends = batch.map((node) => {
        const action = args.action(node, previous);
        actions.push(action);
        if (!args.gate) return action;
        const gate = new command.local.Command(`${name}-${node.name}`, args.gate(node, action), {
          parent: this,
          dependsOn: [action],
        });
        gates.push(gate);
        return gate;
      });
      previous = ends;
    }
    this.actions = actions;
    this.gates = gates;
    this.done = previous;
    this.registerOutputs({});
  }
}
