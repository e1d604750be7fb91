/**
 * The offline engine. The stack-trace switch (`declareOffline`): stack traces are off while the
 * program declares (the SDK formats one per promise and per resource, the bulk of a plan's time when
 * they are on) and back once it has settled, also when the program throws; `PLAN_STACK_TRACES=1`
 * keeps them; the SDK's promise helper loses its debug decorations meanwhile, never its leak report.
 * And the engine itself: the SDK's own mock monitor (`setMocks`) answers every request with our
 * mocks, and the engine records each request as the monitor received it: the outputs, URN, ID and
 * secrets a program sees, the record the plan and the tests read, and `settle` waiting for all of it.
 */
import Module from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { declareOffline, registration, settle, startEngine } from "../tools/mock-engine";
import { numericId } from "../tools/mocks";
import { valueOf } from "./helpers";

/** What a fresh error's stack reads right now ("none" when it has none). */
const stackNow = (): string => new Error("probe").stack ?? "none";

afterEach(() => {
  delete process.env.PLAN_STACK_TRACES;
});

describe("declareOffline", () => {
  it("refuses a second run while one is declaring, and the first still puts everything back", async () => {
    const before = Object.getOwnPropertyDescriptor(Error, "stackTraceLimit");
    let release: () => void = () => undefined;
    const first = declareOffline(() => new Promise<string>((resolve) => (release = () => resolve("first"))));
    await expect(declareOffline(() => "second")).rejects.toThrow(
      "declareOffline: another offline run is still declaring; await it first",
    );
    release();
    await expect(first).resolves.toBe("first");
    expect(Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")).toEqual(before);
    expect(stackNow()).toContain("probe");
    // And a run after it is accepted again.
    await expect(declareOffline(() => "third")).resolves.toBe("third");
  });

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
    expect(seen).toEqual({ inside: "none", lifted: "none", limit: "undefined" });
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
  declare readonly size: pulumi.Output<number>;
  declare readonly secret: pulumi.Output<string>;
  declare readonly ipv4Address: pulumi.Output<string>;
  constructor(type: string, name: string, inputs: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(type, name, inputs, opts);
  }
}

/** An output's value and whether it is secret. */
const seen = async <T>(output: pulumi.Output<T>) => ({
  value: await valueOf(output),
  secret: await pulumi.isSecret(output),
});

/** The SDK's internal promise helper and leak report (runtime/debuggable.js). */
const debuggable = Module.createRequire(__filename)("@pulumi/pulumi/runtime/debuggable") as {
  debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T>;
  leakedPromises(): [Set<Promise<unknown>>, string];
};
/** What the SDK's helper does to a promise: its decorations, and whether its leak report watches it. */
type Wrapped = Promise<unknown> & { _debugCtx?: unknown; _debugId?: unknown };

describe("declareOffline and the SDK's promise helper", () => {
  it("drops the decorations but watches every pending promise for the leak report", async () => {
    const sdkHelper = debuggable.debuggablePromise;
    const pending = new Promise<never>(() => undefined) as Wrapped;
    let settled = Promise.resolve() as Wrapped;
    await declareOffline(() => {
      void debuggable.debuggablePromise(pending, "never settles");
      settled = Promise.resolve(1) as Wrapped;
      return debuggable.debuggablePromise(settled, "settles");
    });
    expect([pending._debugCtx, pending._debugId, settled._debugCtx]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    const [leaked, message] = debuggable.leakedPromises();
    expect([leaked.has(pending), leaked.has(settled)]).toEqual([true, false]);
    expect(message).toMatch(/^The Pulumi runtime detected that \d+ promises? (was|were) still active/);
    expect(debuggable.debuggablePromise).toBe(sdkHelper);
  });

  it("passes a rejection on with the promise it came from, as the SDK's helper does", async () => {
    const failing = Promise.reject(new Error("provider failed"));
    const err = await declareOffline(() => debuggable.debuggablePromise(failing, "fails")).catch(
      (e: unknown) => e as Error & { promise?: unknown },
    );
    expect([String(err), err.promise === failing]).toEqual(["Error: provider failed", true]);
    expect(debuggable.leakedPromises()[0].has(failing)).toBe(false);
  });

  it("keeps the SDK's own helper, decorations and all, with PLAN_STACK_TRACES=1", async () => {
    process.env.PLAN_STACK_TRACES = "1";
    const p = Promise.resolve() as Wrapped;
    await declareOffline(() => debuggable.debuggablePromise(p, "decorated"));
    expect(p._debugCtx).toBe("decorated");
  });
});

describe("startEngine's answer to a registration, through the SDK's mock monitor", () => {
  const SERVER = "hcloud:index/server:Server";

  it("resolves the outputs to the inputs echoed plus the mock's computed ones, under the engine's URN and ID", async () => {
    const record = await startEngine({ project: "p", stack: "s" });
    const server = await declareOffline(
      () =>
        new Probe(SERVER, "web", {
          size: 3,
          secret: pulumi.secret("x"),
          ipv4Address: undefined,
          networks: [{ networkId: 7, ip: "10.0.1.5" }],
        }),
    );
    expect({
      urn: await valueOf(server.urn),
      id: await valueOf(server.id),
      size: await seen(server.size),
      secret: await seen(server.secret),
    }).toEqual({
      urn: "urn:pulumi:s::p::hcloud:index/server:Server::web",
      id: numericId(`${SERVER}/web`),
      size: { value: 3, secret: false },
      secret: { value: "x", secret: true },
    });
    expect(await valueOf(server.ipv4Address)).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const recorded = registration(record, "web");
    expect([recorded.inputs, recorded.secretInputs]).toEqual([
      { size: 3, secret: "x", networks: [{ networkId: 7, ip: "10.0.1.5" }] },
      ["secret"],
    ]);
  });

  it("marks additionalSecretOutputs secret, as the engine does, and qualifies a child's URN with its parent's type", async () => {
    const record = await startEngine({ project: "p", stack: "s" });
    const probe = await declareOffline(() => {
      const parent = new pulumi.ComponentResource("test:index:Group", "group");
      return new Probe("test:index:Any", "child", { size: 4 }, { parent, additionalSecretOutputs: ["size"] });
    });
    expect(await seen(probe.size)).toEqual({ value: 4, secret: true });
    expect(registration(record, "child")).toMatchObject({
      urn: "urn:pulumi:s::p::test:index:Group$test:index:Any::child",
      parent: "urn:pulumi:s::p::test:index:Group::group",
      additionalSecretOutputs: ["size"],
    });
  });

  it("answers a lookup by URN (pulumi:pulumi:getResource) with the registered state", async () => {
    await startEngine({ project: "p", stack: "s" });
    const again = await declareOffline(async () => {
      const first = new Probe("test:index:Any", "first", { size: 5, secret: pulumi.secret("y") });
      const urn = await valueOf(first.urn);
      return new Probe("test:index:Any", "first", { size: undefined, secret: undefined }, { urn });
    });
    expect({ size: await seen(again.size), secret: await seen(again.secret) }).toEqual({
      size: { value: 5, secret: false },
      secret: { value: "y", secret: true },
    });
  });
});

describe("startEngine's record", () => {
  it("is what the SDK's own mock monitor received and answered: options, protect and the URN it gave", async () => {
    const record = await startEngine({ project: "p", stack: "s" });
    const monitor = pulumi.runtime.getMonitor();
    await declareOffline(() => {
      const first = new Probe("test:index:Any", "first", { size: 1 });
      return new Probe(
        "test:index:Any",
        "second",
        { size: 2 },
        { protect: true, dependsOn: [first], ignoreChanges: ["size"], deleteBeforeReplace: true },
      );
    });
    if (!(monitor instanceof MockMonitor)) throw new Error("setMocks did not install the SDK's MockMonitor");
    const answered = monitor.resources.get("urn:pulumi:s::p::test:index:Any::second");
    expect(answered && { id: answered.id, size: answered.state.size }).toEqual({ id: "second-id", size: 2 });
    expect(registration(record, "second")).toMatchObject({
      urn: "urn:pulumi:s::p::test:index:Any::second",
      custom: true,
      protect: true,
      dependsOn: ["urn:pulumi:s::p::test:index:Any::first"],
      ignoreChanges: ["size"],
      deleteBeforeReplace: true,
    });
    expect(registration(record, "first")).toMatchObject({
      protect: false,
      dependsOn: [],
      deleteBeforeReplace: false,
    });
  });

  it("records invokes with their inputs unwrapped, and not the SDK's own lookups", async () => {
    const record = await startEngine({ project: "p", stack: "s" });
    const result = await declareOffline(() =>
      pulumi.runtime.invoke(
        "hcloud:index/getImage:getImage",
        { withArchitecture: "arm", token: pulumi.secret("t") },
        { version: "1.2.3" },
      ),
    );
    expect(result).toMatchObject({ architecture: "arm", type: "snapshot" });
    expect(record.invokes).toEqual([
      {
        token: "hcloud:index/getImage:getImage",
        inputs: { withArchitecture: "arm", token: "t" },
        version: "1.2.3",
        pluginDownloadURL: "",
      },
    ]);
  });
});

describe("settle", () => {
  it("waits for every registration of a chain, each waiting for the one before it to be answered", async () => {
    const record = await startEngine({ project: "p", stack: "s" });
    let previous = new Probe("test:index:Any", "link-0", { size: 0 });
    for (let i = 1; i <= 6; i++)
      previous = new Probe("test:index:Any", `link-${i}`, { size: previous.size, after: previous.urn });
    expect(record.resources.length).toBe(0);
    await settle();
    const urn = (i: number) => `urn:pulumi:s::p::test:index:Any::link-${i}`;
    expect(record.resources.map((r) => [r.name, r.urn, r.inputs.after])).toEqual(
      [0, 1, 2, 3, 4, 5, 6].map((i) => [`link-${i}`, urn(i), i === 0 ? undefined : urn(i - 1)]),
    );
  });
});
