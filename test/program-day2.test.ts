/**
 * Day 2 of the whole program under the mock engine: the cloud controller and external cloud provider
 * wired in, the rolling upgrade per node, what a Talos version change does (and does not do: replace a
 * server), and the changes refused at preview (a skipped minor, a Kubernetes version Talos does not
 * support, a missing token), each naming its key.
 */
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments } from "yaml";
import { afterEach, describe, expect, it } from "vitest";
import { PROJECT } from "../components/core/define";
import { program } from "../components/program";
import { DEPLOYED_OUTPUTS } from "../components/upgrades";
import {
  settle,
  startEngine,
  type EngineRecord,
  declareOffline,
  registration,
  registrationsOf,
} from "../tools/mock-engine";
import { numericId } from "../tools/mocks";
import { clearLastDeployment, setLastDeployment } from "../tools/mocks/command";
import { mockIpv4 } from "../tools/mocks/hcloud";
import type { ProgramRun } from "../tools/planner";
import { loadStackConfig } from "../tools/stack-files";
import { PROD_NODE_NAMES, ROOT, runStack, stackRun, valueOf } from "./helpers";
import { deepFreeze, once } from "./shared-state";

const COMMAND = "command:local:Command";
const SERVER = "hcloud:index/server:Server";
const APPLY = "talos:machine/configurationApply:ConfigurationApply";
/** The upgrade commands (the config roll's gates `talos-roll-*` and the `etcd-*` membership commands are commands too). */
const upgradeSteps = (record: EngineRecord) =>
  registrationsOf(record, COMMAND).filter((c) => c.name.startsWith("upgrades-"));
/** The mock Schematic's ID (unlisted types get `<name>-id`). */
const SCHEMATIC = "talos-image-schematic-id";

/** The public IPv4 the mock engine gives a server; the first control plane's is its Primary IP's. */
const publicIp = (node: string): string =>
  node.endsWith("-cp-1")
    ? mockIpv4(numericId(`hcloud:index/primaryIp:PrimaryIp/nodes-${node}-ipv4`))
    : mockIpv4(numericId(`${SERVER}/nodes-${node}`));

afterEach(async () => {
  await settle();
  clearLastDeployment();
});

interface Preview {
  readonly record: EngineRecord;
  /** What `program()` threw while declaring (a config or token problem). */
  readonly thrown: unknown;
  /** What the language host would report afterwards: rejections nothing handled. */
  readonly reported: readonly unknown[];
}

/**
 * `pulumi preview` of a stack file with overrides, as the language host runs it: `program()` under the
 * mock engine in preview mode, the last deployment's outputs as given, unhandled rejections collected
 * (the host logs each RunError's message and fails the preview).
 */
async function preview(
  stack: "ci" | "prod",
  opts: {
    overrides?: Record<string, string>;
    deployed?: Record<string, string>;
    /** The token as a secret (default), in plain text, or none. */
    token?: boolean | "plain";
    env?: Record<string, string>;
  } = {},
): Promise<Preview> {
  const cfg = loadStackConfig(ROOT, join(ROOT, `Pulumi.${stack}.yaml`));
  const record = await startEngine({ project: PROJECT, stack, preview: true });
  const overrides = Object.fromEntries(
    Object.entries(opts.overrides ?? {}).map(([k, v]) => [`${PROJECT}:${k}`, v]),
  );
  const token: Record<string, string> = opts.token === false ? {} : { "hcloud:token": "preview-token" };
  const secretKeys = opts.token === "plain" ? [] : Object.keys(token);
  pulumi.runtime.setAllConfig({ ...cfg.config, ...overrides, ...token }, secretKeys);
  const env = Object.entries(opts.env ?? {});
  for (const [k, v] of env) process.env[k] = v;
  setLastDeployment(opts.deployed ?? {});
  const reported = new Set<unknown>();
  const listeners = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", (err) => reported.add(err));
  const envToken = process.env.HCLOUD_TOKEN;
  delete process.env.HCLOUD_TOKEN;
  let thrown: unknown;
  try {
    await declareOffline(() => program());
    await new Promise((r) => setTimeout(r, 20));
  } catch (err) {
    thrown = err;
  } finally {
    if (envToken !== undefined) process.env.HCLOUD_TOKEN = envToken;
    for (const [k] of env) delete process.env[k];
    process.removeAllListeners("unhandledRejection");
    for (const l of listeners) process.on("unhandledRejection", l);
  }
  return { record, thrown, reported: [...reported] };
}

