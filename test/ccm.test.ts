/**
 * The hcloud cloud-controller-manager under the mock engine: the release's exact inputs and values per
 * routing mode, the `hcloud` Secret (token as a secret input), the ordering, the token's sources, and
 * the chart version rule.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { CloudControllerManager, ccmValues, hcloudToken } from "../components/cloud-controller";
import type { ClusterSpec } from "../components/config/spec";
import { settle, startEngine, type EngineRecord, registration } from "../tools/mock-engine";
import { problemsOf, resolveWith, specOf, valueOf } from "./helpers";
import { deepFreeze, once } from "./shared-state";

const TOKEN = "hcloud-token-MOCK-SECRET";
const NETWORK_ID = 4711;
/** A native-routing stack: the pod CIDR routed by the network (the rules require the CIDR). */
const NATIVE = { routingMode: "native", ipv4NativeRoutingCidr: "10.244.0.0/16" } as const;

/** A stand-in for the Cilium release. */
class StandIn extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Release", name, {});
  }
}

async function build(spec: ClusterSpec): Promise<EngineRecord> {
  const record = await startEngine({ project: "hcloud-talos-cilium", stack: spec.stack });
  const provider = new k8s.Provider("k8s", { kubeconfig: pulumi.secret("apiVersion: v1\nkind: Config") });
  new CloudControllerManager("hcloud-ccm", {
    spec,
    networkId: pulumi.output(NETWORK_ID),
    token: pulumi.secret(TOKEN),
    provider,
    dependsOn: [new StandIn("cilium-release")],
  });
  await settle();
  return record;
}

/** The component of ci's own spec, built once for the tests that only read it (deterministic), frozen. */
const builtCi: () => Promise<EngineRecord> = once(() => build(specOf("ci")).then(deepFreeze));

afterEach(settle);

describe("the cloud-controller-manager component", () => {
  it("declares exactly the component, the hcloud Secret and the release, each a child of the component", async () => {
    const record = await builtCi();
    const mine = record.resources.filter((r) => !["k8s", "cilium-release"].includes(r.name));
    expect(mine.map((r) => [r.type, r.name])).toEqual([
      ["hcloud-talos-cilium:cloud-controller:CloudControllerManager", "hcloud-ccm"],
      ["kubernetes:core/v1:Secret", "hcloud-ccm-secret"],
      ["kubernetes:helm.sh/v3:Release", "hcloud-ccm-release"],
    ]);
    const component = registration(record, "hcloud-ccm");
    expect(registration(record, "hcloud-ccm-secret").parent).toBe(component.urn);
    expect(registration(record, "hcloud-ccm-release").parent).toBe(component.urn);
  });

  it("installs Hetzner's chart at the pinned version with the tunnel-mode values (ci)", async () => {
    const release = registration(await builtCi(), "hcloud-ccm-release");
    expect(release.inputs).toEqual({
      name: "hcloud-cloud-controller-manager",
      namespace: "kube-system",
      chart: "hcloud-cloud-controller-manager",
      version: "1.33.0",
      repositoryOpts: { repo: "https://charts.hetzner.cloud" },
      values: {
        networking: { enabled: false, clusterCIDR: "10.244.0.0/16" },
        env: {
          HCLOUD_LOAD_BALANCERS_NETWORK_ZONE: { value: "eu-central" },
          HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP: { value: "true" },
          HCLOUD_NETWORK: { valueFrom: { secretKeyRef: { name: "hcloud", key: "network" } } },
          HCLOUD_NETWORK_ROUTES_ENABLED: { value: "false" },
        },
      },
      atomic: true,
      cleanupOnFail: true,
      timeout: 1200,
      maxHistory: 10,
      compat: "true", // added by @pulumi/kubernetes to every helm.v3.Release
    });
  });

  it("enables the chart's networking (route controller, cluster CIDR = pod CIDR) only with native routing", async () => {
    const release = registration(await build(specOf("ci", NATIVE)), "hcloud-ccm-release");
    expect(release.inputs.values).toEqual({
      networking: { enabled: true, clusterCIDR: "10.244.0.0/16" },
      env: {
        HCLOUD_LOAD_BALANCERS_NETWORK_ZONE: { value: "eu-central" },
        HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP: { value: "true" },
      },
    });
  });

  it.each([
    ["tunnel", {}, false],
    ["native", { routingMode: "native", ipv4NativeRoutingCidr: "10.200.0.0/16" }, true],
  ] as const)("follows the stack's pod CIDR and network zone (%s)", (_mode, knobs, enabled) => {
    const pool = { count: 1, serverType: "cpx31", location: "ash" };
    const spec = specOf("prod", {
      ...knobs,
      podCidr: "10.200.0.0/16",
      networkZone: "us-east",
      controlPlane: { name: "cp", ...pool },
      workerPools: [{ name: "workers", ...pool }],
    });
    const values = ccmValues(spec);
    expect(values.networking).toEqual({ enabled, clusterCIDR: "10.200.0.0/16" });
    expect(values.env.HCLOUD_LOAD_BALANCERS_NETWORK_ZONE).toEqual({ value: "us-east" });
  });

  it("puts the token and the network ID in the Secret `hcloud` the chart reads, the token as a secret input", async () => {
    const record = await builtCi();
    const secret = registration(record, "hcloud-ccm-secret");
    expect(secret.inputs).toMatchObject({
      metadata: { name: "hcloud", namespace: "kube-system" },
      stringData: { token: TOKEN, network: String(NETWORK_ID) },
    });
    expect(secret.secretInputs).toEqual(["stringData"]);
    // Nowhere else in plain text.
    const leaks = record.resources.flatMap((r) =>
      Object.entries(r.inputs)
        .filter(([k, v]) => !r.secretInputs.includes(k) && JSON.stringify(v).includes(TOKEN))
        .map(([k]) => `${r.name}.${k}`),
    );
    expect(leaks).toEqual([]);
  });

  it("installs the release with the cluster's provider, after its Secret and what it is told to wait for", async () => {
    const record = await builtCi();
    const release = registration(record, "hcloud-ccm-release");
    expect(release.dependsOn).toEqual([
      registration(record, "hcloud-ccm-secret").urn,
      registration(record, "cilium-release").urn,
    ]);
    const provider = registration(record, "k8s").urn;
    expect(release.provider.startsWith(`${provider}::`)).toBe(true);
    expect(registration(record, "hcloud-ccm-secret").provider.startsWith(`${provider}::`)).toBe(true);
  });
});

