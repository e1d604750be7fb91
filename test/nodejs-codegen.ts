/**
 * The names a Pulumi-generated Node.js SDK exports, derived from its package schema by the rules of
 * Pulumi's Node.js code generator. Used to check that the Talos binding is a true import swap away
 * from `@pulumiverse/talos` (test/talos-provider.test.ts). Each rule cites pulumi/pulumi at commit
 * 1b5949891b3cefcb9974752b24a5ecef0acc86c8 (v3.259.0):
 *
 * - The module of a token `pkg:mod:member` is the first capture of the schema's `meta.moduleFormat`
 *   matched against `mod` (default `(.*)`); "index" and `pulumi:providers` mean the root
 *   (pkg/codegen/schema/schema.go:954, 966-988 `TokenToModule`).
 * - A module's folder, and the name its parent exports it under, is that module lower-cased
 *   (pkg/codegen/nodejs/gen.go:2064 `modDir := strings.ToLower(mod.mod)`, 2221-2230 `getChildMod`,
 *   2303-2320 the sub-module exports, 2401-2409 `submoduleImportIdentifier`).
 * - A resource exports its class `UppercaseFirst(member)` (gen.go:245-249 `tokenToName`), `<Class>Args`
 *   (gen.go:789) and `<Class>State` when the schema gives state inputs (gen.go:679); the provider is
 *   `Provider` at the root (gen.go:251-256).
 * - A function that is not a resource method (gen.go:2882-2886 skips `IsMethod`; schema/bind.go:2061
 *   marks the functions a resource's `methods` name) exports `camel(UppercaseFirst(member))` when it is
 *   plain (the default: bind.go:2534-2537) and `<name>Output` when it returns a value (gen.go:1294-1301,
 *   1441-1452; schema.go:585-591 `NeedsOutputVersion`), plus the interfaces `<Name>Args`,
 *   `<Name>Result` (an `outputs` object is an inline result: bind.go:2508-2518) and `<Name>OutputArgs`
 *   when it has inputs (gen.go:1390-1434). `camel` lower-cases the leading capitals
 *   (pkg/codegen/cgstrings/cgstrings.go:32-58 `Camel`, `UppercaseFirst`).
 * - The root also exports the `config` module when the schema has config, and `types` when it has
 *   object types (gen.go:2842-2846, 2924-2944); their members are not derived here.
 *
 * Checked against the generated SDK itself: pulumiverse/pulumi-talos tag v0.8.1 (commit
 * 1b5d2525bc890eb0eaf2cbf7e61fa7f9cbe2313f), sdk/nodejs/index.ts and sdk/nodejs/{client,cluster,
 * imagefactory,machine}/index.ts export exactly the names this derives (see the test).
 */

/** The parts of a Pulumi package schema the rules read. */
export interface PackageSchema {
  readonly meta?: { readonly moduleFormat?: string };
  readonly config?: { readonly variables?: Record<string, unknown> };
  readonly types?: Record<string, unknown>;
  readonly provider?: { readonly methods?: Record<string, string> };
  readonly resources: Record<
    string,
    { readonly stateInputs?: unknown; readonly methods?: Record<string, string> }
  >;
  readonly functions: Record<
    string,
    {
      readonly inputs?: { readonly properties?: Record<string, unknown> };
      readonly outputs?: unknown;
      readonly returnType?: unknown;
    }
  >;
}

/** What one module of the generated SDK exports. */
export interface GeneratedModule {
  /** Classes and functions: the names that exist at run time. */
  readonly values: ReadonlySet<string>;
  /** Interfaces. */
  readonly types: ReadonlySet<string>;
  /** The schema token behind each value name. */
  readonly tokens: ReadonlyMap<string, string>;
}

/** The generated SDK: the root's sub-modules by export name; `undefined` for one whose members are not derived. */
export interface GeneratedPackage {
  readonly root: GeneratedModule;
  readonly modules: ReadonlyMap<string, GeneratedModule | undefined>;
}

const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** cgstrings.Camel: lower-cases every character before the first lower-case letter. */
export function camel(s: string): string {
  if (s.includes("-")) throw new Error(`camel: hyphenated names are not derived here: ${s}`);
  const chars = [...s];
  const lower = chars.findIndex((ch) => ch !== ch.toUpperCase());
  if (lower < 0) return s.toLowerCase();
  return chars.slice(0, lower).join("").toLowerCase() + chars.slice(lower).join("");
}

/** The module of a token, as `TokenToModule` computes it ("" for the root). */
export function moduleOfToken(token: string, moduleFormat = "(.*)"): string {
  const parts = token.split(":");
  if (parts.length !== 3) return "";
  const [pkg, mod] = parts as [string, string, string];
  if (pkg === "pulumi" && (mod === "pulumi" || mod === "providers")) return "";
  const match = new RegExp(moduleFormat).exec(mod);
  if (!match || match[1] === undefined || match[1] === "index") return "";
  return match[1];
}

/** The member part of a token. */
const memberOf = (token: string): string => token.split(":")[2] ?? "";

interface Builder {
  values: Set<string>;
  types: Set<string>;
  tokens: Map<string, string>;
}

/** Every name the Node.js SDK generated from `schema` exports, by module. */
export function generatedNames(schema: PackageSchema): GeneratedPackage {
  const format = schema.meta?.moduleFormat;
  const builders = new Map<string, Builder>();
  const moduleFor = (token: string): Builder => {
    const name = moduleOfToken(token, format).toLowerCase();
    let b = builders.get(name);
    if (!b) builders.set(name, (b = { values: new Set(), types: new Set(), tokens: new Map() }));
    return b;
  };
  const root = moduleFor("pulumi:providers:root");
  root.values.add("Provider");
  root.types.add("ProviderArgs");
  const methods = new Set([
    ...Object.values(schema.provider?.methods ?? {}),
    ...Object.values(schema.resources).flatMap((r) => Object.values(r.methods ?? {})),
  ]);
  for (const [token, resource] of Object.entries(schema.resources)) {
    const mod = moduleFor(token);
    const name = upperFirst(memberOf(token));
    mod.values.add(name);
    mod.tokens.set(name, token);
    mod.types.add(`${name}Args`);
    if (resource.stateInputs !== undefined) mod.types.add(`${name}State`);
  }
  for (const [token, fn] of Object.entries(schema.functions)) {
    if (methods.has(token)) continue;
    const mod = moduleFor(token);
    const name = camel(upperFirst(memberOf(token)));
    const returns = fn.outputs !== undefined || fn.returnType !== undefined;
    mod.values.add(name);
    mod.tokens.set(name, token);
    if (returns) {
      mod.values.add(`${name}Output`);
      mod.tokens.set(`${name}Output`, token);
    }
    if (fn.inputs !== undefined) {
      mod.types.add(`${upperFirst(name)}Args`);
      if (Object.keys(fn.inputs.properties ?? {}).length > 0 && returns)
        mod.types.add(`${upperFirst(name)}OutputArgs`);
    }
    if (fn.outputs !== undefined) mod.types.add(`${upperFirst(name)}Result`);
  }
  const modules = new Map<string, GeneratedModule | undefined>([...builders].filter(([name]) => name !== ""));
  if (Object.keys(schema.config?.variables ?? {}).length > 0) modules.set("config", undefined);
  if (Object.keys(schema.types ?? {}).length > 0) modules.set("types", undefined);
  return { root, modules };
}
