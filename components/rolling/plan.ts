/**
 * The order of a node-by-node roll (pure): control planes one at a time in plan order, so etcd never
 * loses more than one member at once (a 3-member cluster keeps its quorum of 2), then the workers in
 * batches of a bounded size. Every step of a batch starts after every gate of the batch before.
 *
 * The roll is generic over what a node carries (`N`): the config applies, the Talos upgrades and the
 * Cilium agent roll (issue 16) plan their nodes with it.
 */

/** What the roll needs of a node. */
export interface RollNode {
  /** Unique within the roll: the server name = Talos hostname = Kubernetes node name. */
  readonly name: string;
  readonly role: "controlplane" | "worker";
}

/** The batches of a roll, in execution order. */
export interface RollPlan<N extends RollNode> {
  /** One batch per control plane (plan order), then the workers in batches of at most `workerBatch`. */
  readonly batches: readonly (readonly N[])[];
}

/** How a roll batches its nodes. */
export interface RollOptions {
  /** Workers per batch, at least 1 (the stack setting `workerBatchSize`). */
  readonly workerBatch: number;
}

/**
 * Plans the batches: control planes first, one per batch, in the order given (plan order), then the
 * workers in that order, `workerBatch` at a time. Fails on a duplicate name or a batch size below 1:
 * both are wiring mistakes, not user input (the setting is validated at resolution).
 */
export function planRoll<N extends RollNode>(nodes: readonly N[], options: RollOptions): RollPlan<N> {
  const { workerBatch } = options;
  if (!Number.isInteger(workerBatch) || workerBatch < 1) {
    throw new Error(`planRoll: workerBatch must be an integer of at least 1, not ${workerBatch}`);
  }
  const seen = new Set<string>();
  for (const node of nodes) {
    if (seen.has(node.name)) throw new Error(`planRoll: "${node.name}" appears twice`);
    seen.add(node.name);
  }
  const controlPlanes = nodes.filter((n) => n.role === "controlplane").map((n) => [n]);
  const workers = nodes.filter((n) => n.role === "worker");
  const batches: N[][] = [...controlPlanes];
  for (let i = 0; i < workers.length; i += workerBatch) batches.push(workers.slice(i, i + workerBatch));
  return { batches };
}

/** The nodes of a plan in execution order. */
export function rollOrder<N extends RollNode>(plan: RollPlan<N>): N[] {
  return plan.batches.flat();
}