/** A preview of prod as it stands (a first deployment), and a run of each stack: each made once, read by several tests. */
const firstPreview = once(async () => {
  const p = await preview("prod");
  deepFreeze(p.record);
  return p;
});
// The real stacks as they are: test/helpers.ts runs each once per worker (frozen), for every file that reads it.
const ciRun = () => stackRun("ci");
const prodRun = () => stackRun("prod");

describe("refused at preview, naming the key", () => {
  it("a Talos upgrade that skips a minor: the preview fails before anything is declared, the cause once", async () => {
    const p = await preview("prod", { deployed: { talosVersion: "v1.11.5", kubernetesVersion: "1.36.3" } });
    expect(pulumi.RunError.isInstance(p.thrown)).toBe(true);
    expect(p.reported).toEqual([]);
    // The message as the program wrote it: no "error serializing property" wrappers around it.
    expect((p.thrown as Error).message).toBe(
      [
        "The version change is not a supported upgrade; nothing was created or changed:",
        '  - hcloud-talos-cilium:talosVersion = "v1.13.9": the nodes run v1.11.5 (this stack\'s last deployment), and Talos migrates its configuration only between adjacent minors. Allowed: v1.11.x or v1.12.x. Fix: upgrade one minor at a time, each to its latest patch: v1.11.5 → v1.11.x → v1.12.x → v1.13.9; this program\'s machine config targets v1.13.x only, so take the v1.11.x, v1.12.x steps by hand with `talosctl upgrade` (README, "Day-2") and deploy v1.13.9 last.',
      ].join("\n"),
    );
    expect(p.record.resources).toEqual([]);
  });

  it("a Kubernetes upgrade that skips a minor", async () => {
    const p = await preview("ci", { deployed: { talosVersion: "v1.13.9", kubernetesVersion: "1.34.2" } });
    expect((p.thrown as Error).message).toContain(
      'hcloud-talos-cilium:kubernetesVersion = "1.36.3": the cluster runs Kubernetes 1.34.2 (this stack\'s last deployment), and `talosctl upgrade-k8s` moves one minor at a time',
    );
    expect(p.record.resources).toEqual([]);
  });

  it("a Kubernetes version outside the range Talos supports: nothing is declared", async () => {
    const p = await preview("ci", { overrides: { kubernetesVersion: "1.30.4" } });
    expect(pulumi.RunError.isInstance(p.thrown)).toBe(true);
    expect((p.thrown as Error).message).toContain(
      'hcloud-talos-cilium:kubernetesVersion = "1.30.4": Talos v1.13.9 supports Kubernetes 1.31 to 1.36. Allowed: 1.31.x to 1.36.x.',
    );
    expect(p.record.resources).toEqual([]);
  });

  it("a missing Hetzner token: nothing is declared, and both sources are named", async () => {
    const p = await preview("ci", { token: false });
    expect(pulumi.RunError.isInstance(p.thrown)).toBe(true);
    expect((p.thrown as Error).message).toContain("hcloud:token");
    expect((p.thrown as Error).message).toContain("HCLOUD_TOKEN");
    expect(p.record.resources).toEqual([]);
  });

  it("a plain-text hcloud:token: nothing is declared, and the token is not printed", async () => {
    const p = await preview("ci", { token: "plain" });
    expect(pulumi.RunError.isInstance(p.thrown)).toBe(true);
    expect((p.thrown as Error).message).toBe(
      "The stack configuration is invalid; nothing was created or changed:\n  - hcloud:token is set in plain text in the stack's config (its value is not shown): anyone who can read the stack file or `pulumi config` has the project's API token. Allowed: a secure: value (`pulumi config set --secret hcloud:token <token>`) or the HCLOUD_TOKEN environment variable. Fix: `pulumi config rm hcloud:token`, rotate the token in the Hetzner Cloud console (it has been in plain text), then set the new one as a secret or export HCLOUD_TOKEN.",
    );
    expect((p.thrown as Error).message).not.toContain("preview-token");
    expect(p.record.resources).toEqual([]);
  });

  it("a server type Hetzner does not sell any more: nothing is declared, not even the network", async () => {
    const workers = JSON.stringify([{ name: "workers", count: 3, serverType: "cpx41", location: "fsn1" }]);
    const p = await preview("prod", { overrides: { workerPools: workers } });
    expect(pulumi.RunError.isInstance(p.thrown)).toBe(true);
    expect((p.thrown as Error).message).toBe(
      'The pools\' server types are not available; nothing was created or changed:\n  - hcloud-talos-cilium:workerPools[0].serverType = "cpx41": the Hetzner API (getServerType) marks cpx41 deprecated in fsn1 (announced 2025-10-16T06:00:00Z; unavailable after 2025-12-31T23:59:59Z): a replaced or added server could not be created. Allowed: a current server type sold in fsn1, e.g. cpx22, cpx32 or cpx42 (x86) or cax21 (arm64) in fsn1, nbg1 and hel1. Fix: pick one from `hcloud server-type describe <type>` that lists fsn1 without a deprecation; changing the type of running servers powers each one off to resize it.',
    );
    // The check is awaited before the first registration: the refusal left nothing behind.
    expect(p.record.resources).toEqual([]);
    expect(p.record.invokes.map((i) => i.token)).toEqual([
      "hcloud:index/getServerType:getServerType",
      "hcloud:index/getServerType:getServerType",
    ]);
  });

  it("a DEPLOY_RUNNER_IP that is no address: nothing is declared, the variable named", async () => {
    const p = await preview("prod", { env: { DEPLOY_RUNNER_IP: "198.51.100.7/32" } });
    expect(pulumi.RunError.isInstance(p.thrown)).toBe(true);
    expect((p.thrown as Error).message).toContain(
      '  - DEPLOY_RUNNER_IP = "198.51.100.7/32": not a bare IPv4 or IPv6 address',
    );
    expect(p.record.resources).toEqual([]);
  });

  it("but the runner's address, for this run: both admin ports open to it on prod", async () => {
    const p = await preview("prod", { env: { DEPLOY_RUNNER_IP: "192.0.2.7" } });
    expect([p.thrown, p.reported]).toEqual([undefined, []]);
    const rules = registration(p.record, "prod-firewall").inputs.rules as {
      port?: string;
      sourceIps: string[];
    }[];
    expect(rules.map((r) => [r.port, r.sourceIps])).toEqual([
      ["6443", ["203.0.113.0/24", "192.0.2.7/32"]],
      ["50000", ["203.0.113.0/24", "192.0.2.7/32"]],
      [undefined, ["0.0.0.0/0", "::/0"]],
    ]);
  });

  it("but not a supported upgrade (one patch), nor a first deployment", async () => {
    const patch = () =>
      preview("prod", { deployed: { talosVersion: "v1.13.8", kubernetesVersion: "1.36.2" } });
    for (const run of [patch, firstPreview]) {
      const p = await run();
      expect([p.thrown, p.reported]).toEqual([undefined, []]);
      expect(upgradeSteps(p.record)).toHaveLength(7);
      // DEPLOY_RUNNER_IP unset (the workflow's closing `pulumi up --target <firewallUrn>`): adminCidrs only.
      const rules = registration(p.record, "prod-firewall").inputs.rules as { sourceIps: string[] }[];
      expect(rules.map((r) => r.sourceIps)).toEqual([
        ["203.0.113.0/24"],
        ["203.0.113.0/24"],
        ["0.0.0.0/0", "::/0"],
      ]);
    }
  });
});