describe("the Hetzner token", () => {
  async function withConfig(config: Record<string, string>, secretKeys: string[]): Promise<void> {
    await startEngine({ project: "hcloud-talos-cilium", stack: "ci" });
    pulumi.runtime.setAllConfig(config, secretKeys);
  }

  it("comes from the secret config hcloud:token first, as a secret", async () => {
    await withConfig({ "hcloud:token": "from-config" }, ["hcloud:token"]);
    const token = hcloudToken({ HCLOUD_TOKEN: "from-env" });
    expect([await valueOf(token), await pulumi.isSecret(token)]).toEqual(["from-config", true]);
  });

  it("falls back to HCLOUD_TOKEN, wrapped as a secret", async () => {
    await withConfig({}, []);
    const token = hcloudToken({ HCLOUD_TOKEN: "from-env" });
    expect([await valueOf(token), await pulumi.isSecret(token)]).toEqual(["from-env", true]);
  });

  it("fails before anything is declared when neither is set, naming both", async () => {
    await withConfig({}, []);
    expect(() => hcloudToken({ HCLOUD_TOKEN: "" })).toThrow(pulumi.RunError);
    expect(() => hcloudToken({})).toThrow(
      /The Hetzner Cloud token is missing; nothing was created or changed\..*`pulumi config set --secret hcloud:token <token>`, or export HCLOUD_TOKEN\./,
    );
  });
});

describe("the chart version rule", () => {
  it.each(["1.30.1", "1.33.0", "1.40.2"])("accepts %s", (version) => {
    expect(problemsOf(resolveWith({ hcloudCcmVersion: version }))).toEqual([]);
  });

  it.each(["1.30.0", "1.25.1", "2.0.0"])("refuses %s (the API no longer returns `datacenter`)", (version) => {
    expect(problemsOf(resolveWith({ hcloudCcmVersion: version }))).toEqual([
      `hcloud-talos-cilium:hcloudCcmVersion = "${version}": releases before 1.30.1 read the server "datacenter" property Hetzner's API no longer returns (they crash), and the values target the 1.x chart. Allowed: 1.x from 1.30.1. Fix: set hcloudCcmVersion to 1.33.0 or a newer 1.x release.`,
    ]);
  });
});
