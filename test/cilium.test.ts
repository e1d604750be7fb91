/**
 * The Cilium component under the mock engine: the release's exact inputs and values, its ordering
 * after the cluster, the Gateway API CRDs and the SPIRE namespace, and the secret kubeconfig.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { Cilium } from "../components/cilium";
import { ciliumValues } from "../components/cilium/values";
import type { ClusterSpec } from "../components/config/spec";
import { settle, startEngine, type EngineRecord, registration } from "../tools/mock-engine";
import { specOf } from "./helpers";
import { deepFreeze, once } from "./shared-state";

/** A stand-in for the Talos bootstrap resource. */
class StandIn extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Bootstrap", name, {});
  }
}

/** Builds the component after a stand-in for the Talos bootstrap, and waits for every registration. */
async function build(spec: ClusterSpec): Promise<EngineRecord> {
  const record = await startEngine({ project: "hcloud-talos-cilium", stack: spec.stack });
  const bootstrap = new StandIn("bootstrap");
  new Cilium("cilium", {
    spec,
    kubeconfig: pulumi.secret("apiVersion: v1\nkind: Config\n# admin"),
    cluster: [bootstrap],
  });
  await settle();
  return record;
}

/**
 * The component of a stack's own spec, built once per file for the tests that only read it (the
 * build is deterministic under the mock engine), frozen so that no test can change what the next reads.
 */
const builds = {
  ci: once(() => build(specOf("ci")).then(deepFreeze)),
  prod: once(() => build(specOf("prod")).then(deepFreeze)),
};
const built = (stack: "ci" | "prod"): Promise<EngineRecord> => builds[stack]();

afterEach(settle);

describe("the Cilium component", () => {
  it.each(["ci", "prod"] as const)(
    "declares exactly the provider, the Gateway API CRDs, the SPIRE namespace and the release (%s)",
    async (stack) => {
      const record = await built(stack);
      expect(record.resources.filter((r) => r.name !== "bootstrap").map((r) => [r.type, r.name])).toEqual([
        ["hcloud-talos-cilium:cilium:Cilium", "cilium"],
        ["pulumi:providers:kubernetes", "cilium-k8s"],
        ["kubernetes:yaml/v2:ConfigFile", "cilium-gateway-api"],
        ["kubernetes:core/v1:Namespace", "cilium-spire-namespace"],
        ["kubernetes:helm.sh/v3:Release", "cilium-release"],
      ]);
      const component = registration(record, "cilium");
      for (const child of ["cilium-k8s", "cilium-gateway-api", "cilium-spire-namespace", "cilium-release"]) {
        expect(registration(record, child).parent, child).toBe(component.urn);
      }
    },
  );

  it("installs the chart from helm.cilium.io at the pinned version, atomically, with bounded history", async () => {
    const release = registration(await built("prod"), "cilium-release");
    expect(release.inputs).toMatchObject({
      name: "cilium",
      namespace: "kube-system",
      chart: "cilium",
      version: "1.20.0",
      repositoryOpts: { repo: "https://helm.cilium.io" },
      atomic: true,
      cleanupOnFail: true,
      timeout: 1200,
      maxHistory: 10,
    });
  });

  it.each(["ci", "prod"] as const)(
    "passes exactly the values builder's output as the release values (%s)",
    async (stack) => {
      const release = registration(await built(stack), "cilium-release");
      expect(release.inputs.values).toEqual(ciliumValues(specOf(stack)));
    },
  );

  it("orders the release after the cluster bootstrap, the Gateway API CRDs and the SPIRE namespace", async () => {
    const record = await built("ci");
    expect(registration(record, "cilium-release").dependsOn).toEqual(
      expect.arrayContaining([
        registration(record, "bootstrap").urn,
        registration(record, "cilium-gateway-api").urn,
        registration(record, "cilium-spire-namespace").urn,
      ]),
    );
    expect(registration(record, "cilium-k8s").dependsOn).toEqual([registration(record, "bootstrap").urn]);
  });

  it("applies the Gateway API v1.5.1 standard channel (TLSRoute is standard there)", async () => {
    const crds = registration(await built("ci"), "cilium-gateway-api");
    expect(crds.inputs).toEqual({
      file: "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml",
    });
  });

  it("labels the SPIRE namespace PodSecurity privileged (Talos enforces baseline)", async () => {
    const ns = registration(await built("ci"), "cilium-spire-namespace");
    expect(ns.inputs.metadata).toEqual({
      name: "cilium-spire",
      labels: {
        "pod-security.kubernetes.io/enforce": "privileged",
        "pod-security.kubernetes.io/audit": "privileged",
        "pod-security.kubernetes.io/warn": "privileged",
      },
    });
  });

  it("gives the provider the kubeconfig as a secret, never in plain text", async () => {
    const provider = registration(await built("ci"), "cilium-k8s");
    expect(provider.secretInputs).toEqual(["kubeconfig"]);
    expect(provider.inputs.enableServerSideApply).toBe("true");
  });

  it("leaves out the CRDs and the SPIRE namespace when Gateway API and mutual auth are off", async () => {
    const spec = specOf("ci", { gatewayAPI: false, mutualAuth: false });
    const record = await build(spec);
    expect(record.resources.map((r) => r.name).sort()).toEqual([
      "bootstrap",
      "cilium",
      "cilium-k8s",
      "cilium-release",
    ]);
  });
});
