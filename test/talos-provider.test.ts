/**
 * The hand-written Talos provider binding (components/talos/provider) is a true import swap away from
 * `@pulumiverse/talos` 0.8.1: every name the program imports from it is a name that package generates
 * from the provider's schema (by Pulumi's Node.js codegen rules, test/nodejs-codegen.ts), and the binding
 * binds exactly those. Then the manifest against the schema (inputs, outputs, required, secret), and the
 * binding's requests as the offline engine records them (version, plugin URL, secrets).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import * as talos from "../components/talos/provider";
import { PLUGIN_DOWNLOAD_URL, PROVIDER_VERSION } from "../components/talos/provider/constants";
import {
  BINDING_MANIFEST,
  BINDING_TYPE_MANIFEST,
  type ManifestEntry,
} from "../components/talos/provider/manifest";
import { declareOffline, registrationsOf, settle, startEngine } from "../tools/mock-engine";
import { camel, generatedNames, moduleOfToken, type PackageSchema } from "./nodejs-codegen";
import { reference, ROOT, valueOf } from "./helpers";

const SCHEMA = reference("pulumi-talos-schema-v0.8.1.json");
const BINDING = join(ROOT, "components/talos/provider");

// ---- schema ----

interface SchemaProperty {
  secret?: boolean;
  $ref?: string;
  items?: SchemaProperty;
}
interface SchemaObject {
  properties?: Record<string, SchemaProperty>;
  required?: string[];
  language?: { nodejs?: { requiredOutputs?: string[] } };
}
interface SchemaResource {
  properties?: Record<string, SchemaProperty>;
  inputProperties?: Record<string, SchemaProperty>;
  requiredInputs?: string[];
  stateInputs?: SchemaObject;
}
interface SchemaFunction {
  inputs?: SchemaObject;
  outputs?: SchemaObject;
}
interface Schema extends PackageSchema {
  resources: Record<string, SchemaResource>;
  functions: Record<string, SchemaFunction>;
  types: Record<string, SchemaObject>;
}

/** The names a schema token declares, in the manifest's terms. */
interface SchemaView {
  inputs: Record<string, SchemaProperty>;
  outputs: Record<string, SchemaProperty>;
  requiredInputs: string[];
}

function viewOf(schema: Schema, entry: ManifestEntry): SchemaView | undefined {
  if (entry.kind === "resource") {
    const r = schema.resources[entry.token];
    if (!r) return undefined;
    return {
      inputs: r.inputProperties ?? {},
      outputs: r.properties ?? {},
      requiredInputs: r.requiredInputs ?? [],
    };
  }
  const f = schema.functions[entry.token];
  if (!f) return undefined;
  const requiredInputs = f.inputs?.required ?? [];
  return { inputs: f.inputs?.properties ?? {}, outputs: f.outputs?.properties ?? {}, requiredInputs };
}

const sorted = (names: Iterable<string>): string[] => [...names].sort();
const secretNames = (props: Record<string, SchemaProperty>): string[] =>
  sorted(Object.keys(props).filter((key) => props[key]?.secret === true));
const missingFrom = (names: readonly string[], pool: Iterable<string>): string[] => {
  const set = new Set(pool);
  return names.filter((name) => !set.has(name));
};

/** Type tokens referenced by a property; the schema spells some refs `#types/...` instead of `#/types/...`. */
function refsOf(prop: SchemaProperty | SchemaObject | undefined): string[] {
  if (!prop) return [];
  const refs: string[] = [];
  const p = prop as SchemaProperty;
  if (p.$ref?.match(/^#\/?types\//)) refs.push(p.$ref.replace(/^#\/?types\//, ""));
  refs.push(...refsOf(p.items));
  for (const child of Object.values((prop as SchemaObject).properties ?? {})) refs.push(...refsOf(child));
  return refs;
}

function referencedTypes(schema: Schema, roots: SchemaProperty[]): Set<string> {
  const seen = new Set<string>();
  const queue = roots.flatMap(refsOf);
  for (let token = queue.shift(); token !== undefined; token = queue.shift()) {
    if (seen.has(token)) continue;
    seen.add(token);
    queue.push(...refsOf(schema.types[token]));
  }
  return seen;
}

// ---- the program's imports of the binding ----

/** Every TypeScript file of the program and its tools (not the binding itself, not the tests). */
function programFiles(dir = ROOT, top = true): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const path = join(dir, d.name);
    if (d.isDirectory()) {
      if (path === BINDING || (top && !["components", "tools"].includes(d.name))) return [];
      return programFiles(path, false);
    }
    return d.name.endsWith(".ts") && (!top || d.name === "index.ts") ? [path] : [];
  });
}

