/**
 * The real program (index.ts) under the mock engine with the real stack files: exactly what `pulumi up`
 * would declare for ci and prod, the ordering that matters, and that secrets stay secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { registration } from "../tools/mock-engine";
import { ciliumValues } from "../components/datapath/values";
import type { ProgramRun } from "../tools/planner";
import { numericId } from "../tools/mocks";
import { mockIpv4 } from "../tools/mocks/hcloud";
import { MOCK_SECRET_MARK } from "../tools/mocks/talos";
import { runStack, specOf, valueOf } from "./helpers";

/** The components of issues 3 and 4, each with the children it must declare. */
const TREES = ["talos-image", "{stack}", "{stack}-api", "nodes", "talos", "cilium"];

const run = (stack: "ci" | "prod"): Promise<ProgramRun> => runStack(stack);

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
      ["hcloud-talos-cilium:talos:TalosCluster", "talos"],
      ["hcloud-talos-cilium:talos:TalosImage", "talos-image"],
      ["hcloud:index/firewall:Firewall", "ci-firewall"],
      ["hcloud:index/loadBalancer:LoadBalancer", "ci-api-lb"],
      ["hcloud:index/loadBalancerNetwork:LoadBalancerNetwork", "ci-api-network"],
      ["hcloud:index/loadBalancerService:LoadBalancerService", "ci-api-svc-kube-api"],
      ["hcloud:index/loadBalancerService:LoadBalancerService", "ci-api-svc-talos-api"],
      ["hcloud:index/loadBalancerTarget:LoadBalancerTarget", "ci-api-target"],
      ["hcloud:index/network:Network", "ci-network"],
      ["hcloud:index/networkSubnet:NetworkSubnet", "ci-subnet"],
      ["hcloud:index/placementGroup:PlacementGroup", "ci-pg-cp-1"],
      ["hcloud:index/placementGroup:PlacementGroup", "ci-pg-workers-1"],
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
      serverType: "cpx21",
      location: "fsn1",
      image: "310000001",
      firewallIds: [id("firewall:Firewall", "ci-firewall")],
      networks: [{ networkId: id("network:Network", "ci-network"), ip: "10.0.1.11" }],
      placementGroupId: id("placementGroup:PlacementGroup", "ci-pg-cp-1"),
      publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
      labels: { cluster: "ci", role: "controlplane", pool: "cp" },
    });
    expect(server.ignoreChanges).toEqual(["image", "userData"]);
    expect(server.parent).toBe(registration(ci.record, "nodes").urn);
  });

  it("passes the release exactly the values builder's output, after the bootstrap and the Gateway API CRDs", () => {
    const release = registration(ci.record, "cilium-release");
    expect(release.inputs).toMatchObject({
      name: "cilium",
      namespace: "kube-system",
      chart: "cilium",
      version: "1.20.0",
      repositoryOpts: { repo: "https://helm.cilium.io" },
      atomic: true,
    });
    expect(release.inputs.values).toEqual(ciliumValues(specOf("ci")));
    expect(release.dependsOn).toEqual(
      expect.arrayContaining([
        registration(ci.record, "talos-bootstrap").urn,
        registration(ci.record, "cilium-gateway-api").urn,
        registration(ci.record, "cilium-spire-namespace").urn,
      ]),
    );
  });

  it("builds the Kubernetes provider from the kubeconfig, as a secret", () => {
    const provider = registration(ci.record, "cilium-k8s");
    expect(provider.secretInputs).toEqual(["kubeconfig"]);
    expect(String(provider.inputs.kubeconfig)).toContain(MOCK_SECRET_MARK);
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

  it("exports the kubeconfig and the talosconfig as secrets, the endpoint and knobs in the clear", async () => {
    expect(await isSecret(ci.outputs.kubeconfig)).toBe(true);
    expect(await isSecret(ci.outputs.talosconfig)).toBe(true);
    expect(await isSecret(ci.outputs.endpoint)).toBe(false);
    expect(ci.outputs.knobs).toEqual(specOf("ci").knobs);
  });

  it("exports the health check as talosctl arguments: the control plane's public address, every private one", async () => {
    const args = ci.outputs.talosHealthArgs as pulumi.Output<string[]>;
    // The mock's public IPv4 of server nodes-ci-cp-1 (derived from its ID).
    const address = mockIpv4(numericId("hcloud:index/server:Server/nodes-ci-cp-1"));
    expect(address).toBe("198.51.100.96");
    expect(await isSecret(args)).toBe(false);
    expect(await valueOf(args)).toEqual([
      ...["--endpoints", address, "--nodes", address, "health", "--wait-timeout", "10m"],
      ...["--control-plane-nodes", "10.0.1.11", "--worker-nodes", "10.0.1.21"],
    ]);
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
    expect(names("hcloud:index/server:Server")).toEqual([
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

  it("gives every server its planned private address and the ignoreChanges that keep it", () => {
    const servers = prod.record.resources.filter((r) => r.type === "hcloud:index/server:Server");
    expect(servers.map((s) => (s.inputs.networks as { ip: string }[])[0]?.ip)).toEqual([
      "10.0.1.11",
      "10.0.1.12",
      "10.0.1.13",
      "10.0.1.21",
      "10.0.1.22",
      "10.0.1.23",
    ]);
    expect(servers.map((s) => s.ignoreChanges)).toEqual(servers.map(() => ["image", "userData"]));
  });

  it("passes the release exactly the values builder's output", () => {
    expect(registration(prod.record, "cilium-release").inputs.values).toEqual(ciliumValues(specOf("prod")));
  });
});