describe("the cloud controller in the program", () => {
  it("runs every kubelet with an external cloud provider", async () => {
    const { record } = await ciRun();
    const patches = record.invokes
      .filter((i) => i.token === "talos:machine/getConfiguration:getConfiguration")
      .map((i) => [
        i.inputs.machineType,
        (i.inputs.configPatches as string[])
          .flatMap((p) => parseAllDocuments(p).map((d) => d.toJS() as Record<string, unknown>))
          .map((d) => (d.cluster as Record<string, unknown> | undefined)?.externalCloudProvider)
          .find((x) => x !== undefined),
      ]);
    expect(patches).toEqual([
      ["controlplane", { enabled: true }],
      ["worker", { enabled: true }],
    ]);
  });

  it("installs the release and its Secret with the cluster's provider, the network ID and the token as a secret", async () => {
    const { record } = await ciRun();
    const secret = registration(record, "hcloud-ccm-secret");
    expect(secret.inputs.stringData).toEqual({
      token: "[secret]",
      network: numericId("hcloud:index/network:Network/ci-network"),
    });
    expect(secret.secretInputs).toEqual(["stringData"]);
    const release = registration(record, "hcloud-ccm-release");
    expect(release.inputs).toMatchObject({ name: "hcloud-cloud-controller-manager", version: "1.33.0" });
    const provider = registration(record, "cilium-k8s").urn;
    expect([
      release.provider.startsWith(`${provider}::`),
      secret.provider.startsWith(`${provider}::`),
    ]).toEqual([true, true]);
    // After the Cilium release (whose pods tolerate the uninitialized taint the controller removes).
    expect([...release.dependsOn].sort()).toEqual(
      [registration(record, "cilium-release").urn, secret.urn].sort(),
    );
  });
});