/** Source without comments, so a name mentioned in a comment is not a use. */
const code = (source: string): string =>
  source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");

/** How the program uses the binding: `<module>.<name>` per file, and imports a swap could not follow. */
interface ProgramUse {
  readonly uses: { file: string; module: string; name?: string }[];
  readonly badImports: string[];
}

function programUse(): ProgramUse {
  const uses: ProgramUse["uses"] = [];
  const badImports: string[] = [];
  for (const path of programFiles()) {
    const file = relative(ROOT, path);
    const source = code(readFileSync(path, "utf8"));
    for (const [statement, clause, spec] of source.matchAll(/import\s+([^;]*?)\s+from\s+"([^"]+)"/g)) {
      if (!spec?.startsWith(".")) continue;
      const target = resolve(dirname(path), spec).replace(/(\/index)?(\.ts)?$/, "");
      if (target !== BINDING && !target.startsWith(`${BINDING}/`)) continue;
      const alias = /^(?:type\s+)?\*\s+as\s+(\w+)$/.exec(clause ?? "")?.[1];
      if (target !== BINDING || !alias) {
        badImports.push(`${file}: ${statement.replace(/\s+/g, " ")}`);
        continue;
      }
      for (const [, module, name] of source.matchAll(
        new RegExp(`(?<![\\w.])${alias}\\.(\\w+)(?:\\.(\\w+))?`, "g"),
      ))
        uses.push({ file, module: module as string, name });
    }
  }
  return { uses, badImports };
}

/** The binding module files, by the name index.ts exports each under. */
function bindingModules(): Map<string, string> {
  const index = readFileSync(join(BINDING, "index.ts"), "utf8");
  return new Map(
    [...index.matchAll(/^export \* as (\w+) from "\.\/(\w+)";$/gm)].map(([, name, file]) => [
      name as string,
      join(BINDING, `${file}.ts`),
    ]),
  );
}

/** Every name a binding module file exports (values and types). */
const exportedNames = (path: string): string[] =>
  [...readFileSync(path, "utf8").matchAll(/^export (?:interface|type|class|function|const) (\w+)/gm)].map(
    (m) => m[1] as string,
  );

describe("the Node.js codegen rules (test/nodejs-codegen.ts)", () => {
  it("name modules and functions as the generator does", () => {
    expect(moduleOfToken("talos:imageFactory/getUrls:getUrls", "(.*)(?:/[^/]*)")).toBe("imageFactory");
    expect(moduleOfToken("talos:index/foo:Foo", "(.*)(?:/[^/]*)")).toBe("");
    expect(moduleOfToken("pulumi:providers:talos")).toBe("");
    // The generator's own cases (pulumi/pulumi pkg/codegen/cgstrings/cgstrings_test.go:28-34, unhyphenated).
    const cases = ["", "plugh", "WaldoThudFred", "graultBaz", "Grault_Baz", "GetUrls", "URLs"];
    expect(cases.map(camel)).toEqual([
      "",
      "plugh",
      "waldoThudFred",
      "graultBaz",
      "grault_Baz",
      "getUrls",
      "urls",
    ]);
  });
});

