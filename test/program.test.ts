/**
 * The real program (index.ts) under the mock engine with the real stack files: exactly what `pulumi up`
 * would declare for ci and prod, the ordering that matters, that secrets stay secret, that the
 * Kubernetes provider and the kubeconfig reach the API on the first control plane's public address
 * (whose certificate SANs hold it), and what production protects.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { registration } from "../tools/mock-engine";
import { ciliumValues } from "../components/cilium/values";
import type { ProgramRun } from "../tools/planner";
import { numericId } from "../tools/mocks";
import { mockIpv4 } from "../tools/mocks/hcloud";
import { MOCK_CLUSTER_ENDPOINT, MOCK_SECRET_MARK } from "../tools/mocks/talos";
import { PROD_SERVERS, specOf, stackRun, valueOf } from "./helpers";

/** The components of issues 3 and 4, each with the children it must declare. */
const TREES = ["talos-image", "{stack}", "{stack}-api", "nodes", "talos", "cilium"];

const run = (stack: "ci" | "prod"): Promise<ProgramRun> => stackRun(stack);

/** The resources of the infrastructure and Cilium component trees, as [type, name]. */
function infrastructure(run: ProgramRun, stack: string): string[][] {
  const roots = new Set(TREES.map((t) => t.replace("{stack}", stack)));
  const rootUrns = new Set(
    run.record.resources.filter((r) => roots.has(r.name) && r.parent === "").map((r) => r.urn),
  );
  return run.record.resources
    .filter((r) => (roots.has(r.name) && r.parent === "") || rootUrns.has(r.parent))
    .map((r) => [r.type, r.name])
    .sort((a, b) => `${a[0]} ${a[1]}`.localeCompare(`${b[0]} ${b[1]}`));
}

const isSecret = (v: unknown): Promise<boolean> => pulumi.isSecret(v as pulumi.Output<unknown>);

/** The public IPv4 of a stack's first control plane: its Primary IP's (mock: derived from its ID). */
const apiAddress = (stack: string): string =>
  mockIpv4(numericId(`hcloud:index/primaryIp:PrimaryIp/nodes-${stack}-cp-1-ipv4`));

