/**
 * Defers the Pulumi SDK's closure serialization until something uses it, in the offline CLIs
 * (`npm run plan`, `npm run bench`). `@pulumi/pulumi` loads it eagerly (`runtime/index.js` re-exports
 * it), and with it TypeScript and npm's arborist: measured, 0.5 s of the 0.67 s that
 * `require("@pulumi/pulumi")` takes, and about half of a fresh `npm run plan`. Only function
 * serialization (dynamic providers, `serializeFunction`) and `computeCodePaths` use them; this program
 * and its tools never do. Import this module before anything loads `@pulumi/pulumi` (the CLIs import it
 * first). It defers only in a process whose entry is one of the tools (`node tools/<tool>.ts`): a test
 * that imports a CLI's module runs the SDK as installed.
 *
 * Each deferred module is a stand-in in Node's module cache: its known exports are functions that load
 * the real module on their first call and forward to it, and any other access loads it at once. Once
 * loaded, the real module replaces the stand-in in the cache. Nothing changes for a real `pulumi up`:
 * its language host has loaded the SDK long before a program runs. The module paths are the SDK's
 * internals: only the version tools/sdk-internals.ts names is deferred (any other loads as installed).
 */
import Module from "node:module";
import { dirname, join } from "node:path";
import type * as CodePaths from "@pulumi/pulumi/runtime/closure/codePaths";
import type * as SerializeClosure from "@pulumi/pulumi/runtime/closure/serializeClosure";
import { SDK_IS_CHECKED } from "./sdk-internals";

/** The names of a module's exported functions. */
type FunctionExports<M> = {
  [K in keyof M]: M[K] extends (...args: never[]) => unknown ? K : never;
}[keyof M] &
  string;

/** Fails to compile unless `Listed` names every exported function of `M` (an SDK upgrade that adds one). */
type Complete<M, Listed extends string> = [FunctionExports<M>] extends [Listed] ? Listed : never;

const SERIALIZE_CLOSURE = ["serializeFunction", "serializeFunctionAsync"] as const;
// findWorkspaceRoot and packageArchivePath are the SDK's internal exports (not in its .d.ts).
const CODE_PATHS = ["computeCodePaths", "findWorkspaceRoot", "packageArchivePath"] as const;

/** The SDK modules to defer (paths inside `@pulumi/pulumi`) and the functions each exports. */
export const DEFERRED: Readonly<Record<string, readonly string[]>> = {
  "runtime/closure/serializeClosure.js": SERIALIZE_CLOSURE satisfies readonly Complete<
    typeof SerializeClosure,
    (typeof SERIALIZE_CLOSURE)[number]
  >[],
  "runtime/closure/codePaths.js": CODE_PATHS satisfies readonly Complete<
    typeof CodePaths,
    (typeof CODE_PATHS)[number]
  >[],
};

type Exports = Record<PropertyKey, unknown>;
/** Node's CommonJS internals this module uses (not in @types/node's `Module`). */
type CjsModule = typeof Module & {
  _cache: Record<string, Module | undefined>;
  _nodeModulePaths(dir: string): string[];
};
const cjs = Module as CjsModule;

/** Marks a module object as a stand-in, so a second `deferModule` of the same file is a no-op. */
const STAND_IN = Symbol.for("hcloud-talos-cilium.defer-sdk.stand-in");

/**
 * Puts a stand-in for the CommonJS module at `file` into the module cache; `functions` are its exported
 * functions. Does nothing when the module is already loaded (or already deferred). Returns whether it
 * installed a stand-in.
 */
export function deferModule(file: string, functions: readonly string[]): boolean {
  if (cjs._cache[file]) return false;
  let real: Exports | undefined;
  const stand = new Module(file);
  const load = (): Exports => {
    if (real) return real;
    delete cjs._cache[file];
    try {
      real = cjs.createRequire(file)(file) as Exports;
    } catch (err) {
      cjs._cache[file] = stand;
      throw err;
    }
    return real;
  };
  const forwards = new Map(
    functions.map((name) => [
      name,
      (...args: unknown[]) => (load()[name] as (...a: unknown[]) => unknown)(...args),
    ]),
  );
  stand.filename = file;
  stand.loaded = true;
  stand.paths = cjs._nodeModulePaths(dirname(file));
  stand.exports = new Proxy({} as Exports, {
    get: (_, key) => {
      if (key === STAND_IN) return true;
      if (key === "__esModule") return true;
      const forward = typeof key === "string" ? forwards.get(key) : undefined;
      return forward ?? load()[key];
    },
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), key);
      return d && { ...d, configurable: true };
    },
  });
  cjs._cache[file] = stand;
  return true;
}

/** Whether the module cache holds a stand-in (not the real module) for `file`. */
export function isDeferred(file: string): boolean {
  return (cjs._cache[file]?.exports as Exports | undefined)?.[STAND_IN] === true;
}

/** Where `@pulumi/pulumi` is installed. */
export const PULUMI_SDK = dirname(cjs.createRequire(__filename).resolve("@pulumi/pulumi/package.json"));

/** Defers every module of {@link DEFERRED} (none under an SDK not checked); returns the files it deferred now. */
export function deferSdk(): string[] {
  if (!SDK_IS_CHECKED) return [];
  return Object.entries(DEFERRED)
    .map(([path, functions]) => ({ file: join(PULUMI_SDK, path), functions }))
    .filter(({ file, functions }) => deferModule(file, functions))
    .map(({ file }) => file);
}

/** Whether the process's entry is one of the offline tools (tools/*.ts), not a test runner. */
export function isToolProcess(main: Module | undefined = require.main): boolean {
  return main !== undefined && dirname(main.filename) === __dirname;
}

if (isToolProcess()) deferSdk();