describe("the program's imports of the binding", () => {
  const use = programUse();
  const used = (module: string): string[] =>
    sorted(new Set(use.uses.filter((u) => u.module === module && u.name).map((u) => u.name as string)));
  const usedModules = sorted(new Set(use.uses.map((u) => u.module)));

  it('are namespace imports of its index, as `import * as talos from "@pulumiverse/talos"` will be', () => {
    expect(use.uses.length).toBeGreaterThan(10);
    expect(sorted(new Set(use.uses.map((u) => u.file)))).toEqual([
      "components/talos/cluster.ts",
      "components/talos/image.ts",
      "tools/bench.ts",
    ]);
    expect(use.badImports).toEqual([]);
  });

  it("meet a binding that exports exactly the modules and the classes and functions they use", () => {
    expect(sorted(Object.keys(talos))).toEqual(usedModules);
    const modules = talos as unknown as Record<string, Record<string, unknown>>;
    for (const module of usedModules)
      expect([module, sorted(Object.keys(modules[module] ?? {}))]).toEqual([module, used(module)]);
    expect(sorted(bindingModules().keys())).toEqual(usedModules);
  });

  describe.skipIf(!SCHEMA.present)(`against the names the schema generates (${SCHEMA.path})`, () => {
    const schema = SCHEMA.present ? (JSON.parse(SCHEMA.read()) as Schema) : undefined;
    const pkg = schema ? generatedNames(schema) : undefined;

    it("derive exactly what the generated package exports (pulumiverse/pulumi-talos v0.8.1, sdk/nodejs)", () => {
      // Transcribed from sdk/nodejs/index.ts and sdk/nodejs/<module>/index.ts at tag v0.8.1 (commit
      // 1b5d2525bc890eb0eaf2cbf7e61fa7f9cbe2313f): the rules must reproduce them.
      const fn = (n: string) => [n, `${n}Output`];
      const types = (n: string) => [`${n}Args`, `${n}OutputArgs`, `${n}Result`];
      const res = (n: string) => [`${n}Args`, `${n}State`];
      const module = (name: string) => {
        const m = pkg?.modules.get(name);
        return m && { values: sorted(m.values), types: sorted(m.types) };
      };
      expect(sorted(pkg?.modules.keys() ?? [])).toEqual([
        "client",
        "cluster",
        "config",
        "imagefactory",
        "machine",
        "types",
      ]);
      expect(module("client")).toEqual({ values: fn("getConfiguration"), types: types("GetConfiguration") });
      expect(module("cluster")).toEqual({
        values: sorted(["Kubeconfig", ...fn("getHealth"), ...fn("getKubeconfig")]),
        types: sorted([...res("Kubeconfig"), ...types("GetHealth"), ...types("GetKubeconfig")]),
      });
      expect(module("imagefactory")).toEqual({
        values: sorted([
          "Schematic",
          ...fn("getExtensionsVersions"),
          ...fn("getOverlaysVersions"),
          ...fn("getUrls"),
          ...fn("getVersions"),
        ]),
        types: sorted([
          ...res("Schematic"),
          ...types("GetExtensionsVersions"),
          ...types("GetOverlaysVersions"),
          ...types("GetUrls"),
          ...types("GetVersions"),
        ]),
      });
      expect(module("machine")).toEqual({
        values: sorted([
          "Bootstrap",
          "ConfigurationApply",
          "Secrets",
          ...fn("getConfiguration"),
          ...fn("getDisks"),
        ]),
        types: sorted([
          ...res("Bootstrap"),
          ...res("ConfigurationApply"),
          ...res("Secrets"),
          ...types("GetConfiguration"),
          ...types("GetDisks"),
        ]),
      });
      expect(pkg && [sorted(pkg.root.values), sorted(pkg.root.types)]).toEqual([
        ["Provider"],
        ["ProviderArgs"],
      ]);
    });

    it("name only what @pulumiverse/talos generates, in the module it generates it in", () => {
      const unknown = use.uses
        .filter((u) => {
          const m = pkg?.modules.get(u.module);
          return (
            !pkg?.modules.has(u.module) || !m || (u.name && !m.values.has(u.name) && !m.types.has(u.name))
          );
        })
        .map((u) => `${u.file}: talos.${u.module}${u.name ? `.${u.name}` : ""}`);
      expect(unknown).toEqual([]);
    });

    it("meet a binding whose every exported name, type or value, the package exports too", () => {
      for (const [module, path] of bindingModules()) {
        const m = pkg?.modules.get(module);
        const names = exportedNames(path);
        expect(names.length, path).toBeGreaterThan(1);
        expect([module, names.filter((n) => !m?.values.has(n) && !m?.types.has(n))]).toEqual([module, []]);
      }
    });

    it("are backed by exactly the manifest's tokens, each under its generated name", () => {
      const tokens = use.uses.flatMap((u) => {
        const token = u.name && pkg?.modules.get(u.module)?.tokens.get(u.name);
        return token ? [token] : [];
      });
      expect(sorted(BINDING_MANIFEST.map((e) => e.token))).toEqual(sorted(new Set(tokens)));
      for (const entry of BINDING_MANIFEST) {
        const [module, name] = entry.name.split(".") as [string, string];
        expect([entry.name, pkg?.modules.get(module)?.tokens.get(name)]).toEqual([entry.name, entry.token]);
      }
    });
  });

  // Shows up as a skipped test naming the file.
  if (!SCHEMA.present) it.skip(`schema checks skipped: ${SCHEMA.path} is missing`, () => {});
});

