/**
 * The offline engine's two cost switches. The stack-trace switch (`declareOffline`): stack traces are
 * off while the program declares (the SDK formats one per promise and per resource, the bulk of a
 * plan's time when they are on) and back once it has settled, also when the program throws;
 * `PLAN_STACK_TRACES=1` keeps them. And `keepInputs`: only the registrations a caller reads keep
 * their inputs; reading another's fails, naming it.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { declareOffline, registration, startEngine } from "../tools/mock-engine";

/** What a fresh error's stack reads right now ("none" when it has none). */
const stackNow = (): string => new Error("probe").stack ?? "none";

afterEach(() => {
  delete process.env.PLAN_STACK_TRACES;
});

describe("declareOffline", () => {
  it("captures no stack while the program declares, and formats no frame when the SDK lifts the limit", async () => {
    const seen = await declareOffline(() => {
      const inside = stackNow();
      // Resource.callsites sets the limit to Infinity before reading a stack.
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = Number.POSITIVE_INFINITY;
      const lifted = stackNow();
      Error.stackTraceLimit = limit;
      return { inside, lifted, limit: typeof limit };
    });
    expect(seen).toEqual({ inside: "none", lifted: "Error: probe", limit: "undefined" });
  });

  it("gives the stack traces back once the program has settled", async () => {
    const before = { limit: Error.stackTraceLimit, prepare: Error.prepareStackTrace };
    await declareOffline(() => undefined);
    expect({ limit: Error.stackTraceLimit, prepare: Error.prepareStackTrace }).toEqual(before);
    expect(stackNow()).toMatch(/^Error: probe\n\s+at /);
  });

  it("gives them back when the program throws, and the error keeps its name and message", async () => {
    const before = Error.stackTraceLimit;
    const failed = await declareOffline(() => {
      throw new TypeError("bad config");
    }).catch((err: unknown) => err as Error);
    expect(failed).toBeInstanceOf(TypeError);
    expect(String(failed)).toBe("TypeError: bad config");
    expect(Error.stackTraceLimit).toBe(before);
    expect(stackNow()).toMatch(/\n\s+at /);
  });

  it("keeps them with PLAN_STACK_TRACES=1, for debugging a crash inside the program", async () => {
    process.env.PLAN_STACK_TRACES = "1";
    const inside = await declareOffline(stackNow);
    expect(inside).toMatch(/^Error: probe\n\s+at /);
  });
});

/** A custom resource of any type (the SDK's class is abstract). */
class Probe extends pulumi.CustomResource {
  constructor(type: string, name: string, inputs: pulumi.Inputs) {
    super(type, name, inputs);
  }
}

describe("startEngine keepInputs", () => {
  it("keeps the inputs of the types asked for, and refuses to read the others, naming the resource", async () => {
    const record = await startEngine({
      project: "p",
      stack: "s",
      keepInputs: (type) => type === "test:index:Kept",
    });
    await declareOffline(() => {
      new Probe("test:index:Kept", "kept", { size: 3, secret: pulumi.secret("x") });
      new Probe("test:index:Dropped", "dropped", { size: 4 });
    });
    const kept = registration(record, "kept");
    expect([kept.inputs, kept.secretInputs]).toEqual([{ size: 3, secret: "x" }, ["secret"]]);
    const dropped = registration(record, "dropped");
    expect(dropped.type).toBe("test:index:Dropped");
    expect(() => dropped.inputs).toThrow(
      'the inputs of test:index:Dropped "dropped" were not kept (startEngine\'s keepInputs)',
    );
    expect(() => dropped.secretInputs).toThrow("were not kept");
  });

  it("keeps every registration's inputs by default", async () => {
    const record = await startEngine({ project: "p", stack: "s" });
    await declareOffline(() => new Probe("test:index:Any", "any", { size: 5 }));
    expect(registration(record, "any").inputs).toEqual({ size: 5 });
  });
});