describe("the ci stack", () => {
  let ci: ProgramRun;
  beforeAll(async () => {
    ci = await run("ci");
  });

  it("declares exactly the network, endpoint, 1 control plane, 1 worker, the Talos cluster and Cilium", () => {
    expect(infrastructure(ci, "ci")).toEqual([
      ["hcloud-talos-cilium:cilium:Cilium", "cilium"],
      ["hcloud-talos-cilium:hetzner:ControlPlaneEndpoint", "ci-api"],
      ["hcloud-talos-cilium:hetzner:PrivateNetwork", "ci"],
      ["hcloud-talos-cilium:hetzner:TalosNodes", "nodes"],
      ["hcloud-talos-cilium:rolling:NodeRoll", "talos-roll"],
      ["hcloud-talos-cilium:talos:TalosCluster", "talos"],
      ["hcloud-talos-cilium:talos:TalosImage", "talos-image"],
      ["hcloud:index/firewall:Firewall", "ci-firewall"],
      ["hcloud:index/loadBalancer:LoadBalancer", "ci-api-lb"],
      ["hcloud:index/loadBalancerNetwork:LoadBalancerNetwork", "ci-api-network"],
      ["hcloud:index/loadBalancerService:LoadBalancerService", "ci-api-svc-kube-api"],
      ["hcloud:index/loadBalancerTarget:LoadBalancerTarget", "ci-api-target"],
      ["hcloud:index/network:Network", "ci-network"],
      ["hcloud:index/networkSubnet:NetworkSubnet", "ci-subnet"],
      ["hcloud:index/placementGroup:PlacementGroup", "ci-pg-cp-1"],
      ["hcloud:index/placementGroup:PlacementGroup", "ci-pg-workers-1"],
      ["hcloud:index/primaryIp:PrimaryIp", "nodes-ci-cp-1-ipv4"],
      ["hcloud:index/server:Server", "nodes-ci-cp-1"],
      ["hcloud:index/server:Server", "nodes-ci-workers-1"],
      ["kubernetes:core/v1:Namespace", "cilium-spire-namespace"],
      ["kubernetes:helm.sh/v3:Release", "cilium-release"],
      ["kubernetes:yaml/v2:ConfigFile", "cilium-gateway-api"],
      ["pulumi:providers:kubernetes", "cilium-k8s"],
      ["talos:cluster/kubeconfig:Kubeconfig", "talos-kubeconfig"],
      ["talos:imageFactory/schematic:Schematic", "talos-image-schematic"],
      ["talos:machine/bootstrap:Bootstrap", "talos-bootstrap"],
      ["talos:machine/configurationApply:ConfigurationApply", "talos-apply-ci-cp-1"],
      ["talos:machine/configurationApply:ConfigurationApply", "talos-apply-ci-workers-1"],
      ["talos:machine/secrets:Secrets", "talos-secrets"],
    ]);
  });

  it("gives the control plane its network address, placement group, firewall, image and labels, and never replaces it for an image", () => {
    const server = registration(ci.record, "nodes-ci-cp-1");
    // The mock engine gives each hcloud resource a stable numeric ID from its type and name.
    const id = (type: string, name: string) => Number(numericId(`hcloud:index/${type}/${name}`));
    expect(server.inputs).toEqual({
      name: "ci-cp-1",
      serverType: "cpx22",
      location: "fsn1",
      image: "310000001",
      firewallIds: [id("firewall:Firewall", "ci-firewall")],
      networks: [{ networkId: id("network:Network", "ci-network"), ip: "10.0.1.11" }],
      placementGroupId: id("placementGroup:PlacementGroup", "ci-pg-cp-1"),
      publicNets: [
        { ipv4: id("primaryIp:PrimaryIp", "nodes-ci-cp-1-ipv4"), ipv4Enabled: true, ipv6Enabled: true },
      ],
      labels: { cluster: "ci", role: "controlplane", pool: "cp" },
      deleteProtection: false,
      rebuildProtection: false,
      shutdownBeforeDeletion: true,
    });
    expect(server.ignoreChanges).toEqual(["image", "userData"]);
    expect(server.parent).toBe(registration(ci.record, "nodes").urn);
  });

  it("passes the release exactly the values builder's output, after the bootstrap and the Gateway API CRDs", () => {
    const release = registration(ci.record, "cilium-release");
    // The release's chart, version and options: test/cilium.test.ts.
    expect([release.inputs.name, release.inputs.chart]).toEqual(["cilium", "cilium"]);
    expect(release.inputs.values).toEqual(ciliumValues(specOf("ci")));
    expect(release.dependsOn).toEqual(
      expect.arrayContaining([
        registration(ci.record, "talos-bootstrap").urn,
        registration(ci.record, "cilium-gateway-api").urn,
        registration(ci.record, "cilium-spire-namespace").urn,
      ]),
    );
  });

  it("builds the Kubernetes provider from the kubeconfig, as a secret, reaching the first control plane", () => {
    const provider = registration(ci.record, "cilium-k8s");
    expect(provider.secretInputs).toEqual(["kubeconfig"]);
    const kubeconfig = String(provider.inputs.kubeconfig);
    expect(kubeconfig).toContain(MOCK_SECRET_MARK);
    // Talos hands out the cluster endpoint (the private load balancer); the runner reaches cp-1's address.
    expect(kubeconfig).not.toContain(MOCK_CLUSTER_ENDPOINT);
    expect(kubeconfig).toContain(`      server: https://${apiAddress("ci")}:6443\n`);
  });

  it("puts the first control plane's public address into the API server's certificate SANs", () => {
    const cp = ci.record.invokes.find(
      (i) =>
        i.token === "talos:machine/getConfiguration:getConfiguration" &&
        i.inputs.machineType === "controlplane",
    );
    const patch = String((cp?.inputs.configPatches as string[])[0]);
    expect(patch).toContain(`certSANs:\n    - 10.0.1.2\n    - ${apiAddress("ci")}\n`);
  });

  it("labels the SPIRE namespace privileged", () => {
    expect(
      (registration(ci.record, "cilium-spire-namespace").inputs.metadata as { labels: unknown }).labels,
    ).toEqual({
      "pod-security.kubernetes.io/enforce": "privileged",
      "pod-security.kubernetes.io/audit": "privileged",
      "pod-security.kubernetes.io/warn": "privileged",
    });
  });

  it("exports the kubeconfig and the talosconfig as secrets, the endpoint, API server, firewall and knobs in the clear", async () => {
    const out = ci.outputs as Record<string, pulumi.Output<unknown>>;
    expect(await isSecret(out.kubeconfig)).toBe(true);
    expect(await isSecret(out.talosconfig)).toBe(true);
    expect(await isSecret(out.endpoint)).toBe(false);
    expect(await isSecret(out.apiServer)).toBe(false);
    expect(await valueOf(out.knobs as pulumi.Output<unknown>)).toEqual(specOf("ci").knobs);
    expect(await valueOf(out.endpoint as pulumi.Output<unknown>)).toBe("https://10.0.1.2:6443");
    expect(await valueOf(out.apiServer as pulumi.Output<unknown>)).toBe(`https://${apiAddress("ci")}:6443`);
    expect(String(await valueOf(out.kubeconfig as pulumi.Output<unknown>))).toContain(
      `server: https://${apiAddress("ci")}:6443`,
    );
    // The deploy closes the firewall with `pulumi up --target <firewallUrn>` (contract 2).
    expect(await valueOf(out.firewallUrn as pulumi.Output<unknown>)).toBe(
      registration(ci.record, "ci-firewall").urn,
    );
  });

  it("exports the health check as talosctl arguments: the control plane's public address, every private one", async () => {
    const args = ci.outputs.talosHealthArgs as pulumi.Output<string[]>;
    // The mock's public IPv4 of nodes-ci-cp-1: its Primary IP's (derived from that resource's ID).
    const address = apiAddress("ci");
    expect(address).toBe("198.51.100.142");
    expect(await isSecret(args)).toBe(false);
    expect(await valueOf(args)).toEqual([
      ...["--endpoints", address, "--nodes", address, "health", "--wait-timeout", "10m"],
      ...["--control-plane-nodes", "10.0.1.11", "--worker-nodes", "10.0.1.21"],
    ]);
  });

  it("protects nothing: ci is not production", () => {
    expect(ci.record.resources.filter((r) => r.protect || r.inputs.deleteProtection === true)).toEqual([]);
  });

  it("never puts secret material into a resource input in plain text", () => {
    const leaks = ci.record.resources.flatMap((r) =>
      Object.entries(r.inputs)
        .filter(([k, v]) => !r.secretInputs.includes(k) && JSON.stringify(v).includes(MOCK_SECRET_MARK))
        .map(([k]) => `${r.name}.${k}`),
    );
    expect(leaks).toEqual([]);
    // The search is not vacuous: the secret material is there, as secret inputs.
    expect(registration(ci.record, "talos-apply-ci-cp-1").secretInputs).toEqual(
      expect.arrayContaining(["clientConfiguration", "machineConfigurationInput"]),
    );
  });
});

