/**
 * The rendered diff as a pure function, on small hand-made renders: what makes a workload roll, scale,
 * change in place, appear or disappear; which cilium-config keys change; what the generated
 * certificates' masking hides and what it does not; ConfigMaps a workload reads while not rolling.
 * The real chart's renders are in render-costs.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  canonicalJson,
  changedPaths,
  comparable,
  configMapsRead,
  renderDiff,
  strategyOf,
  type K8sObject,
  type Render,
} from "../components/datapath/render-diff";
import { predictedCosts, renderedCosts, stackRender } from "../components/datapath/render-report";

const T = "cilium/templates";

function deployment(name: string, spec: Record<string, unknown>, ns = "kube-system"): K8sObject {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: ns }, spec };
}

function operator(over: { annotations?: Record<string, string>; replicas?: number; env?: unknown[] } = {}) {
  return deployment("cilium-operator", {
    replicas: over.replicas ?? 2,
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: "50%" } },
    template: {
      metadata: { annotations: over.annotations ?? {} },
      spec: {
        containers: [
          { name: "cilium-operator", args: ["--config-dir=/tmp/cilium/config-map"], env: over.env ?? [] },
        ],
        volumes: [{ name: "cilium-config-path", configMap: { name: "cilium-config" } }],
      },
    },
  });
}

const config = (data: Record<string, string>): K8sObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "cilium-config", namespace: "kube-system" },
  data,
});

const secret = (crt: string): K8sObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: {
    name: "cilium-ca",
    namespace: "kube-system",
    labels: { "cilium.io/helm-template-non-idempotent": "true" },
  },
  data: { "ca.crt": crt },
});

const render = (...docs: [K8sObject, string][]): Render => ({
  objects: docs.map(([o]) => o),
  sources: docs.map(([, s]) => `${T}/${s}`),
});

const base = (
  over: Parameters<typeof operator>[0] = {},
  data: Record<string, string> = { "enable-bpf-masquerade": "false" },
  ca = "A",
) =>
  render(
    [config(data), "cilium-configmap.yaml"],
    [secret(ca), "cilium-ca-secret.yaml"],
    [operator(over), "cilium-operator/deployment.yaml"],
  );

const fate = (r: Render, s: Render) =>
  Object.fromEntries(renderDiff(r, s).workloads.map((w) => [w.workload, w.fate]));

describe("renderDiff", () => {
  it("finds nothing between a render and itself, whatever the generated certificates say", () => {
    const d = renderDiff(base({}, undefined, "A"), base({}, undefined, "B"));
    expect(d.identical).toBe(true);
    expect(d.config).toEqual([]);
    expect(d.other).toEqual({ added: [], removed: [], changed: [] });
    expect(fate(base(), base())).toEqual({
      agent: "absent",
      operator: "unchanged",
      envoy: "absent",
      relay: "absent",
      ui: "absent",
      "spire-server": "absent",
      "spire-agent": "absent",
    });
  });

  it("masks only the data of objects the chart labels non-idempotent", () => {
    expect(comparable(secret("A"))).toEqual({ ...secret("A"), data: "(generated per render)" });
    const plain = config({ a: "1" });
    expect(comparable(plain)).toBe(plain);
    expect(renderDiff(base({}, { a: "1" }), base({}, { a: "2" })).other.changed).toEqual([
      { kind: "ConfigMap", namespace: "kube-system", name: "cilium-config" },
    ]);
  });

  it("a changed pod template rolls the workload, naming where it changed and how it rolls", () => {
    const d = renderDiff(base({ annotations: { checksum: "1" } }), base({ annotations: { checksum: "2" } }));
    const op = d.workloads.find((w) => w.workload === "operator");
    expect(op).toMatchObject({
      fate: "rolls",
      rolls: true,
      podTemplate: ["metadata.annotations.checksum"],
      strategy: "RollingUpdate of 2 replica(s), maxSurge 25%, maxUnavailable 50%",
      changed: [{ kind: "Deployment", namespace: "kube-system", name: "cilium-operator" }],
      staleConfig: [],
    });
  });

  it("a replica count alone scales, and rolls nothing", () => {
    const op = renderDiff(base({ replicas: 2 }), base({ replicas: 3 })).workloads.find(
      (w) => w.workload === "operator",
    );
    expect([op?.fate, op?.rolls, op?.replicas]).toEqual(["scales", false, { from: 2, to: 3 }]);
  });

  it("a workload that reads a changed ConfigMap without rolling runs the old config", () => {
    const d = renderDiff(
      base({}, { "enable-cilium-endpoint-slice": "false" }),
      base({}, { "enable-cilium-endpoint-slice": "true" }),
    );
    const op = d.workloads.find((w) => w.workload === "operator");
    expect([op?.fate, op?.staleConfig]).toEqual(["unchanged", ["ConfigMap kube-system/cilium-config"]]);
    expect(d.config).toEqual([{ key: "enable-cilium-endpoint-slice", from: "false", to: "true" }]);
  });

  it("lists the objects of a workload's folder that appear or disappear, and the rest as other objects", () => {
    const ui = deployment("hubble-ui", { replicas: 1, template: {} });
    const sa: K8sObject = {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "hubble-ui", namespace: "kube-system" },
    };
    const cls: K8sObject = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: "cilium" },
    };
    const without = base();
    const withUi: Render = {
      objects: [...without.objects, sa, ui, cls],
      sources: [
        ...without.sources,
        `${T}/hubble-ui/serviceaccount.yaml`,
        `${T}/hubble-ui/deployment.yaml`,
        `${T}/cilium-gateway-api-class.yaml`,
      ],
    };
    const d = renderDiff(withUi, without);
    expect(d.workloads.find((w) => w.workload === "ui")).toMatchObject({
      fate: "removed",
      rolls: false,
      removed: [
        { kind: "ServiceAccount", namespace: "kube-system", name: "hubble-ui" },
        { kind: "Deployment", namespace: "kube-system", name: "hubble-ui" },
      ],
      added: [],
    });
    expect(d.other).toEqual({ added: [], removed: [{ kind: "GatewayClass", name: "cilium" }], changed: [] });
    expect(renderDiff(without, withUi).workloads.find((w) => w.workload === "ui")?.fate).toBe("created");
  });

  it("names keys added to and removed from cilium-config", () => {
    expect(renderDiff(base({}, { a: "1", b: "2" }), base({}, { b: "3", c: "4" })).config).toEqual([
      { key: "a", from: "1" },
      { key: "b", from: "2", to: "3" },
      { key: "c", to: "4" },
    ]);
  });
});

describe("the helpers", () => {
  it("canonical JSON ignores key order", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: 3 } })).toBe(
      '{"a":{"c":3,"d":[1,{"e":2,"f":1}]},"b":1}',
    );
  });

  it("matches named items by name, not position, and quotes keys that are not identifiers", () => {
    const a = {
      containers: [
        { name: "x", args: ["1"] },
        { name: "y", args: ["1"] },
      ],
    };
    const b = {
      containers: [
        { name: "y", args: ["1"] },
        { name: "x", args: ["2"] },
      ],
    };
    expect(changedPaths(a, b)).toEqual(["containers[x].args"]);
    expect(changedPaths({ m: { "a.b/c": 1 } }, { m: { "a.b/c": 2 } })).toEqual(['m["a.b/c"]']);
    expect(changedPaths({ a: { b: { c: { d: { e: 1 } } } } }, { a: { b: { c: { d: { e: 2 } } } } })).toEqual([
      "a.b.c.d",
    ]);
  });

  it("reads Kubernetes' defaults for an update strategy the chart leaves unset", () => {
    const ds = (spec: Record<string, unknown>): K8sObject => ({
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "x" },
      spec,
    });
    expect(strategyOf(ds({}))).toBe("RollingUpdate, 1 node(s) at a time");
    expect(strategyOf(ds({ updateStrategy: { rollingUpdate: { maxUnavailable: 2 } } }))).toBe(
      "RollingUpdate, 2 node(s) at a time",
    );
    expect(strategyOf(ds({ updateStrategy: { type: "OnDelete" } }))).toBe("OnDelete");
  });

  it("finds the ConfigMaps a pod template reads, including cilium-config for build-config", () => {
    const template = {
      spec: {
        initContainers: [{ name: "config", command: ["cilium-dbg", "build-config"] }],
        containers: [
          {
            name: "a",
            env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "env-map", key: "k" } } }],
            envFrom: [{ configMapRef: { name: "from-map" } }],
          },
        ],
        volumes: [{ name: "v", projected: { sources: [{ configMap: { name: "projected-map" } }] } }],
      },
    };
    expect(configMapsRead(template, "kube-system")).toEqual([
      "ConfigMap kube-system/cilium-config",
      "ConfigMap kube-system/env-map",
      "ConfigMap kube-system/from-map",
      "ConfigMap kube-system/projected-map",
    ]);
  });
});

describe("rendered costs against the catalogue's", () => {
  const rolls = renderDiff(
    base({ annotations: { checksum: "1" } }),
    base({ annotations: { checksum: "2" } }),
  );

  it("reads the render-visible costs from the workloads' fates", () => {
    expect(renderedCosts(rolls)).toEqual(["operator-rolls"]);
    expect(renderedCosts(renderDiff(base({ replicas: 2 }), base({ replicas: 2 })))).toEqual([]);
    expect(predictedCosts(["conntrack-reset", "operator-rolls", "agents-roll"])).toEqual([
      "agents-roll",
      "operator-rolls",
    ]);
  });

  it("says where the catalogue and the render disagree, and whether settings moved too", () => {
    const outcome = { rendered: true as const, chart: "cilium 1.20.0", sameInputs: false, diff: rolls };
    expect(stackRender(outcome, ["agents-roll", "conntrack-reset"], ["kubernetesVersion"])).toMatchObject({
      costs: ["operator-rolls"],
      drift: [
        'the catalogue predicts "agents roll", the render does not show it (the change also moves kubernetesVersion)',
        'the render shows "operator rolls", which the catalogue does not predict (the change also moves kubernetesVersion)',
      ],
    });
    expect(stackRender(outcome, ["operator-rolls"], [])).toMatchObject({ drift: [] });
  });

  it("passes a fallback through, marked as the catalogue's prediction", () => {
    const fallback = { rendered: false as const, reason: "no-helm" as const, message: "no helm on PATH" };
    expect(stackRender(fallback, ["agents-roll"], [])).toEqual({ ...fallback, fallback: true });
  });
});
