// The hand-written Talos provider binding (components/talos/provider) against the provider's Pulumi schema
// 0.8.1, and its registrations and invokes as the engine would receive them (Pulumi mock engine, observed at
// the resource-monitor level, where the version and plugin download URL of each request are visible).
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  MockMonitor,
  type MockCallArgs,
  type MockResourceArgs,
  type Mocks,
} from "@pulumi/pulumi/runtime/mocks";
import type {
  ReadResourceRequest,
  RegisterResourceRequest,
  ResourceInvokeRequest,
} from "@pulumi/pulumi/proto/resource_pb";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { reference, valueOf } from "./helpers";
import * as talos from "../components/talos/provider";

const SCHEMA = reference("pulumi-talos-schema-v0.8.1.json");
const SCHEMA_PATH = SCHEMA.path;
const SCHEMA_EXISTS = SCHEMA.present;

/** The tokens the binding must cover, spelled independently of the manifest. */
const EXPECTED_RESOURCES = [
  "talos:machine/secrets:Secrets",
  "talos:machine/configurationApply:ConfigurationApply",
  "talos:machine/bootstrap:Bootstrap",
  "talos:cluster/kubeconfig:Kubeconfig",
  "talos:imageFactory/schematic:Schematic",
];
const EXPECTED_FUNCTIONS = [
  "talos:machine/getConfiguration:getConfiguration",
  "talos:client/getConfiguration:getConfiguration",
  "talos:imageFactory/getUrls:getUrls",
  "talos:cluster/getHealth:getHealth",
];

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
}
interface SchemaFunction {
  inputs?: SchemaObject;
  outputs?: SchemaObject;
}
interface Schema {
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

function loadSchema(): Schema {
  return JSON.parse(fs.readFileSync(SCHEMA_PATH, "utf8")) as Schema;
}

function viewOf(schema: Schema, entry: talos.ManifestEntry): SchemaView | undefined {
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

if (!SCHEMA_EXISTS) {
  console.warn(`talos provider schema checks skipped: missing ${SCHEMA_PATH}`);
}

describe("talos provider binding manifest", () => {
  it("covers exactly the nine provider tokens the project uses", () => {
    expect(talos.BINDING_MANIFEST.length).toBe(9);
    const resources = talos.BINDING_MANIFEST.filter((e) => e.kind === "resource").map((e) => e.token);
    const functions = talos.BINDING_MANIFEST.filter((e) => e.kind === "function").map((e) => e.token);
    expect(sorted(resources)).toEqual(sorted(EXPECTED_RESOURCES));
    expect(sorted(functions)).toEqual(sorted(EXPECTED_FUNCTIONS));
  });

  it("names each entry where it lives in the binding, as in @pulumiverse/talos", () => {
    const modules = talos as unknown as Record<string, Record<string, unknown> | undefined>;
    for (const entry of talos.BINDING_MANIFEST) {
      const [mod, member] = entry.name.split(".") as [string, string];
      expect(typeof modules[mod]?.[member], entry.name).toBe("function");
      if (entry.kind === "function")
        expect(typeof modules[mod]?.[`${member}Output`], entry.name).toBe("function");
    }
  });

  // Shows up as a skipped test naming the file, next to the console warning.
  if (!SCHEMA_EXISTS) it.skip(`schema checks skipped: ${SCHEMA_PATH} is missing`, () => {});
});

describe.skipIf(!SCHEMA_EXISTS)(`talos provider binding against ${path.basename(SCHEMA_PATH)}`, () => {
  const schema = SCHEMA_EXISTS ? loadSchema() : ({ resources: {}, functions: {}, types: {} } as Schema);

  it("finds every expected token in the schema with the right kind", () => {
    expect(missingFrom(EXPECTED_RESOURCES, Object.keys(schema.resources))).toEqual([]);
    expect(missingFrom(EXPECTED_FUNCTIONS, Object.keys(schema.functions))).toEqual([]);
  });

  describe.each(talos.BINDING_MANIFEST.map((entry) => [entry.token, entry] as const))(
    "%s",
    (_token, entry) => {
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
    },
  );

  it("reads the secrets this project depends on from the schema (guards the schema reading itself)", () => {
    const secretOutputsOf = (token: string) => secretNames(schema.resources[token]?.properties ?? {});
    expect(secretOutputsOf("talos:cluster/kubeconfig:Kubeconfig")).toEqual(["kubeconfigRaw"]);
    expect(secretOutputsOf("talos:machine/configurationApply:ConfigurationApply")).toContain(
      "machineConfiguration",
    );
    expect(secretOutputsOf("talos:machine/secrets:Secrets")).toEqual([]);
    const byToken = new Map(talos.BINDING_MANIFEST.map((e) => [e.token, e]));
    expect(byToken.get("talos:cluster/kubeconfig:Kubeconfig")?.secretOutputs).toEqual(["kubeconfigRaw"]);
    expect(byToken.get("talos:machine/configurationApply:ConfigurationApply")?.secretOutputs).toContain(
      "machineConfiguration",
    );
    expect(byToken.get("talos:client/getConfiguration:getConfiguration")?.secretOutputs).toEqual([
      "talosConfig",
    ]);
    // Secrets' outputs are not secret at the top level: only fields nested in them are (see README).
    expect(byToken.get("talos:machine/secrets:Secrets")?.secretOutputs).toEqual([]);
  });

  describe("nested types", () => {
    const covered = new Map(
      talos.BINDING_TYPE_MANIFEST.flatMap((t) => t.schemaTokens.map((tok) => [tok, t])),
    );

    it("model every schema type reachable from the covered tokens, and no other", () => {
      const roots = talos.BINDING_MANIFEST.flatMap((entry) => {
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

// ---- mock engine ----

interface Request {
  kind: "register" | "read" | "invoke";
  token: string;
  name: string;
  version: string;
  pluginDownloadURL: string;
  additionalSecretOutputs: string[];
  /** Top-level inputs sent as secrets. */
  secretInputs: string[];
}

function secretKeys(struct: { toJavaScript(): Record<string, unknown> } | undefined): string[] {
  const values = struct?.toJavaScript() ?? {};
  const isSecret = (v: unknown) =>
    typeof v === "object" &&
    v !== null &&
    (v as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig;
  return sorted(Object.keys(values).filter((key) => isSecret(values[key])));
}

type Callback = (err: unknown, resp: unknown) => void;

/**
 * Wraps the monitor `setMocks` installed so that every request is recorded, as the engine would receive it.
 * (A fresh monitor cannot be swapped in: `setMockOptions` resets the runtime's feature flags, secrets included.)
 */
function recordRequests(): Request[] {
  const installed = pulumi.runtime.getMonitor();
  if (!(installed instanceof MockMonitor)) throw new Error("setMocks did not install a MockMonitor");
  const target = installed as MockMonitor; // its own method types, not the gRPC client's overloads
  const requests: Request[] = [];
  const register = target.registerResource.bind(target);
  const read = target.readResource.bind(target);
  const invoke = target.invoke.bind(target);
  target.registerResource = (req: RegisterResourceRequest, callback: Callback) => {
    requests.push({
      kind: "register",
      token: req.getType(),
      name: req.getName(),
      version: req.getVersion(),
      pluginDownloadURL: req.getPlugindownloadurl(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      secretInputs: secretKeys(req.getObject()),
    });
    return register(req, callback);
  };
  target.readResource = (req: ReadResourceRequest, callback: Callback) => {
    requests.push({
      kind: "read",
      token: req.getType(),
      name: req.getName(),
      version: req.getVersion(),
      pluginDownloadURL: req.getPlugindownloadurl(),
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      secretInputs: secretKeys(req.getProperties()),
    });
    return read(req, callback);
  };
  target.invoke = (req: ResourceInvokeRequest, callback: Callback) => {
    requests.push({
      kind: "invoke",
      token: req.getTok(),
      name: req.getTok(),
      version: req.getVersion(),
      pluginDownloadURL: req.getPlugindownloadurl(),
      additionalSecretOutputs: [],
      secretInputs: secretKeys(req.getArgs()),
    });
    return invoke(req, callback);
  };
  return requests;
}

let requests: Request[] = [];

/** The registration a `newResource` mock call belongs to (recorded just before the mock is called). */
function registrationOf(args: MockResourceArgs): Request | undefined {
  return [...requests]
    .reverse()
    .find((r) => r.kind !== "invoke" && r.token === args.type && r.name === args.name);
}

const CLIENT_CONFIGURATION = { caCertificate: "ca", clientCertificate: "crt", clientKey: "key" };
const cert = (name: string) => ({ cert: `${name}-crt`, key: pulumi.secret(`${name}-key`) });

/** What the provider would return for each resource type; nested sensitive fields come back as secrets. */
function providerOutputs(type: string): Record<string, unknown> {
  switch (type) {
    case "talos:machine/secrets:Secrets":
      return {
        clientConfiguration: { ...CLIENT_CONFIGURATION, clientKey: pulumi.secret("key") },
        machineSecrets: {
          certs: { etcd: cert("etcd"), k8s: cert("k8s"), k8sAggregator: cert("agg"), os: cert("os") },
          cluster: { id: "cluster-id", secret: pulumi.secret("cluster-secret") },
          secrets: {
            bootstrapToken: pulumi.secret("token"),
            secretboxEncryptionSecret: pulumi.secret("box"),
          },
          trustdinfo: { token: pulumi.secret("trustd") },
        },
      };
    case "talos:machine/configurationApply:ConfigurationApply":
      return {
        machineConfiguration: "version: v1alpha1",
        machineConfigurationHash: "h",
        resolvedApplyMode: "auto",
      };
    case "talos:cluster/kubeconfig:Kubeconfig":
      return { kubeconfigRaw: "apiVersion: v1", certificateRenewalDuration: "720h" };
    default:
      return {};
  }
}

function invokeResult(args: MockCallArgs): Record<string, unknown> {
  const inputs = args.inputs as Record<string, unknown>;
  switch (args.token) {
    case "talos:machine/getConfiguration:getConfiguration":
      return { ...inputs, id: "cfg", machineConfiguration: pulumi.secret("machine: {}") };
    case "talos:client/getConfiguration:getConfiguration":
      return { ...inputs, id: "client", talosConfig: pulumi.secret("context: c") };
    case "talos:imageFactory/getUrls:getUrls":
      return {
        ...inputs,
        id: "urls",
        architecture: "amd64",
        urls: { installer: "factory.talos.dev/installer/x" },
      };
    default:
      return { ...inputs, id: args.token };
  }
}

const mocks: Mocks = {
  newResource(args: MockResourceArgs) {
    const state: Record<string, unknown> = { ...(args.inputs as object), ...providerOutputs(args.type) };
    for (const key of registrationOf(args)?.additionalSecretOutputs ?? []) {
      if (key in state) state[key] = pulumi.secret(state[key]);
    }
    return { id: `${args.name}-id`, state };
  },
  call: invokeResult,
};

const waitForRPCs = (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs;

/** One of each resource, registered once for the whole mock-engine suite. */
function createFleet() {
  const secrets = new talos.machine.Secrets("secrets", { talosVersion: "v1.13" });
  // Plain credentials for these two, so that the secret inputs recorded are the binding's own wrapping.
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
  return { secrets, apply, bootstrap, kubeconfig, schematic };
}

describe("talos provider binding under the Pulumi mock engine", () => {
  let fleet: ReturnType<typeof createFleet>;
  let fleetIds: string[];

  beforeAll(async () => {
    await pulumi.runtime.setMocks(mocks, "project", "stack", false);
    requests = recordRequests();
    fleet = createFleet();
    fleetIds = await Promise.all(Object.values(fleet).map((r) => valueOf(r.id)));
  });

  afterEach(async () => {
    if (waitForRPCs) await waitForRPCs();
  });

  const requestsOf = (kind: Request["kind"]) => requests.filter((r) => r.kind === kind);
  const registration = (token: string) => requestsOf("register").find((r) => r.token === token);

  it("registers every resource with the provider version, plugin URL and schema token", async () => {
    expect(fleetIds).toEqual(["secrets-id", "apply-id", "bootstrap-id", "kubeconfig-id", "schematic-id"]);
    // Registration order depends on when each resource's inputs resolve: compare sorted.
    const registered = requestsOf("register");
    expect(sorted(registered.map((r) => `${r.token} ${r.name}`))).toEqual([
      "talos:cluster/kubeconfig:Kubeconfig kubeconfig",
      "talos:imageFactory/schematic:Schematic schematic",
      "talos:machine/bootstrap:Bootstrap bootstrap",
      "talos:machine/configurationApply:ConfigurationApply apply",
      "talos:machine/secrets:Secrets secrets",
    ]);
    expect(sorted(registered.map((r) => r.token))).toEqual(sorted(EXPECTED_RESOURCES));
    expect(sorted(registered.map((r) => r.token))).toEqual(
      sorted(talos.BINDING_MANIFEST.filter((e) => e.kind === "resource").map((e) => e.token)),
    );
    for (const r of registered) {
      expect({ token: r.token, version: r.version, url: r.pluginDownloadURL }).toEqual({
        token: r.token,
        version: "0.8.1",
        url: "github://api.github.com/pulumiverse",
      });
    }
    expect(await valueOf(fleet.kubeconfig.kubeconfigRaw)).toBe("apiVersion: v1");
    expect(await valueOf(fleet.apply.resolvedApplyMode)).toBe("auto");
    expect(await valueOf(fleet.apply.onDestroy)).toEqual({ reset: true });
  });

  it("passes exactly the manifest's secret outputs as additionalSecretOutputs", () => {
    for (const entry of talos.BINDING_MANIFEST.filter((e) => e.kind === "resource")) {
      expect(registration(entry.token)?.additionalSecretOutputs, entry.token).toEqual(entry.secretOutputs);
    }
    expect(registration("talos:cluster/kubeconfig:Kubeconfig")?.additionalSecretOutputs).toEqual([
      "kubeconfigRaw",
    ]);
    expect(
      registration("talos:machine/configurationApply:ConfigurationApply")?.additionalSecretOutputs,
    ).toEqual([
      "clientConfigurationWo",
      "machineConfiguration",
      "machineConfigurationInput",
      "machineConfigurationInputWo",
    ]);
    expect(registration("talos:machine/secrets:Secrets")?.additionalSecretOutputs).toEqual([]);
  });

  it("sends schema-secret inputs as secrets", () => {
    expect(registration("talos:machine/configurationApply:ConfigurationApply")?.secretInputs).toEqual([
      "machineConfigurationInput",
    ]);
    expect(registration("talos:machine/bootstrap:Bootstrap")?.secretInputs).toEqual([
      "clientConfigurationWo",
    ]);
    expect(registration("talos:imageFactory/schematic:Schematic")?.secretInputs).toEqual([]);
  });

  it("resolves schema-secret outputs, and outputs with secret nested fields, as secret Outputs", async () => {
    const { secrets, apply, kubeconfig } = fleet;
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
        kubeconfigNode: kubeconfig.node,
        applyNode: apply.node,
        machineConfigurationHash: apply.machineConfigurationHash,
        talosVersion: secrets.talosVersion,
      }),
    ).toEqual({
      kubeconfigRaw: true,
      machineConfiguration: true,
      machineConfigurationInput: true,
      machineSecrets: true,
      clientConfiguration: true,
      kubeconfigNode: false,
      applyNode: false,
      machineConfigurationHash: false,
      talosVersion: false,
    });
    const bundle = await valueOf(secrets.machineSecrets);
    expect(bundle.certs.os).toEqual({ cert: "os-crt", key: "os-key" });
  });

  it("calls every function, in both forms, with the provider version and plugin URL", async () => {
    const before = requestsOf("invoke").length;
    const machineSecrets = new talos.machine.Secrets("secrets-3", {}).machineSecrets;
    const configArgs = { clusterName: "c", clusterEndpoint: "https://c:6443", machineType: "controlplane" };
    const clientArgs = {
      clientConfiguration: CLIENT_CONFIGURATION,
      clusterName: "c",
      endpoints: ["10.0.0.2"],
    };
    const urlArgs = { schematicId: "abc", talosVersion: "v1.13.9", platform: "hcloud" };
    const healthArgs = {
      clientConfiguration: CLIENT_CONFIGURATION,
      controlPlaneNodes: ["n"],
      endpoints: ["n"],
    };
    const bundle = await valueOf(machineSecrets);

    const plain = await Promise.all([
      talos.machine.getConfiguration({ ...configArgs, machineSecrets: bundle }),
      talos.client.getConfiguration(clientArgs),
      talos.imagefactory.getUrls(urlArgs),
      talos.cluster.getHealth(healthArgs),
    ]);
    expect(plain.map((r) => r.id)).toEqual(["cfg", "client", "urls", "talos:cluster/getHealth:getHealth"]);

    const machineConfig = talos.machine.getConfigurationOutput({ ...configArgs, machineSecrets });
    const talosConfig = talos.client.getConfigurationOutput(clientArgs);
    const urls = talos.imagefactory.getUrlsOutput(urlArgs);
    const health = talos.cluster.getHealthOutput(healthArgs);
    expect(await valueOf(urls.urls.installer)).toBe("factory.talos.dev/installer/x");
    expect(await valueOf(health.id)).toBe("talos:cluster/getHealth:getHealth");
    expect(await valueOf(talosConfig.talosConfig)).toBe("context: c");
    expect(await pulumi.isSecret(talosConfig)).toBe(true);
    expect(await pulumi.isSecret(machineConfig)).toBe(true);
    expect(await pulumi.isSecret(urls)).toBe(false);

    const invokes = requestsOf("invoke").slice(before);
    expect(sorted(invokes.map((r) => r.token))).toEqual(
      sorted([...EXPECTED_FUNCTIONS, ...EXPECTED_FUNCTIONS]),
    );
    for (const r of invokes) {
      expect({ token: r.token, version: r.version, url: r.pluginDownloadURL }).toEqual({
        token: r.token,
        version: "0.8.1",
        url: "github://api.github.com/pulumiverse",
      });
    }
  });

  it("looks resources up (Secrets.get) with the provider version and plugin URL", async () => {
    const found = talos.machine.Secrets.get("imported", "imported-id");
    expect(await valueOf(found.id)).toBe("imported-id");
    expect(talos.machine.Secrets.isInstance(found)).toBe(true);
    expect(talos.cluster.Kubeconfig.isInstance(found)).toBe(false);
    const reads = requestsOf("read");
    expect(reads.map((r) => [r.token, r.name, r.version, r.pluginDownloadURL])).toEqual([
      ["talos:machine/secrets:Secrets", "imported", "0.8.1", "github://api.github.com/pulumiverse"],
    ]);
  });

  it("sent every request of this file to the talos provider with version and plugin URL", () => {
    expect(requests.length).toBeGreaterThanOrEqual(EXPECTED_RESOURCES.length + 2 * EXPECTED_FUNCTIONS.length);
    const off = requests.filter(
      (r) =>
        !r.token.startsWith("talos:") ||
        r.version !== talos.PROVIDER_VERSION ||
        r.pluginDownloadURL !== talos.PLUGIN_DOWNLOAD_URL,
    );
    expect(off).toEqual([]);
  });

  it("rejects a missing required input with a clear error, before registering anything", () => {
    const before = requests.length;
    expect(() => new talos.machine.Bootstrap("no-node", {} as talos.machine.BootstrapArgs)).toThrow(
      `machine.Bootstrap "no-node": missing required input 'node' (talos:machine/bootstrap:Bootstrap)`,
    );
    expect(() => new talos.cluster.Kubeconfig("bare", {} as talos.cluster.KubeconfigArgs)).toThrow(
      `cluster.Kubeconfig "bare": missing required inputs 'clientConfiguration', 'node'`,
    );
    expect(() =>
      talos.imagefactory.getUrlsOutput({ schematicId: "abc" } as talos.imagefactory.GetUrlsOutputArgs),
    ).toThrow("imagefactory.getUrls call: missing required input 'talosVersion'");
    expect(requests.length).toBe(before);
  });
});
