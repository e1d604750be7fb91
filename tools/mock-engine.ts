/**
 * The offline engine: runs the real program under the Pulumi SDK's own mock monitor, installed with
 * the SDK's public test API (`pulumi.runtime.setMocks`), and records every resource registration and
 * invoke exactly as the monitor receives it (type, name, parent, inputs, options such as
 * ignoreChanges, dependsOn and protect, provider version and download URL). Each request is recorded
 * and then handed on to the SDK's monitor, which answers it by calling our `Mocks` (tools/mocks).
 * Used by the plan command, the benchmark and the tests: one implementation of "what would
 * `pulumi up` declare".
 */
import * as pulumi from "@pulumi/pulumi";
import type {
  RegisterResourceRequest,
  RegisterResourceResponse,
  ResourceInvokeRequest,
} from "@pulumi/pulumi/proto/resource_pb";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { mockOutputs } from "./mocks";
import { holdsSecret, unwrapSecrets, wireSecret, type State } from "./mocks/types";
import { undecoratedPromises } from "./sdk-internals";

/** Removes the engine's secret wrappers, recursively (kept here for the engine's callers). */
export { unwrapSecrets };

/** A resource registration as the engine saw it. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  /** The URN the monitor answered with ("" until it has answered; `settle()` waits for that). */
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
  /** The `protect` option: `pulumi destroy` and a replacement refuse to delete the resource. */
  readonly protect: boolean;
  readonly version: string;
  readonly pluginDownloadURL: string;
  readonly provider: string;
  /** The `replaceWith` option: the URNs whose replacement replaces this resource too. */
  readonly replaceWith: readonly string[];
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

/** A request's properties as JS, keeping unknowns (preview) and the secret wrappers (so we can see them). */
const deserialize = (
  struct: Parameters<typeof pulumi.runtime.deserializeProperties>[0] | undefined,
): State => (struct ? (pulumi.runtime.deserializeProperties(struct, true) as State) : {});

type Callback = (err: unknown, response: unknown) => void;

/** A registration whose URN is filled in when the monitor answers. */
type Recorded = { -readonly [K in keyof Registration]: Registration[K] };

/** A registration's record, and where its inputs come from until they are first read. */
interface Entry {
  readonly record: Recorded;
  /** Hands the record the inputs as the monitor decoded them for our mocks. */
  received(inputs: State): void;
}

/**
 * The record of one registration request. Its inputs are the request's properties as the SDK's
 * monitor decodes them for `newResource` (runtime/mocks.js, `deserializeProperties(req.getObject())`,
 * which keeps the secret wrappers and, in a preview, the unknowns); the request's protobuf struct is
 * held only until then, and decoded by the engine only if the monitor never called our mocks. Inputs
 * are unwrapped when first read: a plan reads a few types, a test a few resources.
 */
function recordOf(req: RegisterResourceRequest): Entry {
  let struct = req.getObject();
  let wire: State | undefined;
  let plain: State | undefined;
  const inputs = (): State => (wire ??= deserialize(struct));
  const record: Recorded = {
    type: req.getType(),
    name: req.getName(),
    urn: "",
    parent: req.getParent(),
    custom: req.getCustom(),
    get inputs() {
      return (plain ??= unwrapSecrets(inputs()) as State);
    },
    get secretInputs() {
      const all = inputs();
      return Object.keys(all).filter((k) => holdsSecret(all[k]));
    },
    ignoreChanges: req.getIgnorechangesList(),
    dependsOn: req.getDependenciesList(),
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    deleteBeforeReplace: req.getDeletebeforereplace(),
    protect: req.getProtect() ?? false,
    version: req.getVersion(),
    pluginDownloadURL: req.getPlugindownloadurl(),
    provider: req.getProvider(),
    replaceWith: req.getReplaceWithList(),
  };
  return {
    record,
    received: (decoded) => {
      wire ??= decoded;
      struct = undefined;
    },
  };
}

/** Requests handed to the monitor and not yet answered (see `settle`). */
let unanswered = 0;

/**
 * Our `Mocks`: what a provider would answer (tools/mocks). `answering()` is the registration the SDK's
 * monitor is answering right now: it calls `newResource` synchronously inside `registerResource`
 * (runtime/mocks.js, `MockMonitor.registerResource`), and `newResource` does not receive the request's
 * options, of which the real engine applies one to the state: `additionalSecretOutputs` come back
 * secret. The mock monitor does not do that, so we do.
 */
function mocksFor(
  answering: () => { req: RegisterResourceRequest; entry: Entry } | undefined,
): pulumi.runtime.Mocks {
  return {
    newResource: (args) => {
      const inputs = args.inputs as State;
      const result = mockOutputs(args.type, args.name, inputs);
      const current = answering();
      if (current && current.req.getType() === args.type && current.req.getName() === args.name) {
        current.entry.received(inputs);
        const state = result.state;
        for (const key of current.req.getAdditionalsecretoutputsList())
          if (key in state) state[key] = wireSecret(state[key]);
      }
      return result;
    },
    call: (args) => mockOutputs(args.token, "", args.inputs as State).state,
  };
}

/** A callback that also counts the answer (and records the URN it carries, for a registration). */
function answered(callback: Callback, onResponse: (response: unknown) => void = () => undefined): Callback {
  return (err, response) => {
    unanswered--;
    if (response) onResponse(response);
    callback(err, response);
  };
}

/**
 * Installs the mock engine for one program run: `pulumi.runtime.setMocks` with our mocks, and a
 * recorder in front of the monitor it installed (the resource monitor's gRPC methods, which the SDK
 * calls with the protocol's request messages). Returns the live record; call `settle()` after the
 * program ran so every pending registration has reached it.
 */