describe("the prod stack", () => {
  let prod: ProgramRun;
  beforeAll(async () => {
    prod = await run("prod");
  });

  it("declares 3 control planes and 3 workers, one Talos apply each, one bootstrap on the first control plane", () => {
    const names = (type: string) => prod.record.resources.filter((r) => r.type === type).map((r) => r.name);
    // cp-1 registers last: it waits for its Primary IP's ID.
    expect(names("hcloud:index/server:Server").sort()).toEqual([
      "nodes-prod-cp-1",
      "nodes-prod-cp-2",
      "nodes-prod-cp-3",
      "nodes-prod-workers-1",
      "nodes-prod-workers-2",
      "nodes-prod-workers-3",
    ]);
    expect(names("talos:machine/configurationApply:ConfigurationApply")).toEqual([
      "talos-apply-prod-cp-1",
      "talos-apply-prod-cp-2",
      "talos-apply-prod-cp-3",
      "talos-apply-prod-workers-1",
      "talos-apply-prod-workers-2",
      "talos-apply-prod-workers-3",
    ]);
    expect(names("talos:machine/bootstrap:Bootstrap")).toEqual(["talos-bootstrap"]);
    expect(registration(prod.record, "talos-bootstrap").dependsOn).toContain(
      registration(prod.record, "talos-apply-prod-cp-1").urn,
    );
  });

  it("replaces each node's config apply with its server, so a replaced server gets its config again", () => {
    const applies = prod.record.resources.filter(
      (r) => r.type === "talos:machine/configurationApply:ConfigurationApply",
    );
    expect(Object.fromEntries(applies.map((a) => [a.name, a.replaceWith]))).toEqual(
      Object.fromEntries(
        ["cp-1", "cp-2", "cp-3", "workers-1", "workers-2", "workers-3"].map((n) => [
          `talos-apply-prod-${n}`,
          [registration(prod.record, `nodes-prod-${n}`).urn],
        ]),
      ),
    );
    // The bootstrap must never run again (a second, empty etcd): it is not tied to the server.
    expect(registration(prod.record, "talos-bootstrap").replaceWith).toEqual([]);
  });

  it("gives every server its planned private address and the ignoreChanges that keep it", () => {
    const servers = prod.record.resources.filter((r) => r.type === "hcloud:index/server:Server");
    expect(servers.map((s) => (s.inputs.networks as { ip: string }[])[0]?.ip).sort()).toEqual(
      PROD_SERVERS.map((s) => s.ip),
    );
    expect(servers.map((s) => s.ignoreChanges)).toEqual(servers.map(() => ["image", "userData"]));
  });

  it("passes the release exactly the values builder's output", () => {
    expect(registration(prod.record, "cilium-release").inputs.values).toEqual(ciliumValues(specOf("prod")));
  });

  it("protects the machine secrets, the network, subnet, firewall, load balancer, API address, servers and the Cilium release", () => {
    const guarded = prod.record.resources.filter((r) => r.protect).map((r) => `${r.type} ${r.name}`);
    expect(guarded.sort()).toEqual(
      [
        "talos:machine/secrets:Secrets talos-secrets",
        "hcloud:index/network:Network prod-network",
        "hcloud:index/networkSubnet:NetworkSubnet prod-subnet",
        "hcloud:index/firewall:Firewall prod-firewall",
        "hcloud:index/loadBalancer:LoadBalancer prod-api-lb",
        "hcloud:index/primaryIp:PrimaryIp nodes-prod-cp-1-ipv4",
        ...["cp-1", "cp-2", "cp-3", "workers-1", "workers-2", "workers-3"].map(
          (n) => `hcloud:index/server:Server nodes-prod-${n}`,
        ),
        "kubernetes:helm.sh/v3:Release cilium-release",
      ].sort(),
    );
    const hetznerGuarded = prod.record.resources
      .filter((r) => r.inputs.deleteProtection === true)
      .map((r) => r.name);
    expect(hetznerGuarded.sort()).toEqual(
      [
        "prod-network",
        "prod-api-lb",
        "nodes-prod-cp-1-ipv4",
        ...["cp-1", "cp-2", "cp-3", "workers-1", "workers-2", "workers-3"].map((n) => `nodes-prod-${n}`),
      ].sort(),
    );
  });
});
