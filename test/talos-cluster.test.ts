// TalosCluster under the mock engine with the real ci and prod stack files: the resources and invokes
// it declares (type, name, count, parent, options), what each receives, and that no credential reaches
// a resource input or a component output in plain text.
import * as pulumi from "@pulumi/pulumi";
import { parse, parseAllDocuments } from "yaml";
import { describe, it, expect, beforeAll, beforeEach, afterEach } from "vitest";
import {
  startEngine,
  settle,
  type EngineRecord,
  declareOffline,
  registrationsOf,
} from "../tools/mock-engine";
import { MOCK_CLUSTER_ENDPOINT, MOCK_SECRET_MARK } from "../tools/mocks/talos";
import { PROJECT } from "../components/core/define";
import { planNodes, type ClusterSpec } from "../components/config/spec";
import { TalosCluster, type TalosClusterNode } from "../components/talos";
import { GATE_CREATE, gateUpdateScript } from "../components/upgrades";
import { withServer } from "../components/hetzner/access";
import { specOf, valueOf, one } from "./helpers";
import { deepFreeze, once } from "./shared-state";

const T = {
  secrets: "talos:machine/secrets:Secrets",
  apply: "talos:machine/configurationApply:ConfigurationApply",
  bootstrap: "talos:machine/bootstrap:Bootstrap",
  kubeconfig: "talos:cluster/kubeconfig:Kubeconfig",
  machineConfig: "talos:machine/getConfiguration:getConfiguration",
  talosconfig: "talos:client/getConfiguration:getConfiguration",
  gate: "command:local:Command",
  roll: "hcloud-talos-cilium:rolling:NodeRoll",
} as const;
const COMPONENT = "hcloud-talos-cilium:talos:TalosCluster";

const INSTALLER = "factory.talos.dev/hcloud-installer/abc123:v1.13.9";
const HOST = "203.0.113.10";
const SANS = ["203.0.113.10", "2001:db8::10", "10.0.1.2"];
/** The admin credentials the mock Secrets resource `talos-secrets` returns. */
const CLIENT = {
  caCertificate: "talos-secrets-os-crt",
  clientCertificate: "talos-secrets-admin-crt",
  clientKey: `${MOCK_SECRET_MARK}:talos-secrets-admin-key`,
};

/** Per stack: node name → the stand-in public address. */
const STACKS = {
  ci: { "ci-cp-1": "198.51.100.11", "ci-workers-1": "198.51.100.21" },
  prod: {
    "prod-cp-1": "198.51.100.11",
    "prod-cp-2": "198.51.100.12",
    "prod-cp-3": "198.51.100.13",
    "prod-workers-1": "198.51.100.21",
    "prod-workers-2": "198.51.100.22",
    "prod-workers-3": "198.51.100.23",
  },
} as const;

/** The mock getConfiguration's machine configuration of a role (see tools/mocks/talos.ts). */
const machineConfig = (stack: string, type: string) =>
  `version: v1alpha1\n# ${type} of ${stack} at https://${HOST}:6443, 3 patches\n` +
  `machine: { type: ${type}, token: ${MOCK_SECRET_MARK}:${type}-token }`;

/** The nodes as TalosNodes would give them, with stand-in public addresses ("198.51.100.<private last octet>"). */
function standInNodes(spec: ClusterSpec): TalosClusterNode[] {
  return planNodes(spec).map((n) => ({
    name: n.name,
    role: n.role,
    pool: n.pool,
    privateIp: n.privateIp,
    publicAddress: pulumi.output(`198.51.100.${n.privateIp.split(".")[3]}`),
  }));
}

function build(spec: ClusterSpec, nodes: readonly TalosClusterNode[] = standInNodes(spec)): TalosCluster {
  return new TalosCluster("talos", {
    spec,
    endpoint: { host: pulumi.output(HOST), addresses: pulumi.output(SANS) },
    nodes,
    installerImage: pulumi.output(INSTALLER),
  });
}

const yamlDocs = (patches: unknown): unknown[] =>
  (patches as string[]).flatMap((p) => parseAllDocuments(p).map((d) => d.toJS() as unknown));