describe("the rolling upgrade in the program", () => {
  it("gives every node one command, control planes first, with its public address and the stack's installer", async () => {
    const { record } = await prodRun();
    const nodes = PROD_NODE_NAMES;
    const steps = upgradeSteps(record).slice(0, -1);
    expect(steps.map((s) => s.name)).toEqual(nodes.map((n) => `upgrades-${n}`));
    expect(
      steps.map((s) => {
        const env = s.inputs.environment as Record<string, string>;
        return [env.NODE_NAME, env.NODE_ADDRESS, env.INSTALLER_IMAGE, env.HEALTH_ADDRESS];
      }),
    ).toEqual(
      nodes.map((n) => [
        n,
        publicIp(n),
        `factory.talos.dev/hcloud-installer/${SCHEMATIC}:v1.13.9`,
        publicIp("prod-cp-1"),
      ]),
    );
    expect(steps.map((s) => s.inputs.triggers)).toEqual(steps.map(() => ["v1.13.9", SCHEMATIC]));
  });

  it("hands each step the talosconfig without nodes: a step depends on its own server and the control planes only", async () => {
    const { record } = await prodRun();
    const servers = registrationsOf(record, SERVER);
    const controlPlanes = servers.filter((s) => s.name.includes("-cp-")).map((s) => s.urn);
    const steps = upgradeSteps(record).slice(0, -1);
    expect(
      steps.map(
        (s) => String((s.inputs.environment as Record<string, string>).TALOSCONFIG_CONTENT).split("\n")[1],
      ),
    ).toEqual(
      steps.map(
        () =>
          `contexts: { prod: { endpoints: [${["prod-cp-1", "prod-cp-2", "prod-cp-3"].map(publicIp).join(", ")}], nodes: [] } }`,
      ),
    );
    expect(steps.map((s) => s.secretInputs.includes("environment"))).toEqual(steps.map(() => true));
    // Holding the every-node talosconfig made every step depend on every server (a plan cost growing
    // with the square of the nodes, and every step in the diff of any worker's change).
    const serverDeps = steps.map((s) =>
      s.dependsOn.filter((urn) => servers.some((x) => x.urn === urn)).sort(),
    );
    expect(serverDeps.slice(3)).toEqual(
      steps
        .slice(3)
        .map((s) =>
          [...controlPlanes, registration(record, s.name.replace(/^upgrades-/, "nodes-")).urn].sort(),
        ),
    );
  });

  it("starts after every config apply and both releases, one node at a time, upgrade-k8s last", async () => {
    const { record } = await prodRun();
    const all = upgradeSteps(record);
    // Recorded dependencies include those of the inputs (servers, secrets): check containment.
    expect(all[0]?.dependsOn).toEqual(
      expect.arrayContaining([
        ...registrationsOf(record, APPLY).map((a) => a.urn),
        registration(record, "cilium-release").urn,
        registration(record, "hcloud-ccm-release").urn,
      ]),
    );
    const commandDeps = all.map((c) => c.dependsOn.filter((urn) => all.some((x) => x.urn === urn)));
    expect(commandDeps).toEqual([[], ...all.slice(0, -1).map((c) => [c.urn])]);
    expect(all.at(-1)?.name).toBe("upgrades-kubernetes");
  });

  it("exports the versions the next deployment's check starts from", async () => {
    const run = await prodRun();
    expect(Object.keys(run.outputs)).toEqual(expect.arrayContaining([...DEPLOYED_OUTPUTS]));
    const out = run.outputs as Record<string, pulumi.Output<string>>;
    expect([
      await valueOf(out.talosVersion as pulumi.Output<string>),
      await valueOf(out.kubernetesVersion as pulumi.Output<string>),
    ]).toEqual(["v1.13.9", "1.36.3"]);
  });
});

