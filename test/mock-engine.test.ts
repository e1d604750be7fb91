/**
 * The offline run's stack-trace switch (`declareOffline`): stack traces are off while the program
 * declares (the SDK formats one per promise and per resource, the bulk of a plan's time when they are
 * on) and back once it has settled, also when the program throws; `PLAN_STACK_TRACES=1` keeps them.
 */
import { afterEach, describe, expect, it } from "vitest";
import { declareOffline } from "../tools/mock-engine";

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