for (const stack of ["ci", "prod"] as const) {
  const addresses: Readonly<Record<string, string>> = STACKS[stack];
  const names = Object.keys(addresses);
  const controlPlanes = names.filter((n) => n.includes("-cp-"));
  const first = controlPlanes[0] as string;

  describe(`TalosCluster on the ${stack} stack`, () => {
    let record: EngineRecord;
    let cluster: TalosCluster;

    // One declaration per stack, read by every test below (frozen: no test can change what the next reads).
    beforeAll(async () => {
      record = await startEngine({ project: PROJECT, stack });
      cluster = await declareOffline(() => build(specOf(stack)));
      deepFreeze(record);
    });
    afterEach(settle);

    it("declares one Secrets, one apply per node, one Bootstrap and one Kubeconfig, all its children", () => {
      const talos = record.resources.filter((r) => r.type.startsWith("talos:"));
      expect(talos.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
        [
          `${T.secrets} talos-secrets`,
          ...names.map((n) => `${T.apply} talos-apply-${n}`),
          `${T.bootstrap} talos-bootstrap`,
          `${T.kubeconfig} talos-kubeconfig`,
        ].sort(),
      );
      const component = one(record, COMPONENT, "talos");
      expect(component.parent).toBe("");
      expect(talos.filter((r) => r.parent !== component.urn).map((r) => r.name)).toEqual([]);
    });

    it("rolls the applies in its own NodeRoll, with one health gate per node as the roll's child", () => {
      const component = one(record, COMPONENT, "talos");
      const roll = one(record, T.roll, "talos-roll");
      expect(roll.parent).toBe(component.urn);
      const gates = registrationsOf(record, T.gate);
      expect(gates.map((g) => [g.name, g.parent])).toEqual(names.map((n) => [`talos-roll-${n}`, roll.urn]));
    });

    it("generates the secrets once for the Talos version, ignoring later version edits", () => {
      const secrets = one(record, T.secrets, "talos-secrets");
      expect(secrets.inputs).toEqual({ talosVersion: "v1.13.9" });
      expect(secrets.ignoreChanges).toEqual(["talosVersion"]);
    });

    it("generates one machine config per role with the role patches", () => {
      const invokes = record.invokes.filter((i) => i.token === T.machineConfig);
      expect(invokes.map((i) => i.inputs.machineType).sort()).toEqual(["controlplane", "worker"]);
      for (const invoke of invokes) {
        const role = invoke.inputs.machineType as string;
        const { configPatches, machineSecrets, ...rest } = invoke.inputs;
        expect(rest).toEqual({
          clusterName: stack,
          machineType: role,
          clusterEndpoint: "https://203.0.113.10:6443",
          talosVersion: "v1.13.9",
          kubernetesVersion: "1.36.3",
        });
        expect((machineSecrets as { trustdinfo: unknown }).trustdinfo).toEqual({
          token: `${MOCK_SECRET_MARK}:talos-secrets-trustd-token`,
        });
        const docs = yamlDocs(configPatches) as Record<string, Record<string, Record<string, unknown>>>[];
        expect(docs.map((d) => d.kind ?? "v1alpha1")).toEqual(["v1alpha1", "LinkConfig", "DHCPv4Config"]);
        const [v1alpha1, link] = docs;
        expect(v1alpha1?.machine?.install).toEqual({ image: INSTALLER });
        expect(v1alpha1?.cluster?.network).toEqual({
          cni: { name: "none" },
          podSubnets: ["10.244.0.0/16"],
          serviceSubnets: ["10.96.0.0/12"],
        });
        expect(v1alpha1?.cluster?.proxy).toEqual({ disabled: true });
        expect(v1alpha1?.machine?.certSANs).toEqual(role === "controlplane" ? SANS : undefined);
        expect(v1alpha1?.cluster?.etcd).toEqual(
          role === "controlplane" ? { advertisedSubnets: ["10.0.1.0/24"] } : undefined,
        );
        expect(link).toEqual({ apiVersion: "v1alpha1", kind: "LinkConfig", name: "eth1", mtu: 1450 });
      }
    });

    it("applies each node's role config and its own hostname, directly at its public address", () => {
      for (const name of names) {
        const role = controlPlanes.includes(name) ? "controlplane" : "worker";
        const apply = one(record, T.apply, `talos-apply-${name}`);
        const { configPatches, ...rest } = apply.inputs;
        expect(rest).toEqual({
          node: addresses[name],
          endpoint: addresses[name],
          clientConfiguration: CLIENT,
          machineConfigurationInput: machineConfig(stack, role),
          // talosApplyMode "auto": never a mode in which Talos reboots on its own (upgrades/gate.ts).
          applyMode: "staged_if_needing_reboot",
        });
        expect((configPatches as string[]).map((p) => parse(p) as unknown)).toEqual([
          { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: name },
        ]);
        expect(apply.secretInputs).toEqual(["clientConfiguration", "machineConfigurationInput"]);
      }
    });

    it("bootstraps exactly once, on the first control plane, after its config is applied", () => {
      const [bootstrap] = registrationsOf(record, T.bootstrap);
      expect(registrationsOf(record, T.bootstrap)).toHaveLength(1);
      expect(bootstrap?.inputs).toEqual({
        node: addresses[first],
        endpoint: addresses[first],
        clientConfiguration: CLIENT,
      });
      // The credentials' Secrets is an implicit dependency (an Output input); the apply is the explicit one.
      const secretsUrn = one(record, T.secrets, "talos-secrets").urn;
      expect([...(bootstrap?.dependsOn ?? [])].sort()).toEqual(
        [one(record, T.apply, `talos-apply-${first}`).urn, secretsUrn].sort(),
      );
      expect(bootstrap?.ignoreChanges).toEqual(["node", "endpoint", "clientConfiguration"]);
      expect(bootstrap?.secretInputs).toEqual(["clientConfiguration"]);
    });

    it("reads the kubeconfig from the first control plane after the bootstrap", () => {
      const kubeconfig = one(record, T.kubeconfig, "talos-kubeconfig");
      expect(kubeconfig.inputs).toEqual({
        node: addresses[first],
        endpoint: addresses[first],
        clientConfiguration: CLIENT,
      });
      const secretsUrn = one(record, T.secrets, "talos-secrets").urn;
      expect([...kubeconfig.dependsOn].sort()).toEqual(
        [one(record, T.bootstrap, "talos-bootstrap").urn, secretsUrn].sort(),
      );
      expect(kubeconfig.additionalSecretOutputs).toEqual(["kubeconfigRaw"]);
    });

    it("renders the talosconfig with the control planes as endpoints and every node as a node, and one without nodes", () => {
      const invokes = record.invokes.filter((i) => i.token === T.talosconfig);
      const endpoints = controlPlanes.map((n) => addresses[n]);
      // Invokes are recorded as their inputs resolve, so in no fixed order.
      const byNodes = invokes
        .map((i) => i.inputs)
        .sort((a, b) => String(a.nodes).localeCompare(String(b.nodes)));
      expect(byNodes).toEqual([
        { clusterName: stack, clientConfiguration: CLIENT, endpoints, nodes: [] },
        { clusterName: stack, clientConfiguration: CLIENT, endpoints, nodes: names.map((n) => addresses[n]) },
      ]);
    });

    it("keeps the node-less talosconfig secret and free of workers: a worker change leaves it as it is", async () => {
      expect(await pulumi.isSecret(cluster.controlPlaneTalosconfig)).toBe(true);
      const text = await valueOf(cluster.controlPlaneTalosconfig);
      expect(text.split("\n").slice(0, 2)).toEqual([
        `context: ${stack}`,
        `contexts: { ${stack}: { endpoints: [${controlPlanes.map((n) => addresses[n]).join(", ")}], nodes: [] } }`,
      ]);
      // The same cluster with one worker fewer renders the very same text.
      const lastWorker = names.filter((n) => !controlPlanes.includes(n)).at(-1);
      const fewer = standInNodes(specOf(stack)).filter((n) => n.name !== lastWorker);
      expect(fewer).toHaveLength(names.length - 1);
      await startEngine({ project: PROJECT, stack });
      const smaller = await declareOffline(() => build(specOf(stack), fewer));
      expect(await valueOf(smaller.controlPlaneTalosconfig)).toBe(text);
      expect(await valueOf(smaller.talosconfig)).not.toBe(await valueOf(cluster.talosconfig));
    });

    it("asks for provider 0.8.1 from Pulumiverse on every talos registration and invoke", () => {
      const requests = [
        ...record.resources.filter((r) => r.type.startsWith("talos:")).map((r) => [r.type, r] as const),
        ...record.invokes.filter((i) => i.token.startsWith("talos:")).map((i) => [i.token, i] as const),
      ];
      // Secrets, the applies, Bootstrap, Kubeconfig; two machine configs and two talosconfigs.
      expect(requests).toHaveLength(1 + names.length + 1 + 1 + 2 + 2);
      for (const [token, r] of requests) {
        expect({ token, version: r.version, url: r.pluginDownloadURL }).toEqual({
          token,
          version: "0.8.1",
          url: "github://api.github.com/pulumiverse",
        });
      }
    });

    it("outputs the kubeconfig, talosconfig and client credentials as secrets, the endpoint in clear", async () => {
      expect({
        kubeconfig: await pulumi.isSecret(cluster.kubeconfig),
        talosconfig: await pulumi.isSecret(cluster.talosconfig),
        clientConfiguration: await pulumi.isSecret(cluster.clientConfiguration),
        kubernetesEndpoint: await pulumi.isSecret(cluster.kubernetesEndpoint),
      }).toEqual({
        kubeconfig: true,
        talosconfig: true,
        clientConfiguration: true,
        kubernetesEndpoint: false,
      });
      expect(await valueOf(cluster.kubernetesEndpoint)).toBe("https://203.0.113.10:6443");
      expect(await valueOf(cluster.clientConfiguration)).toEqual(CLIENT);
      expect(await valueOf(cluster.kubeconfig)).toBe(
        `apiVersion: v1\nkind: Config\nclusters:\n  - name: talos-kubeconfig\n    cluster:\n` +
          `      server: ${MOCK_CLUSTER_ENDPOINT}\n# https://${addresses[first]}:6443\n` +
          `# client-key-data: ${MOCK_SECRET_MARK}:talos-kubeconfig-key\n`,
      );
      expect((await valueOf(cluster.talosconfig)).split("\n")[0]).toBe(`context: ${stack}`);
      expect(await Promise.all(cluster.applies.map((a) => valueOf(a.urn)))).toEqual(
        names.map((n) => one(record, T.apply, `talos-apply-${n}`).urn),
      );
      expect(await valueOf(cluster.bootstrap.urn)).toBe(one(record, T.bootstrap, "talos-bootstrap").urn);
    });

    it("never sends a credential in plain text: secret material only in secret inputs", () => {
      const leaks = record.resources.flatMap((r) =>
        Object.entries(r.inputs)
          .filter(
            ([key, value]) =>
              !r.secretInputs.includes(key) && JSON.stringify(value).includes(MOCK_SECRET_MARK),
          )
          .map(([key]) => `${r.name}.${key}`),
      );
      expect(leaks).toEqual([]);
      // The search finds the mark where it is expected, so an empty result is not vacuous.
      const carriers = record.resources.flatMap((r) =>
        r.secretInputs
          .filter((key) => JSON.stringify(r.inputs[key]).includes(MOCK_SECRET_MARK))
          .map((k) => `${r.type} ${k}`),
      );
      expect([...new Set(carriers)].sort()).toEqual(
        [
          `${T.gate} environment`,
          `${T.apply} clientConfiguration`,
          `${T.apply} machineConfigurationInput`,
          `${T.bootstrap} clientConfiguration`,
          `${T.kubeconfig} clientConfiguration`,
        ].sort(),
      );
    });
  });
}

