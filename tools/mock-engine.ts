/**
 * The offline engine: runs the real program under Pulumi's mock monitor and records every resource
 * registration and invoke exactly as the engine would receive it (type, name, parent, inputs,
 * options such as ignoreChanges and dependsOn, provider version and download URL). Used by the plan
 * command, the benchmark and the tests: one implementation of "what would `pulumi up` declare".
 */
import Module from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { mockOutputs } from "./mocks";
import { wireSecret, type State } from "./mocks/types";

/** A resource registration as the engine saw it. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** The parent's URN, or "" for a root resource. */
  readonly parent: string;
  readonly custom: boolean;
  /** Inputs with secrets unwrapped (`secretInputs` says which were secret). */
  readonly inputs: Record<string, unknown>;
  /** Top-level input names that arrived as secrets. */
  readonly secretInputs: readonly string[];
  readonly ignoreChanges: readonly string[];
  readonly dependsOn: readonly string[];
  readonly additionalSecretOutputs: readonly string[];
  readonly deleteBeforeReplace: boolean;
  /** Pulumi `protect`: the engine refuses to delete or replace the resource. */
  readonly protect: boolean;
  readonly version: string;
  readonly pluginDownloadURL: string;
  readonly provider: string;
}

/** An invoke (provider function call) as the engine saw it. */
export interface InvokeRecord {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
  readonly version: string;
  readonly pluginDownloadURL: string;
}

/** What one run of the program declared. */
export interface EngineRecord {
  readonly resources: Registration[];
  readonly invokes: InvokeRecord[];
}

function isSecretValue(v: unknown): v is { value: unknown } {
  return (
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig
  );
}