describe("a Talos version change", () => {
  // v1.13.9 is prod's talosVersion (the default): its run is prodRun's; "again" sets it explicitly.
  const runs: Record<string, ProgramRun> = {};
  const run = async (talosVersion: string, key = talosVersion): Promise<ProgramRun> =>
    (runs[key] ??= await runStack("prod", { talosVersion }));

  it("keeps the running Kubernetes version in the machine config: upgrade-k8s, not a config apply, moves it", async () => {
    const configured = (record: EngineRecord) =>
      record.invokes
        .filter((i) => i.token === "talos:machine/getConfiguration:getConfiguration")
        .map((i) => i.inputs.kubernetesVersion);
    const upgrading = await preview("prod", {
      deployed: { talosVersion: "v1.13.9", kubernetesVersion: "1.35.4" },
    });
    expect(configured(upgrading.record)).toEqual(["1.35.4", "1.35.4"]);
    const k8s = registration(upgrading.record, "upgrades-kubernetes");
    expect((k8s.inputs.environment as Record<string, unknown>).KUBERNETES_VERSION).toBe("1.36.3");
    const first = await firstPreview();
    expect(configured(first.record)).toEqual(["1.36.3", "1.36.3"]);
  });

  it("changes the triggers of every node's command, and of nothing else", async () => {
    const before = upgradeSteps((await run("v1.13.8")).record);
    const after = upgradeSteps((await prodRun()).record);
    const changed = after.filter(
      (c, i) => JSON.stringify(c.inputs.triggers) !== JSON.stringify(before[i]?.inputs.triggers),
    );
    expect(changed.map((c) => c.name)).toEqual(after.slice(0, -1).map((c) => c.name));
  });

  it("with no change, leaves every command's inputs and triggers as they were: nothing runs", async () => {
    const first = upgradeSteps((await prodRun()).record);
    const second = upgradeSteps((await run("v1.13.9", "again")).record);
    expect(second.map((c) => [c.name, c.inputs])).toEqual(first.map((c) => [c.name, c.inputs]));
  });

  it("replaces no server: same inputs and options, the image (looked up for the new version) ignored", async () => {
    const before = await run("v1.13.8");
    const after = await prodRun();
    const servers = (r: ProgramRun) =>
      registrationsOf(r.record, SERVER).map((s) => [
        s.name,
        s.inputs,
        s.ignoreChanges,
        s.deleteBeforeReplace,
      ]);
    expect(servers(after)).toEqual(servers(before));
    expect(registrationsOf(after.record, SERVER).map((s) => s.ignoreChanges)).toEqual(
      registrationsOf(after.record, SERVER).map(() => ["image", "userData"]),
    );
    // The snapshot lookup does follow the version: only ignoreChanges keeps a new image ID off the servers.
    const selectors = (r: ProgramRun) =>
      r.record.invokes
        .filter((i) => i.token === "hcloud:index/getImage:getImage")
        .map((i) => i.inputs.withSelector);
    expect(selectors(before)).not.toEqual(selectors(after));
    expect(String(selectors(after)[0])).toContain("talos-version=v1.13.9");
  });
});