describe("TalosCluster wiring mistakes", () => {
  beforeEach(async () => {
    await startEngine({ project: PROJECT, stack: "ci" });
  });
  afterEach(settle);

  it("fails without a control-plane node", () => {
    const spec = specOf("ci");
    expect(() =>
      build(
        spec,
        standInNodes(spec).filter((n) => n.role === "worker"),
      ),
    ).toThrow("TalosCluster: no control-plane node");
  });
});

/** Each apply's and gate's recorded dependencies, by name (the Secrets is an input's implicit one). */
function dependencies(record: EngineRecord): Record<string, (string | undefined)[]> {
  const byUrn = new Map(record.resources.map((r) => [r.urn, r.name]));
  return Object.fromEntries(
    record.resources
      .filter((r) => r.type === T.apply || r.type === T.gate || r.type === T.bootstrap)
      .map((r) => [r.name, r.dependsOn.map((u) => byUrn.get(u))]),
  );
}

describe("the config roll on the prod stack", () => {
  afterEach(settle);

  async function declare(overrides: Record<string, unknown> = {}) {
    const record = await startEngine({ project: PROJECT, stack: "prod" });
    const cluster = await declareOffline(() => build(specOf("prod", overrides)));
    await settle();
    return { record: deepFreeze(record), cluster };
  }
  /** The prod stack as it is, declared once for the tests that read it (a test of "the same again" declares anew). */
  const prod = once(() => declare());

  const S = "talos-secrets";
  /** Every gate holds the kubeconfig it drains a node with before a reboot. */
  const K = "talos-kubeconfig";

  it("chains the control planes, then the workers one at a time: each apply after the gate before, each gate after its apply", async () => {
    const { record, cluster } = await prod();
    expect(dependencies(record)).toEqual({
      "talos-apply-prod-cp-1": [S],
      "talos-roll-prod-cp-1": ["talos-apply-prod-cp-1", S, K],
      "talos-apply-prod-cp-2": ["talos-roll-prod-cp-1", S],
      "talos-roll-prod-cp-2": ["talos-apply-prod-cp-2", S, K],
      "talos-apply-prod-cp-3": ["talos-roll-prod-cp-2", S],
      "talos-roll-prod-cp-3": ["talos-apply-prod-cp-3", S, K],
      "talos-apply-prod-workers-1": ["talos-roll-prod-cp-3", S],
      "talos-roll-prod-workers-1": ["talos-apply-prod-workers-1", S, K],
      "talos-apply-prod-workers-2": ["talos-roll-prod-workers-1", S],
      "talos-roll-prod-workers-2": ["talos-apply-prod-workers-2", S, K],
      "talos-apply-prod-workers-3": ["talos-roll-prod-workers-2", S],
      "talos-roll-prod-workers-3": ["talos-apply-prod-workers-3", S, K],
      // The first apply alone: no gate holds the bootstrap up on a first deployment.
      "talos-bootstrap": ["talos-apply-prod-cp-1", S],
    });
    expect(await Promise.all(cluster.rolled.map((r) => valueOf(r.urn)))).toEqual([
      one(record, T.gate, "talos-roll-prod-workers-3").urn,
    ]);
  });

  it("batches the workers by workerBatchSize, each batch after the gates of the one before", async () => {
    const workers = [1, 2, 3, 4, 5].map((n) => `prod-workers-${n}`);
    const pools = [{ name: "workers", count: 5, serverType: "cpx42", location: "fsn1" }];
    const { record } = await declare({ workerBatchSize: 2, workerPools: pools });
    const deps = dependencies(record);
    expect(workers.map((n) => [n, deps[`talos-apply-${n}`]])).toEqual([
      ["prod-workers-1", ["talos-roll-prod-cp-3", S]],
      ["prod-workers-2", ["talos-roll-prod-cp-3", S]],
      ["prod-workers-3", ["talos-roll-prod-workers-1", "talos-roll-prod-workers-2", S]],
      ["prod-workers-4", ["talos-roll-prod-workers-1", "talos-roll-prod-workers-2", S]],
      ["prod-workers-5", ["talos-roll-prod-workers-3", "talos-roll-prod-workers-4", S]],
    ]);
    // The control planes are one at a time whatever the batch size.
    expect(deps["talos-apply-prod-cp-2"]).toEqual(["talos-roll-prod-cp-1", S]);
    expect(deps["talos-apply-prod-cp-3"]).toEqual(["talos-roll-prod-cp-2", S]);
  });

  it("gives each gate its node, the apply's config hash, the reboot decision and the health targets; the talosconfig secret", async () => {
    const { record, cluster } = await prod();
    const hashes = await Promise.all(cluster.applies.map((a) => valueOf(a.machineConfigurationHash)));
    expect(new Set(hashes).size).toBe(6);
    const common = {
      REBOOT: "no",
      HEALTH_ADDRESS: "198.51.100.11",
      CONTROL_PLANE_IPS: "10.0.1.11,10.0.1.12,10.0.1.13",
      WORKER_IPS: "10.0.1.21,10.0.1.22,10.0.1.23",
      TALOSCONFIG_CONTENT: await valueOf(cluster.controlPlaneTalosconfig),
      // The admin kubeconfig, its server the API address the runner reaches (here: the endpoint).
      KUBECONFIG_CONTENT: withServer(await valueOf(cluster.kubeconfig), `https://${HOST}:6443`),
    };
    const gates = registrationsOf(record, T.gate);
    expect(gates.map((g) => g.inputs)).toEqual(
      Object.entries(STACKS.prod).map(([node, address], i) => ({
        interpreter: ["/bin/sh", "-c"],
        create: GATE_CREATE,
        update: gateUpdateScript("v1.13.x", "v1.36.x"),
        environment: { NODE_NAME: node, NODE_ADDRESS: address, CONFIG_HASH: hashes[i], ...common },
      })),
    );
    expect(gates.map((g) => g.secretInputs)).toEqual(gates.map(() => ["environment"]));
  });

  it("asks the provider for a mode in which Talos never reboots by itself, and reboots in the gate instead", async () => {
    const modes = ["auto", "reboot", "staged", "staged_if_needing_reboot", "no_reboot"];
    const seen: unknown[] = [];
    for (const talosApplyMode of modes) {
      const { record } = await declare({ talosApplyMode });
      const applyModes = new Set(registrationsOf(record, T.apply).map((a) => a.inputs.applyMode));
      const reboots = new Set(
        registrationsOf(record, T.gate).map((g) => (g.inputs.environment as Record<string, string>).REBOOT),
      );
      seen.push([talosApplyMode, [...applyModes], [...reboots]]);
    }
    // The mock provider resolves a mode to itself; a real one resolves staged_if_needing_reboot to
    // "auto" or "staged" (gateReboots' table, test/upgrades.test.ts).
    expect(seen).toEqual([
      ["auto", ["staged_if_needing_reboot"], ["no"]],
      ["reboot", ["staged_if_needing_reboot"], ["yes"]],
      ["staged", ["staged"], ["yes"]],
      ["staged_if_needing_reboot", ["staged_if_needing_reboot"], ["no"]],
      ["no_reboot", ["no_reboot"], ["no"]],
    ]);
  });

  const gateEnvs = (record: EngineRecord) =>
    Object.fromEntries(registrationsOf(record, T.gate).map((g) => [g.name, g.inputs.environment]));

  it("changes exactly the gates of the nodes whose config changed, and nothing when nothing changed", async () => {
    const before = await prod();
    const again = await declare();
    expect(again.record.resources.map((r) => [r.name, r.inputs])).toEqual(
      before.record.resources.map((r) => [r.name, r.inputs]),
    );
    const labels = { tier: "web" };
    const pools = [{ name: "workers", count: 3, serverType: "cpx42", location: "fsn1", labels }];
    const relabelled = await declare({ workerPools: pools });
    const was = gateEnvs(before.record);
    const now = gateEnvs(relabelled.record);
    const changed = Object.keys(now).filter((g) => JSON.stringify(now[g]) !== JSON.stringify(was[g]));
    expect(changed).toEqual([
      "talos-roll-prod-workers-1",
      "talos-roll-prod-workers-2",
      "talos-roll-prod-workers-3",
    ]);
    for (const gate of changed) {
      const { CONFIG_HASH: a, ...restNow } = now[gate] as Record<string, string>;
      const { CONFIG_HASH: b, ...restWas } = was[gate] as Record<string, string>;
      expect([a === b, restNow]).toEqual([false, restWas]);
    }
  });

  it("on a scale-up changes every gate's node lists but no existing node's config hash (the gate then does nothing)", async () => {
    const before = gateEnvs((await prod()).record);
    const pools = [{ name: "workers", count: 4, serverType: "cpx42", location: "fsn1" }];
    const after = gateEnvs((await declare({ workerPools: pools })).record);
    expect(Object.keys(after)).toEqual([...Object.keys(before), "talos-roll-prod-workers-4"]);
    for (const gate of Object.keys(before)) {
      const was = before[gate] as Record<string, string>;
      expect(after[gate]).toEqual({ ...was, WORKER_IPS: "10.0.1.21,10.0.1.22,10.0.1.23,10.0.1.24" });
    }
  });
});
