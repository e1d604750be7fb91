/**
 * The node roll: its batches (pure) and the component under the mock engine, with stand-in actions:
 * exactly which resource waits for which, the gates' names, parents and arguments, and a roll
 * without gates.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { NodeRoll, planRoll, rollOrder, type RollNode } from "../components/rolling";
import { declareOffline, registration, settle, startEngine, type EngineRecord } from "../tools/mock-engine";
import { deepFreeze, once } from "./shared-state";

const cp = (n: number): RollNode => ({ name: `cp-${n}`, role: "controlplane" });
const w = (n: number): RollNode => ({ name: `w-${n}`, role: "worker" });
const names = (batches: readonly (readonly RollNode[])[]) => batches.map((b) => b.map((n) => n.name));

describe("the batches of a roll", () => {
  const nodes = [cp(1), cp(2), cp(3), w(1), w(2), w(3), w(4), w(5)];

  it("gives every control plane a batch of its own, then the workers one at a time", () => {
    expect(names(planRoll(nodes, { workerBatch: 1 }).batches)).toEqual([
      ["cp-1"],
      ["cp-2"],
      ["cp-3"],
      ["w-1"],
      ["w-2"],
      ["w-3"],
      ["w-4"],
      ["w-5"],
    ]);
  });

  it("batches the workers, the last batch with what is left; control planes stay one at a time", () => {
    expect(names(planRoll(nodes, { workerBatch: 2 }).batches)).toEqual([
      ["cp-1"],
      ["cp-2"],
      ["cp-3"],
      ["w-1", "w-2"],
      ["w-3", "w-4"],
      ["w-5"],
    ]);
    expect(names(planRoll(nodes, { workerBatch: 100 }).batches)).toEqual([
      ["cp-1"],
      ["cp-2"],
      ["cp-3"],
      ["w-1", "w-2", "w-3", "w-4", "w-5"],
    ]);
  });

  it("puts the control planes first whatever order the nodes come in, keeping each role's order", () => {
    const plan = planRoll([w(2), cp(3), w(1), cp(1)], { workerBatch: 1 });
    expect(rollOrder(plan).map((n) => n.name)).toEqual(["cp-3", "cp-1", "w-2", "w-1"]);
  });

  it("plans a cluster without workers, or without nodes", () => {
    expect(names(planRoll([cp(1)], { workerBatch: 3 }).batches)).toEqual([["cp-1"]]);
    expect(planRoll([], { workerBatch: 1 }).batches).toEqual([]);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses a batch size of %s", (workerBatch) => {
    expect(() => planRoll(nodes, { workerBatch })).toThrow(
      `planRoll: workerBatch must be an integer of at least 1, not ${workerBatch}`,
    );
  });

  it("refuses a node named twice", () => {
    expect(() => planRoll([cp(1), w(1), w(1)], { workerBatch: 1 })).toThrow('planRoll: "w-1" appears twice');
  });
});

/** A stand-in action. */
class Step extends pulumi.CustomResource {
  constructor(name: string, opts?: pulumi.CustomResourceOptions) {
    super("test:index:Step", name, { node: name }, opts);
  }
}

afterEach(settle);

describe("the roll component", () => {
  const nodes = [cp(1), cp(2), w(1), w(2), w(3)];

  async function build(gated: boolean): Promise<{ record: EngineRecord; roll: NodeRoll<RollNode, Step> }> {
    const record = await startEngine({ project: "hcloud-talos-cilium", stack: "ci" });
    const roll = await declareOffline(() => {
      const start = new Step("start");
      return new NodeRoll<RollNode, Step>("roll", {
        plan: planRoll(nodes, { workerBatch: 2 }),
        after: [start],
        action: (node, dependsOn) => new Step(`act-${node.name}`, { dependsOn: [...dependsOn] }),
        ...(gated
          ? { gate: (node: RollNode) => ({ create: `check ${node.name}`, environment: { NODE: node.name } }) }
          : {}),
      });
    });
    return { record: deepFreeze(record), roll };
  }
  /** The gated roll, declared once for the two tests that read it. */
  const gatedRoll = once(() => build(true));

  const depsOf = (record: EngineRecord) => {
    const byUrn = new Map(record.resources.map((r) => [r.urn, r.name]));
    return Object.fromEntries(
      record.resources
        .filter((r) => r.name !== "roll" && r.name !== "start")
        .map((r) => [r.name, r.dependsOn.map((u) => byUrn.get(u))]),
    );
  };

  it("runs each node's action after the gates of the batch before, and its gate after its action", async () => {
    const { record } = await gatedRoll();
    expect(depsOf(record)).toEqual({
      "act-cp-1": ["start"],
      "roll-cp-1": ["act-cp-1"],
      "act-cp-2": ["roll-cp-1"],
      "roll-cp-2": ["act-cp-2"],
      "act-w-1": ["roll-cp-2"],
      "act-w-2": ["roll-cp-2"],
      "roll-w-1": ["act-w-1"],
      "roll-w-2": ["act-w-2"],
      "act-w-3": ["roll-w-1", "roll-w-2"],
      "roll-w-3": ["act-w-3"],
    });
  });

  it("declares each gate as its child, a command with the caller's arguments; the actions keep their parent", async () => {
    const { record, roll } = await gatedRoll();
    const component = registration(record, "roll");
    expect(component.type).toBe("hcloud-talos-cilium:rolling:NodeRoll");
    const gates = record.resources.filter((r) => r.type === "command:local:Command");
    expect(gates.map((g) => [g.name, g.parent, g.inputs])).toEqual(
      nodes.map((n) => [
        `roll-${n.name}`,
        component.urn,
        { create: `check ${n.name}`, environment: { NODE: n.name } },
      ]),
    );
    expect(registration(record, "act-cp-1").parent).toBe("");
    const urns = async (rs: readonly pulumi.Resource[]) =>
      Promise.all(rs.map((r) => new Promise((done) => r.urn.apply(done))));
    expect(await urns(roll.actions)).toEqual(nodes.map((n) => registration(record, `act-${n.name}`).urn));
    expect(await urns(roll.gates)).toEqual(nodes.map((n) => registration(record, `roll-${n.name}`).urn));
    expect(await urns(roll.done)).toEqual([registration(record, "roll-w-3").urn]);
  });

  it("without gates, chains the actions themselves", async () => {
    const { record, roll } = await build(false);
    expect(depsOf(record)).toEqual({
      "act-cp-1": ["start"],
      "act-cp-2": ["act-cp-1"],
      "act-w-1": ["act-cp-2"],
      "act-w-2": ["act-cp-2"],
      "act-w-3": ["act-w-1", "act-w-2"],
    });
    expect(roll.gates).toEqual([]);
    expect(roll.done).toEqual([roll.actions[4]]);
  });
});