describe.skipIf(!SCHEMA.present)("the binding's manifest against the provider schema 0.8.1", () => {
  const schema = SCHEMA.present
    ? (JSON.parse(SCHEMA.read()) as Schema)
    : ({ resources: {}, functions: {}, types: {} } as Schema);

  describe.each(BINDING_MANIFEST.map((entry) => [entry.token, entry] as const))("%s", (_token, entry) => {
    const view = viewOf(schema, entry);

    it(`is a ${entry.kind} in the schema`, () => {
      const pool = entry.kind === "resource" ? schema.resources : schema.functions;
      expect(Object.keys(pool)).toContain(entry.token);
      expect(view).not.toBeUndefined();
    });

    it("accepts only schema inputs, and all of them", () => {
      const schemaInputs = Object.keys(view?.inputs ?? {});
      expect(schemaInputs.length).toBeGreaterThan(0);
      expect(missingFrom(entry.inputs, schemaInputs)).toEqual([]);
      expect(missingFrom(schemaInputs, entry.inputs)).toEqual([]);
    });

    it("declares only schema outputs, and all of them", () => {
      const schemaOutputs = Object.keys(view?.outputs ?? {});
      expect(schemaOutputs.length).toBeGreaterThan(0);
      expect(missingFrom(entry.outputs, schemaOutputs)).toEqual([]);
      expect(missingFrom(schemaOutputs, entry.outputs)).toEqual([]);
    });

    it("requires exactly the schema-required inputs", () => {
      expect(sorted(entry.requiredInputs)).toEqual(sorted(view?.requiredInputs ?? ["<no schema entry>"]));
    });

    it("treats exactly the schema-secret inputs and outputs as secret", () => {
      expect(sorted(entry.secretInputs)).toEqual(secretNames(view?.inputs ?? {}));
      expect(sorted(entry.secretOutputs)).toEqual(secretNames(view?.outputs ?? {}));
    });
  });

  it("reads the secrets this project depends on from the schema (guards the schema reading itself)", () => {
    const secretOutputsOf = (token: string) => secretNames(schema.resources[token]?.properties ?? {});
    expect(secretOutputsOf("talos:cluster/kubeconfig:Kubeconfig")).toEqual(["kubeconfigRaw"]);
    expect(secretOutputsOf("talos:machine/configurationApply:ConfigurationApply")).toContain(
      "machineConfiguration",
    );
    expect(secretOutputsOf("talos:machine/secrets:Secrets")).toEqual([]);
    const byToken = new Map(BINDING_MANIFEST.map((e) => [e.token, e]));
    expect(byToken.get("talos:cluster/kubeconfig:Kubeconfig")?.secretOutputs).toEqual(["kubeconfigRaw"]);
    expect(byToken.get("talos:client/getConfiguration:getConfiguration")?.secretOutputs).toEqual([
      "talosConfig",
    ]);
    // Secrets' outputs are not secret at the top level: only fields nested in them are (see README).
    expect(byToken.get("talos:machine/secrets:Secrets")?.secretOutputs).toEqual([]);
  });

  describe("nested types", () => {
    const covered = new Map(BINDING_TYPE_MANIFEST.flatMap((t) => t.schemaTokens.map((tok) => [tok, t])));

    it("model every schema type reachable from the covered tokens, and no other", () => {
      const roots = BINDING_MANIFEST.flatMap((entry) => {
        const view = viewOf(schema, entry);
        return [...Object.values(view?.inputs ?? {}), ...Object.values(view?.outputs ?? {})];
      });
      const reachable = referencedTypes(schema, roots);
      expect(reachable.size).toBeGreaterThan(10);
      expect(missingFrom(sorted(reachable), covered.keys())).toEqual([]);
      expect(missingFrom(sorted(covered.keys()), reachable)).toEqual([]);
    });

    it.each([...covered.entries()])("%s: properties, output-required fields and secrets", (token, entry) => {
      const type = schema.types[token];
      expect(type, token).not.toBeUndefined();
      const props = type?.properties ?? {};
      expect(sorted(entry.properties)).toEqual(sorted(Object.keys(props)));
      const required = new Set([
        ...(type?.required ?? []),
        ...(type?.language?.nodejs?.requiredOutputs ?? []),
      ]);
      expect(sorted(entry.required)).toEqual(sorted(required));
      expect(sorted(entry.secret)).toEqual(secretNames(props));
    });
  });
});