/** Removes the engine's secret wrappers, recursively. */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretValue(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** Whether a value holds a secret anywhere inside it. */
function holdsSecret(value: unknown): boolean {
  if (isSecretValue(value)) return true;
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (typeof value === "object" && value !== null) return Object.values(value).some(holdsSecret);
  return false;
}

interface RegisterRequest {
  getTransformsList(): unknown[];
  getObject(): { toJavaScript(): State };
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getIgnorechangesList(): string[];
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getDeletebeforereplace(): boolean;
  getProtect(): boolean | undefined;
  getVersion(): string;
  getPlugindownloadurl(): string;
  getProvider(): string;
}

interface InvokeRequest {
  getTok(): string;
  getArgs(): { toJavaScript(): State };
  getVersion(): string;
  getPlugindownloadurl(): string;
}

/** What the SDK reads of a registration's answer (`RegisterResourceResponse`). */
interface RegisterResponse {
  getUrn(): string;
  getId(): string;
  getObject(): { toJavaScript(): State };
  getPropertydependenciesMap(): undefined;
  /** `Result.SUCCESS`. */
  getResult(): 0;
  getUnknown(): boolean;
}

type Callback = (err: unknown, res: unknown) => void;
/** The SDK's `MockMonitor`, as far as the engine uses it. */
interface Monitor {
  readonly resources: Map<string, { urn: string; id: string | null; state: State }>;
  newUrn(parent: string, type: string, name: string): string;
  registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
  invoke(req: InvokeRequest, cb: Callback): Promise<void>;
}

/** Engine wire format → JS, keeping unknowns (preview) and the secret wrappers (so we can see them). */
const deserialize = (wire: State): State =>
  (pulumi.runtime.deserializeProperties as (o: unknown, keepUnknowns?: boolean) => State)(
    { toJavaScript: () => wire },
    true,
  );

/**
 * Answers one registration as the engine would: the URN, the provider's ID and the state (the inputs
 * echoed as they arrived, plus what the provider computes, `additionalSecretOutputs` marked secret),
 * and records it. The SDK's mock monitor does the same through a second protobuf message and two
 * (de)serialization passes per resource; answering with the wire-format state directly made a
 * 100-node plan 17–20% faster (wall and CPU time, paired runs).
 */
function answerRegistration(monitor: Monitor, req: RegisterRequest, record: EngineRecord): RegisterResponse {
  const type = req.getType();
  const name = req.getName();
  const wire = req.getObject().toJavaScript();
  const result = mockOutputs(type, name, wire, unwrapSecrets(wire) as State);
  const state = result.state;
  // The real engine marks additionalSecretOutputs secret; the mock monitor does not, so we do.
  const secretOutputs = req.getAdditionalsecretoutputsList();
  for (const key of secretOutputs) if (key in state) state[key] = wireSecret(state[key]);
  const urn = monitor.newUrn(req.getParent(), type, name);
  // The SDK's monitor reads this map for registerResourceOutputs and `pulumi:pulumi:getResource`.
  monitor.resources.set(urn, { urn, id: result.id ?? null, state });
  // Inputs are decoded when first read: a plan reads a few types, a test a few resources.
  let decoded: State | undefined;
  const inputs = (): State => (decoded ??= deserialize(wire));
  record.resources.push({
    type,
    name,
    urn,
    parent: req.getParent(),
    custom: req.getCustom(),
    get inputs() {
      return unwrapSecrets(inputs()) as State;
    },
    get secretInputs() {
      const all = inputs();
      return Object.keys(all).filter((k) => holdsSecret(all[k]));
    },
    ignoreChanges: req.getIgnorechangesList(),
    dependsOn: req.getDependenciesList(),
    additionalSecretOutputs: secretOutputs,
    deleteBeforeReplace: req.getDeletebeforereplace(),
    protect: req.getProtect() ?? false,
    version: req.getVersion(),
    pluginDownloadURL: req.getPlugindownloadurl(),
    provider: req.getProvider(),
  });
  const id = result.id ?? "";
  return {
    getUrn: () => urn,
    getId: () => id,
    getObject: () => ({ toJavaScript: () => state }),
    getPropertydependenciesMap: () => undefined,
    getResult: () => 0,
    getUnknown: () => false,
  };
}

/**
 * Installs the mock engine for one program run. Returns the live record; call `settle()` after the
 * program ran so every pending registration has reached it.
 */
export async function startEngine(opts: {
  project: string;
  stack: string;
  preview?: boolean;
}): Promise<EngineRecord> {
  const record: EngineRecord = { resources: [], invokes: [] };
  await pulumi.runtime.setMocks(
    {
      // Registrations are answered by `answerRegistration` below; the SDK's mock monitor still calls
      // this for reads (a StackReference).
      newResource: (args) => {
        const inputs = args.inputs as State;
        return mockOutputs(args.type, args.name, inputs, unwrapSecrets(inputs) as State);
      },
      call: (args) => {
        const inputs = args.inputs as State;
        return mockOutputs(args.token, "", inputs, unwrapSecrets(inputs) as State).state;
      },
    },
    opts.project,
    opts.stack,
    opts.preview ?? false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    // Transforms are the SDK mock monitor's business (the program declares none).
    if (req.getTransformsList().length > 0) return register(req, cb);
    try {
      cb(null, answerRegistration(monitor, req, record));
    } catch (err) {
      cb(err, undefined);
    }
    return Promise.resolve();
  };
  const invoke = monitor.invoke.bind(monitor);
  monitor.invoke = (req, cb) => {
    if (req.getTok() !== "pulumi:pulumi:getResource") {
      record.invokes.push({
        token: req.getTok(),
        inputs: unwrapSecrets(deserialize(req.getArgs().toJavaScript())) as State,
        version: req.getVersion(),
        pluginDownloadURL: req.getPlugindownloadurl(),
      });
    }
    return invoke(req, cb);
  };
  return record;
}

/** Waits until every registration and invoke the program started has completed. */
export async function settle(): Promise<void> {
  const wait = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;
  if (wait) await wait();
  // Outputs resolve in later turns and may start more registrations: drain until quiet.
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    if (wait) await wait();
  }
}