export async function startEngine(opts: {
  project: string;
  stack: string;
  preview?: boolean;
}): Promise<EngineRecord> {
  const record: EngineRecord = { resources: [], invokes: [] };
  let current: { req: RegisterResourceRequest; entry: Entry } | undefined;
  await pulumi.runtime.setMocks(
    mocksFor(() => current),
    opts.project,
    opts.stack,
    opts.preview ?? false,
  );
  const installed = pulumi.runtime.getMonitor();
  if (!(installed instanceof MockMonitor)) throw new Error("setMocks did not install the SDK's MockMonitor");
  const monitor: MockMonitor = installed;
  unanswered = 0;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: RegisterResourceRequest, callback: Callback) => {
    const entry = recordOf(req);
    record.resources.push(entry.record);
    unanswered++;
    current = { req, entry };
    try {
      return register(
        req,
        answered(callback, (res) => (entry.record.urn = (res as RegisterResourceResponse).getUrn())),
      );
    } finally {
      current = undefined;
    }
  };
  const invoke = monitor.invoke.bind(monitor);
  monitor.invoke = (req: ResourceInvokeRequest, callback: Callback) => {
    if (req.getTok() !== "pulumi:pulumi:getResource") {
      record.invokes.push({
        token: req.getTok(),
        inputs: unwrapSecrets(deserialize(req.getArgs())) as State,
        version: req.getVersion(),
        pluginDownloadURL: req.getPlugindownloadurl(),
      });
    }
    unanswered++;
    return invoke(req, answered(callback));
  };
  return record;
}

/** One turn of the event loop: its check phase runs once the microtask queue is empty. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Waits until every registration and invoke the program started has completed. Offline, all of it is
 * promise work in this process (the SDK's runtime and mock monitor schedule no timers and do no I/O,
 * and neither do our mocks or the program's components), so the program is done when the microtask
 * queue has drained and the monitor has answered every request it was handed.
 */
export async function settle(): Promise<void> {
  do await nextTurn();
  while (unanswered > 0);
}

/** A stack-trace limit V8 does not read as a number: no stack is captured (see `declareOffline`). */
const NO_STACK = undefined as unknown as number;

/**
 * Runs `declare` (the program) and waits for it to settle, with stack traces and the SDK's promise
 * decorations (`undecoratedPromises`) off meanwhile.
 * Why: @pulumi/pulumi wraps every promise in `debuggablePromise`, which records `new Error().stack`
 * (27,652 of them in a 100-node plan), and every resource records its call sites by formatting a full
 * stack (`Resource.callsites`, which lifts `Error.stackTraceLimit` to Infinity itself); under tsx (the tools' loader then) and
 * vitest every formatted frame is source-mapped. Measured on a 100-node plan:
 * - the promise stacks were 80% of it: 2.3 s → 0.35 s with the limit at 0;
 * - a limit that is not a number makes V8 capture nothing and give the error no `stack` at all:
 *   1.9 µs → 0.46 µs per `new Error().stack`, 7–12% of the plan against a limit of 0;
 * - the call sites' formatting was 16% of the CPU left; a formatter that prints only the error's name
 *   and message removes it (the engine's source positions are for diagnostics of a real deployment,
 *   and an offline run has no engine to send them to);
 * - `Resource.callsites` still made V8 capture every frame for each resource (lifting the limit to
 *   Infinity, @pulumi/pulumi 3.270.0 resource.js:326-347), ~80 µs a resource at 30 frames: the limit
 *   is now an accessor that reads "no number" and ignores writes, and V8 reads the limit only as a data
 *   property (`Isolate::GetStackTraceLimit`: `JSReceiver::GetDataProperty`, not a number → no stack;
 *   v8 src/execution/isolate.cc), so nothing is captured. The requests the SDK sends are byte for byte
 *   the same (their stack trace was empty before too: the formatter's one line holds no frame).
 * All of it comes back as soon as the program has settled. An error the program throws keeps its name and
 * message (the plan prints the message). `PLAN_STACK_TRACES=1` keeps the stacks, for debugging a
 * crash inside the program.
 */
export async function declareOffline<T>(declare: () => T | Promise<T>): Promise<T> {
  // One run at a time: the mock engine is the process's one Pulumi runtime, and what is put back at
  // the end is what the run found, so a run started inside or beside another would restore the
  // other's stand-ins for good (files share a worker's modules under vitest).
  if (declaring) throw new Error("declareOffline: another offline run is still declaring; await it first");
  declaring = true;
  try {
    return await declareAlone(declare);
  } finally {
    declaring = false;
  }
}

/** Whether an offline run is declaring now (`declareOffline`). */
let declaring = false;

async function declareAlone<T>(declare: () => T | Promise<T>): Promise<T> {
  const limit = Object.getOwnPropertyDescriptor(Error, "stackTraceLimit");
  const prepare = Error.prepareStackTrace;
  if (!process.env.PLAN_STACK_TRACES) {
    Object.defineProperty(Error, "stackTraceLimit", {
      configurable: true,
      enumerable: limit?.enumerable ?? true,
      get: () => NO_STACK,
      set: () => undefined,
    });
    Error.prepareStackTrace = (err: Error) => `${err.name}: ${err.message}`;
  }
  const restorePromises = undecoratedPromises();
  try {
    const result = await declare();
    await settle();
    return result;
  } finally {
    restorePromises();
    if (limit) Object.defineProperty(Error, "stackTraceLimit", limit);
    else delete (Error as { stackTraceLimit?: number }).stackTraceLimit;
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