// ---- requests, as the offline engine records them ----

const CLIENT_CONFIGURATION = { caCertificate: "ca", clientCertificate: "crt", clientKey: "key" };

/** One of each resource and each function the binding binds, as the program declares them. */
function declareAll() {
  const secrets = new talos.machine.Secrets("secrets", { talosVersion: "v1.13" });
  // Plain credentials, so that the secret inputs recorded are the binding's own wrapping.
  const apply = new talos.machine.ConfigurationApply("apply", {
    node: "10.0.0.2",
    clientConfiguration: CLIENT_CONFIGURATION,
    machineConfigurationInput: "machine: {}",
    onDestroy: { reset: true },
  });
  const bootstrap = new talos.machine.Bootstrap("bootstrap", {
    node: "10.0.0.2",
    clientConfigurationWo: CLIENT_CONFIGURATION,
  });
  const kubeconfig = new talos.cluster.Kubeconfig("kubeconfig", {
    node: "10.0.0.2",
    clientConfiguration: secrets.clientConfiguration,
  });
  const schematic = new talos.imagefactory.Schematic("schematic", { schematic: "customization: {}" });
  const machineConfig = talos.machine.getConfigurationOutput({
    clusterName: "c",
    clusterEndpoint: "https://c:6443",
    machineType: "controlplane",
    machineSecrets: secrets.machineSecrets,
  });
  const talosConfig = talos.client.getConfigurationOutput({
    clientConfiguration: secrets.clientConfiguration,
    clusterName: "c",
    endpoints: ["10.0.0.2"],
  });
  const urls = talos.imagefactory.getUrlsOutput({
    schematicId: schematic.id,
    talosVersion: "v1.13.9",
    platform: "hcloud",
  });
  return { secrets, apply, bootstrap, kubeconfig, schematic, machineConfig, talosConfig, urls };
}

