/**
 * Where the offline tools touch the Pulumi SDK's internals: the promise helper
 * (`runtime/debuggable.js`) and the runtime state (`runtime/state.js`), neither of them in the SDK's
 * declarations. (Besides these, tools/mock-engine.ts uses the SDK's `MockMonitor`, a deep import of
 * `runtime/mocks` that the public runtime does not export: its gRPC methods, and its synchronous call
 * of the mocks' `newResource`; tools/defer-sdk.ts stands in for two of its modules.) They were read in, and are used only with, the SDK version `SDK_CHECKED` names:
 * package.json pins exactly that version, test/sdk-pin.test.ts fails on any other, and with any other
 * installed (a manual `npm install`) nothing here touches the SDK, so the plan is right, only slower.
 */
import Module from "node:module";

/** The `@pulumi/pulumi` version whose internals this file (and tools/defer-sdk.ts) was checked against. */
export const SDK_CHECKED = "3.270.0";

const sdk = Module.createRequire(__filename);

/** The installed `@pulumi/pulumi` version. */
export const SDK_INSTALLED = (sdk("@pulumi/pulumi/package.json") as { version: string }).version;

/** Whether the installed SDK is the one checked: only then are its internals used. */
export const SDK_IS_CHECKED = SDK_INSTALLED === SDK_CHECKED;

/** The SDK's promise helper (`runtime/debuggable.js`, internal), as far as the engine uses it. */
interface Debuggable {
  debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
  readonly debugPromiseLeaks: boolean;
}
/** The SDK's runtime state (`runtime/state.js`, internal): the promises its leak report watches. */
interface RuntimeState {
  getStore(): { leakCandidates: Set<Promise<unknown>> };
}

/**
 * The SDK's `debuggablePromise` without its debug decorations. The SDK wraps every promise it makes:
 * it registers the promise with its leak report (printed at exit, failing the run, when a promise never
 * settled: a program that would hang `pulumi up`), chains a `then` and a `catch` that unregister it,
 * and decorates it with an id, a label and a captured stack (@pulumi/pulumi 3.270.0,
 * runtime/debuggable.js, `debuggablePromise`). Only PULUMI_DEBUG_PROMISE_LEAKS reads the decorations,
 * and offline the stack is empty anyway (`declareOffline`). This keeps the leak report and the chain as
 * they are (the same microtask timing, so registrations arrive in the same order) and drops the
 * decorations. With PULUMI_DEBUG_PROMISE_LEAKS or PLAN_STACK_TRACES set, or another SDK version
 * installed, the SDK's own helper stays. Returns what puts the SDK's helper back.
 */
export function undecoratedPromises(): () => void {
  if (!SDK_IS_CHECKED || process.env.PLAN_STACK_TRACES) return () => undefined;
  const debuggable = sdk("@pulumi/pulumi/runtime/debuggable") as Debuggable;
  if (debuggable.debugPromiseLeaks) return () => undefined;
  const runtimeState = sdk("@pulumi/pulumi/runtime/state") as RuntimeState;
  const original = debuggable.debuggablePromise;
  // The SDK schedules its leak report on the first call of its own helper: make sure it is scheduled.
  void original(Promise.resolve(), "offline engine");
  debuggable.debuggablePromise = <T>(p: Promise<T>): Promise<T> => {
    const watched = runtimeState.getStore().leakCandidates;
    watched.add(p);
    return p
      .then((value) => {
        watched.delete(p);
        return value;
      })
      .catch((err: unknown) => {
        watched.delete(p);
        (err as { promise?: unknown }).promise = p;
        throw err;
      });
  };
  return () => {
    debuggable.debuggablePromise = original;
  };
}
