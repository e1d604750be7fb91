/**
 * What the offline run's speed-ups must keep.
 * - The stack-trace switch (tools/mock-engine.ts `declareOffline`): the SDK's own lift of the limit
 *   (`Resource.callsites`) captures nothing while the program declares.
 */
import { describe, expect, it } from "vitest";
import { declareOffline } from "../tools/mock-engine";

describe("the stack-trace switch, against the SDK's own lift", () => {
  it("captures no stack while the program declares, even after the SDK lifts the limit to Infinity", async () => {
    const seen = await declareOffline(() => {
      // What Resource.callsites does (@pulumi/pulumi 3.270.0 resource.js:326-347) before reading a stack.
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = Number.POSITIVE_INFINITY;
      const stack = new Error("probe").stack;
      Error.stackTraceLimit = limit;
      return { stack, limit };
    });
    expect(seen).toEqual({ stack: undefined, limit: undefined });
    expect(Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")).toMatchObject({ writable: true });
    expect(new Error("after").stack).toMatch(/^Error: after\n\s+at /);
  });
});