/** The SDK's promise helper (`runtime/debuggable.js`, internal), as far as the engine uses it. */
interface Debuggable {
  debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
  readonly debugPromiseLeaks: boolean;
}
/** The SDK's runtime state (`runtime/state.js`, internal): the promises its leak report watches. */
interface RuntimeState {
  getStore(): { leakCandidates: Set<Promise<unknown>> };
}
const sdk = Module.createRequire(__filename);
const debuggable = sdk("@pulumi/pulumi/runtime/debuggable") as Debuggable;
const runtimeState = sdk("@pulumi/pulumi/runtime/state") as RuntimeState;

/**
 * The SDK's `debuggablePromise` without its debug decorations. The SDK wraps every promise it makes:
 * it registers the promise with its leak report (printed at exit, failing the run, when a promise never
 * settled: a program that would hang `pulumi up`), chains a `then` and a `catch` that unregister it,
 * and decorates it with an id, a label and a captured stack. Only PULUMI_DEBUG_PROMISE_LEAKS reads
 * the decorations, and offline the stack is empty anyway (`declareOffline`). This keeps the leak
 * report and the chain as they are (the same microtask timing, so registrations arrive in the same
 * order) and drops the decorations: 15–17% of a 100-node plan's wall time, in interleaved
 * runs in one process. With PULUMI_DEBUG_PROMISE_LEAKS or PLAN_STACK_TRACES set, the SDK's own
 * helper stays. Returns what puts the SDK's helper back.
 */
export function undecoratedPromises(): () => void {
  if (debuggable.debugPromiseLeaks || process.env.PLAN_STACK_TRACES) return () => undefined;
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

/** A stack-trace limit V8 does not read as a number: no stack is captured (see `declareOffline`). */
const NO_STACK = undefined as unknown as number;

/**
 * Runs `declare` (the program) and waits for it to settle, with stack traces and the SDK's promise
 * decorations (`undecoratedPromises`) off meanwhile.
 * Why: @pulumi/pulumi wraps every promise in `debuggablePromise`, which records `new Error().stack`
 * (27,652 of them in a 100-node plan), and every resource records its call sites by formatting a full
 * stack (`Resource.callsites`, which lifts `Error.stackTraceLimit` to Infinity itself); under tsx and
 * vitest every formatted frame is source-mapped. Measured on a 100-node plan:
 * - the promise stacks were 80% of it: 2.3 s → 0.35 s with the limit at 0;
 * - a limit that is not a number makes V8 capture nothing and give the error no `stack` at all:
 *   1.9 µs → 0.46 µs per `new Error().stack`, 7–12% of the plan against a limit of 0;
 * - the call sites' formatting was 16% of the CPU left; a formatter that prints only the error's name
 *   and message removes it (the engine's source positions are for diagnostics of a real deployment,
 *   and an offline run has no engine to send them to).
 * All of it comes back as soon as the program has settled. An error the program throws keeps its name and
 * message (the plan prints the message). `PLAN_STACK_TRACES=1` keeps the stacks, for debugging a
 * crash inside the program.
 */
export async function declareOffline<T>(declare: () => T | Promise<T>): Promise<T> {
  const limit = Error.stackTraceLimit;
  const prepare = Error.prepareStackTrace;
  if (!process.env.PLAN_STACK_TRACES) {
    Error.stackTraceLimit = NO_STACK;
    Error.prepareStackTrace = (err: Error) => `${err.name}: ${err.message}`;
  }
  const restorePromises = undecoratedPromises();
  try {
    const result = await declare();
    await settle();
    return result;
  } finally {
    restorePromises();
    Error.stackTraceLimit = limit;
    Error.prepareStackTrace = prepare;
  }
}

/** The registration of the resource named `name`; throws naming what was registered when there is none. */
export function registration(record: EngineRecord, name: string): Registration {
  const found = record.resources.find((r) => r.name === name);
  if (!found)
    throw new Error(`no resource named ${name}; have ${record.resources.map((r) => r.name).join(", ")}`);
  return found;
}

/** Every registration of a type, in registration order. */
export function registrationsOf(record: EngineRecord, type: string): Registration[] {
  return record.resources.filter((r) => r.type === type);
}