describe("the binding's requests under the offline engine", () => {
  afterEach(settle);

  const run = async () => {
    const record = await startEngine({ project: "p", stack: "s" });
    const declared = await declareOffline(declareAll);
    const talosOnly = <T extends { readonly token?: string; readonly type?: string }>(rs: readonly T[]) =>
      rs.filter((r) => (r.type ?? r.token ?? "").startsWith("talos:"));
    return { record, declared, resources: talosOnly(record.resources), invokes: talosOnly(record.invokes) };
  };
  const manifestOf = (token: string): ManifestEntry => {
    const entry = BINDING_MANIFEST.find((e) => e.token === token);
    if (!entry) throw new Error(`no manifest entry for ${token}`);
    return entry;
  };

  it("sends every registration and invoke with the provider version and plugin URL", async () => {
    const { resources, invokes } = await run();
    expect(sorted(resources.map((r) => `${r.type} ${r.name}`))).toEqual([
      "talos:cluster/kubeconfig:Kubeconfig kubeconfig",
      "talos:imageFactory/schematic:Schematic schematic",
      "talos:machine/bootstrap:Bootstrap bootstrap",
      "talos:machine/configurationApply:ConfigurationApply apply",
      "talos:machine/secrets:Secrets secrets",
    ]);
    expect(sorted(invokes.map((i) => i.token))).toEqual([
      "talos:client/getConfiguration:getConfiguration",
      "talos:imageFactory/getUrls:getUrls",
      "talos:machine/getConfiguration:getConfiguration",
    ]);
    const off = [...resources, ...invokes].filter(
      (r) => r.version !== "0.8.1" || r.pluginDownloadURL !== "github://api.github.com/pulumiverse",
    );
    expect(off).toEqual([]);
    expect([PROVIDER_VERSION, PLUGIN_DOWNLOAD_URL]).toEqual(["0.8.1", "github://api.github.com/pulumiverse"]);
  });

  it("passes exactly the schema-secret outputs as additionalSecretOutputs, and wraps schema-secret inputs", async () => {
    const { record } = await run();
    const one = (token: string) => registrationsOf(record, token)[0];
    for (const entry of BINDING_MANIFEST.filter((e) => e.kind === "resource"))
      expect([entry.token, one(entry.token)?.additionalSecretOutputs]).toEqual([
        entry.token,
        entry.secretOutputs,
      ]);
    expect(one("talos:machine/configurationApply:ConfigurationApply")?.additionalSecretOutputs).toEqual([
      "clientConfigurationWo",
      "machineConfiguration",
      "machineConfigurationInput",
      "machineConfigurationInputWo",
    ]);
    expect(one("talos:machine/configurationApply:ConfigurationApply")?.secretInputs).toEqual([
      "machineConfigurationInput",
    ]);
    expect(one("talos:machine/bootstrap:Bootstrap")?.secretInputs).toEqual(["clientConfigurationWo"]);
    expect(one("talos:imageFactory/schematic:Schematic")?.secretInputs).toEqual([]);
    expect(manifestOf("talos:machine/bootstrap:Bootstrap").secretInputs).toEqual(["clientConfigurationWo"]);
  });

  it("resolves schema-secret outputs, and outputs with secret nested fields, as secret Outputs", async () => {
    const { declared } = await run();
    const { secrets, apply, kubeconfig, machineConfig, talosConfig, urls } = declared;
    const secretness = async (outputs: Record<string, pulumi.Output<unknown>>) =>
      Object.fromEntries(
        await Promise.all(Object.entries(outputs).map(async ([k, o]) => [k, await pulumi.isSecret(o)])),
      );
    expect(
      await secretness({
        kubeconfigRaw: kubeconfig.kubeconfigRaw,
        machineConfiguration: apply.machineConfiguration,
        machineConfigurationInput: apply.machineConfigurationInput,
        machineSecrets: secrets.machineSecrets,
        clientConfiguration: secrets.clientConfiguration,
        generatedConfig: machineConfig.machineConfiguration,
        talosConfig: talosConfig.talosConfig,
        kubeconfigNode: apply.node,
        machineConfigurationHash: apply.machineConfigurationHash,
        installer: urls.urls.installer,
      }),
    ).toEqual({
      kubeconfigRaw: true,
      machineConfiguration: true,
      machineConfigurationInput: true,
      machineSecrets: true,
      clientConfiguration: true,
      generatedConfig: true,
      talosConfig: true,
      kubeconfigNode: false,
      machineConfigurationHash: false,
      installer: false,
    });
    expect(await valueOf(apply.onDestroy)).toEqual({ reset: true });
    expect(await valueOf(urls.urls.installer)).toMatch(
      /^factory\.talos\.dev\/hcloud-installer\/schematic-id:v1\.13\.9$/,
    );
  });

  it("rejects a missing required input with a clear error, before registering anything", async () => {
    const record = await startEngine({ project: "p", stack: "s" });
    expect(() => new talos.machine.Bootstrap("no-node", {} as talos.machine.BootstrapArgs)).toThrow(
      `machine.Bootstrap "no-node": missing required input 'node' (talos:machine/bootstrap:Bootstrap)`,
    );
    expect(() => new talos.cluster.Kubeconfig("bare", {} as talos.cluster.KubeconfigArgs)).toThrow(
      `cluster.Kubeconfig "bare": missing required inputs 'clientConfiguration', 'node'`,
    );
    expect(() =>
      talos.imagefactory.getUrlsOutput({ schematicId: "abc" } as talos.imagefactory.GetUrlsOutputArgs),
    ).toThrow("imagefactory.getUrls call: missing required input 'talosVersion'");
    await settle();
    expect([record.resources, record.invokes]).toEqual([[], []]);
  });
});
