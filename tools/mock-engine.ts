/**
 * The offline engine: runs the real program under Pulumi's mock monitor and records every resource
 * registration and invoke exactly as the engine would receive it (type, name, parent, inputs,
 * options such as ignoreChanges and dependsOn, provider version and download URL). Used by the plan
 * command, the benchmark and the tests: one implementation of "what would `pulumi up` declare".
 */
import * as pulumi from "@pulumi/pulumi";
import { mockOutputs } from "./mocks";

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
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): unknown;
  getIgnorechangesList(): string[];
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  getDeletebeforereplace(): boolean;
  getVersion(): string;
  getPlugindownloadurl(): string;
  getProvider(): string;
}

interface InvokeRequest {
  getTok(): string;
  getArgs(): unknown;
  getVersion(): string;
  getPlugindownloadurl(): string;
}

type Callback = (err: unknown, res: unknown) => void;
interface Monitor {
  registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
  invoke(req: InvokeRequest, cb: Callback): Promise<void>;
}

/** Engine wire format → JS, keeping unknowns (preview) and the secret wrappers (so we can see them). */
const deserialize = (x: unknown): Record<string, unknown> =>
  (pulumi.runtime.deserializeProperties as (o: unknown, keepUnknowns?: boolean) => Record<string, unknown>)(
    x,
    true,
  );

/**
 * Installs the mock engine for one program run. Returns the live record; call `settle()` after the
 * program ran so every pending registration has reached it.
 */
export async function startEngine(opts: {
  project: string;
  stack: string;
  preview?: boolean;
  /**
   * Which registrations keep their inputs (decoded when first read); the others throw when read.
   * Keeping a request holds its whole input message until the run ends: measured on a 300-node
   * plan, holding every one made it 9–24% slower in paired runs (the GC copies them).
   * @default every type
   */
  keepInputs?: (type: string) => boolean;
}): Promise<EngineRecord> {
  const record: EngineRecord = { resources: [], invokes: [] };
  // The real engine marks additionalSecretOutputs secret; the mock monitor does not, so we do.
  const secretOutputs = new Map<string, readonly string[]>();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const result = mockOutputs(
          args.type,
          args.name,
          args.inputs as Record<string, unknown>,
          unwrapSecrets(args.inputs) as Record<string, unknown>,
        );
        for (const key of secretOutputs.get(`${args.type}::${args.name}`) ?? []) {
          if (key in result.state) result.state[key] = pulumi.secret(result.state[key]);
        }
        return result;
      },
      call: (args) =>
        mockOutputs(
          args.token,
          "",
          args.inputs as Record<string, unknown>,
          unwrapSecrets(args.inputs) as Record<string, unknown>,
        ).state,
    },
    opts.project,
    opts.stack,
    opts.preview ?? false,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const type = req.getType();
    const name = req.getName();
    secretOutputs.set(`${type}::${name}`, req.getAdditionalsecretoutputsList());
    return register(req, (err, res) => {
      const urn = (res as { getUrn?: () => string } | undefined)?.getUrn?.() ?? "";
      // Inputs are decoded when first read: a plan reads a few types, a test a few resources (decoding
      // every one up front was 5% of a plan).
      const object = (opts.keepInputs?.(type) ?? true) ? req.getObject() : undefined;
      let raw: Record<string, unknown> | undefined;
      const decoded = (): Record<string, unknown> => {
        if (object === undefined) {
          throw new Error(`the inputs of ${type} "${name}" were not kept (startEngine's keepInputs)`);
        }
        return (raw ??= deserialize(object));
      };
      record.resources.push({
        type,
        name,
        urn,
        parent: req.getParent(),
        custom: req.getCustom(),
        get inputs() {
          return unwrapSecrets(decoded()) as Record<string, unknown>;
        },
        get secretInputs() {
          const all = decoded();
          return Object.keys(all).filter((k) => holdsSecret(all[k]));
        },
        ignoreChanges: req.getIgnorechangesList(),
        dependsOn: req.getDependenciesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
        version: req.getVersion(),
        pluginDownloadURL: req.getPlugindownloadurl(),
        provider: req.getProvider(),
      });
      cb(err, res);
    });
  };
  const invoke = monitor.invoke.bind(monitor);
  monitor.invoke = (req, cb) => {
    if (req.getTok() !== "pulumi:pulumi:getResource") {
      record.invokes.push({
        token: req.getTok(),
        inputs: unwrapSecrets(deserialize(req.getArgs())) as Record<string, unknown>,
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

/** A stack-trace limit V8 does not read as a number: no stack is captured (see `declareOffline`). */
const NO_STACK = undefined as unknown as number;

/**
 * Runs `declare` (the program) and waits for it to settle, with stack traces off meanwhile.
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
 * Both come back as soon as the program has settled. An error the program throws keeps its name and
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
  try {
    const result = await declare();
    await settle();
    return result;
  } finally {
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
