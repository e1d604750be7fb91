/**
 * The Cilium values builder: the exact baseline, the exact Helm values each knob changes, and the ci
 * and prod values against the real Cilium 1.20.0 chart (schema types, and every path in values.yaml).
 */
import Ajv, { type ValidateFunction } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KNOB_KEYS, knobDef, type Knobs } from "../components/knobs/catalogue";
import { baselineValues, ciliumValues, knobValues, type HelmValues } from "../components/cilium/values";
import type { ClusterSpec } from "../components/config/spec";
import { reference, specOf } from "./helpers";

/** Leaf paths of a values tree (arrays are leaves). */
function flatten(v: HelmValues, prefix = ""): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(v).flatMap(([k, x]) =>
      typeof x === "object" && x !== null && !Array.isArray(x)
        ? Object.entries(flatten(x as HelmValues, `${prefix}${k}.`))
        : [[`${prefix}${k}`, x]],
    ),
  );
}

/** The leaves that differ between two values trees (added, changed, or removed as undefined). */
function diff(a: HelmValues, b: HelmValues): Record<string, unknown> {
  const fa = flatten(a);
  const fb = flatten(b);
  const keys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])];
  return Object.fromEntries(
    keys.filter((k) => JSON.stringify(fa[k]) !== JSON.stringify(fb[k])).map((k) => [k, fb[k]]),
  );
}

const prod = specOf("prod");
/** The taint an external cloud provider's nodes carry until the cloud controller initializes them. */
const UNINITIALIZED = {
  key: "node.cloudprovider.kubernetes.io/uninitialized",
  operator: "Exists",
  effect: "NoSchedule",
};
const withKnobs = (spec: ClusterSpec, knobs: Partial<Knobs>): ClusterSpec => ({
  ...spec,
  knobs: { ...spec.knobs, ...knobs },
});

describe("the production baseline values", () => {
  it("are exactly datapath.md §1 for the prod stack", () => {
    expect(ciliumValues(prod)).toEqual({
      k8sServiceHost: "localhost",
      k8sServicePort: 7445,
      kubeProxyReplacement: true,
      ipam: { mode: "kubernetes" },
      MTU: 1450,
      l7Proxy: true,
      rollOutCiliumPods: true,
      updateStrategy: { type: "OnDelete", rollingUpdate: null },
      operator: { rollOutPods: true },
      routingMode: "tunnel",
      tunnelProtocol: "vxlan",
      autoDirectNodeRoutes: false,
      cgroup: { autoMount: { enabled: false }, hostRoot: "/sys/fs/cgroup" },
      // The chart's own lists minus SYS_MODULE: held against values.yaml below.
      securityContext: {
        capabilities: { ciliumAgent: expect.any(Array), cleanCiliumState: expect.any(Array) },
      },
      encryption: {
        enabled: true,
        type: "wireguard",
        nodeEncryption: false,
        strictMode: { egress: { enabled: true, allowRemoteNodeIdentities: true, cidr: "10.244.0.0/16" } },
      },
      authentication: {
        enabled: true,
        mutual: {
          spire: {
            enabled: true,
            install: {
              enabled: true,
              namespace: "cilium-spire",
              existingNamespace: true,
              server: {
                dataStorage: { enabled: false },
                podSecurityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
                tolerations: [UNINITIALIZED],
              },
            },
          },
        },
      },
      hubble: {
        enabled: true,
        relay: { enabled: true, replicas: 2, tolerations: [UNINITIALIZED] },
        ui: { enabled: true, tolerations: [UNINITIALIZED] },
      },
      gatewayAPI: {
        enabled: true,
        enableAlpn: true,
        enableAppProtocol: true,
        gatewayClass: { create: "true" },
      },
      resources: { requests: { cpu: "100m", memory: "512Mi" } },
      bpf: {
        monitorAggregation: "medium",
        masquerade: false,
        datapathMode: "veth",
        tproxy: false,
        distributedLRU: { enabled: false },
      },
      bandwidthManager: { enabled: false, bbr: false, bbrHostNamespaceOnly: false },
      loadBalancer: { mode: "snat", dsrDispatch: "opt", acceleration: "disabled" },
      ciliumEndpointSlice: { enabled: false },
      egressGateway: { enabled: false },
      enableIPv4BIGTCP: false,
      enableIPv6BIGTCP: false,
      bpfClockProbe: false,
    });
  });

  it("set no CPU limit on the agents", () => {
    expect(flatten(ciliumValues(prod))).not.toHaveProperty(["resources.limits.cpu"]);
  });

  it("use a SPIRE StorageClass when one is configured", () => {
    const spec = specOf("prod", { spireStorageClass: "hcloud-volumes" });
    expect(diff(ciliumValues(prod), ciliumValues(spec))).toStrictEqual({
      "authentication.mutual.spire.install.server.dataStorage.enabled": true,
      "authentication.mutual.spire.install.server.dataStorage.storageClass": "hcloud-volumes",
    });
  });

  it("leave out the SPIRE install details when mutual auth is off", () => {
    const off = flatten(ciliumValues(withKnobs(prod, { mutualAuth: false })));
    expect(Object.keys(off).filter((k) => k.startsWith("authentication"))).toEqual([
      "authentication.enabled",
      "authentication.mutual.spire.enabled",
      "authentication.mutual.spire.install.enabled",
    ]);
  });
});

/** Each knob moved off its default, and exactly the Helm values that must change. */
const KNOB_EFFECTS: readonly { knobs: Partial<Knobs>; changes: Record<string, unknown> }[] = [
  { knobs: { kubeProxyReplacement: false }, changes: { kubeProxyReplacement: false } },
  { knobs: { routingMode: "native" }, changes: { routingMode: "native" } },
  { knobs: { tunnelProtocol: "geneve" }, changes: { tunnelProtocol: "geneve" } },
  { knobs: { ipv4NativeRoutingCidr: "10.244.0.0/16" }, changes: { ipv4NativeRoutingCIDR: "10.244.0.0/16" } },
  { knobs: { autoDirectNodeRoutes: true }, changes: { autoDirectNodeRoutes: true } },
  { knobs: { bandwidthManager: true }, changes: { "bandwidthManager.enabled": true } },
  { knobs: { bandwidthManagerBBR: true }, changes: { "bandwidthManager.bbr": true } },
  {
    knobs: { bandwidthManagerBBRHostNamespaceOnly: true },
    changes: { "bandwidthManager.bbrHostNamespaceOnly": true },
  },
  { knobs: { bpfMasquerade: true }, changes: { "bpf.masquerade": true } },
  { knobs: { bpfHostRouting: "bpf" }, changes: { "bpf.hostLegacyRouting": false } },
  { knobs: { bpfHostRouting: "legacy" }, changes: { "bpf.hostLegacyRouting": true } },
  { knobs: { datapathMode: "netkit" }, changes: { "bpf.datapathMode": "netkit" } },
  { knobs: { datapathMode: "netkit-l2" }, changes: { "bpf.datapathMode": "netkit-l2" } },
  { knobs: { bpfTproxy: true }, changes: { "bpf.tproxy": true } },
  { knobs: { loadBalancerMode: "dsr" }, changes: { "loadBalancer.mode": "dsr" } },
  { knobs: { loadBalancerMode: "hybrid" }, changes: { "loadBalancer.mode": "hybrid" } },
  { knobs: { dsrDispatch: "geneve" }, changes: { "loadBalancer.dsrDispatch": "geneve" } },
  { knobs: { dsrDispatch: "ipip" }, changes: { "loadBalancer.dsrDispatch": "ipip" } },
  { knobs: { loadBalancerAcceleration: "native" }, changes: { "loadBalancer.acceleration": "native" } },
  {
    knobs: { loadBalancerAcceleration: "best-effort" },
    changes: { "loadBalancer.acceleration": "best-effort" },
  },
  { knobs: { ciliumEndpointSlice: true }, changes: { "ciliumEndpointSlice.enabled": true } },
  { knobs: { egressGateway: true }, changes: { "egressGateway.enabled": true } },
  { knobs: { hubble: false }, changes: { "hubble.enabled": false } },
  { knobs: { hubbleRelay: false }, changes: { "hubble.relay.enabled": false } },
  { knobs: { hubbleRelayReplicas: 3 }, changes: { "hubble.relay.replicas": 3 } },
  { knobs: { hubbleUI: false }, changes: { "hubble.ui.enabled": false } },
  { knobs: { monitorAggregation: "none" }, changes: { "bpf.monitorAggregation": "none" } },
  { knobs: { monitorAggregation: "low" }, changes: { "bpf.monitorAggregation": "low" } },
  { knobs: { monitorAggregation: "maximum" }, changes: { "bpf.monitorAggregation": "maximum" } },
  { knobs: { bigTCPIPv4: true }, changes: { enableIPv4BIGTCP: true } },
  { knobs: { bigTCPIPv6: true }, changes: { enableIPv6BIGTCP: true } },
  { knobs: { wireguard: false }, changes: { "encryption.enabled": false } },
  {
    knobs: { strictEgress: false },
    changes: {
      "encryption.strictMode.egress.enabled": false,
      "encryption.strictMode.egress.allowRemoteNodeIdentities": false,
    },
  },
  {
    knobs: { strictEgressCidr: "10.244.0.0/15" },
    changes: { "encryption.strictMode.egress.cidr": "10.244.0.0/15" },
  },
  {
    knobs: { mutualAuth: false },
    changes: {
      "authentication.enabled": false,
      "authentication.mutual.spire.enabled": false,
      "authentication.mutual.spire.install.enabled": false,
      "authentication.mutual.spire.install.namespace": undefined,
      "authentication.mutual.spire.install.existingNamespace": undefined,
      "authentication.mutual.spire.install.server.dataStorage.enabled": undefined,
      "authentication.mutual.spire.install.server.podSecurityContext.runAsUser": undefined,
      "authentication.mutual.spire.install.server.podSecurityContext.runAsGroup": undefined,
      "authentication.mutual.spire.install.server.podSecurityContext.fsGroup": undefined,
      "authentication.mutual.spire.install.server.tolerations": undefined,
    },
  },
  {
    knobs: { gatewayAPI: false },
    changes: {
      "gatewayAPI.enabled": false,
      "gatewayAPI.enableAlpn": false,
      "gatewayAPI.enableAppProtocol": false,
      "gatewayAPI.gatewayClass.create": "false",
    },
  },
  { knobs: { bpfClockProbe: true }, changes: { bpfClockProbe: true } },
  { knobs: { bpfDistributedLRU: true }, changes: { "bpf.distributedLRU.enabled": true } },
  { knobs: { bpfMapDynamicSizeRatio: "0.005" }, changes: { "bpf.mapDynamicSizeRatio": 0.005 } },
  { knobs: { agentCpuRequest: "250m" }, changes: { "resources.requests.cpu": "250m" } },
  { knobs: { agentMemoryRequest: "1Gi" }, changes: { "resources.requests.memory": "1Gi" } },
];

describe("what each knob sets", () => {
  it("covers every knob of the catalogue", () => {
    const covered = new Set(KNOB_EFFECTS.flatMap((e) => Object.keys(e.knobs)));
    expect(KNOB_KEYS.filter((k) => !covered.has(k))).toEqual([]);
  });

  it.each(KNOB_EFFECTS.map((e) => ({ ...e, label: JSON.stringify(e.knobs) })))(
    "$label changes exactly its Helm values",
    ({ knobs, changes }) => {
      expect(diff(ciliumValues(prod), ciliumValues(withKnobs(prod, knobs)))).toStrictEqual(changes);
    },
  );

  it("keeps the baseline's paths and the knobs' paths disjoint (each Helm path spelled once)", () => {
    const knobPaths = new Set(Object.keys(flatten(knobValues(prod))));
    const overlap = Object.keys(flatten(baselineValues(prod))).filter((p) => knobPaths.has(p));
    expect(overlap).toEqual([]);
  });

  it("gives every Helm path to exactly one knob", () => {
    const paths = KNOB_KEYS.flatMap((k) => knobDef(k).helm.map((b) => b.path));
    expect(paths.filter((p, i) => paths.indexOf(p) !== i)).toEqual([]);
  });
});

const schemaFile = reference("cilium-1.20.0/values.schema.json");
const valuesFile = reference("cilium-1.20.0/values.yaml");

/**
 * Paths that are documented in values.yaml as commented-out keys rather than set: the chart reads
 * them when given. Each is checked against the comment text, so the list cannot hide a typo.
 */
const COMMENTED_KEYS: Readonly<Record<string, RegExp>> = {
  "loadBalancer.mode": /^loadBalancer:[\s\S]*?^\s+# mode: snat$/m,
  "loadBalancer.dsrDispatch": /^loadBalancer:[\s\S]*?^\s+# dsrDispatch: opt$/m,
};

const isEmptyMap = (x: unknown): boolean =>
  typeof x === "object" && x !== null && !Array.isArray(x) && Object.keys(x).length === 0;

/**
 * Whether a dotted path exists in the chart's values. Below a map the chart leaves empty (`resources:
 * {}`, `podSecurityContext: {}`: Kubernetes objects passed through) any key is accepted.
 */
function pathExists(defaults: HelmValues, path: string, text: string): boolean {
  const commented = COMMENTED_KEYS[path];
  if (commented) return commented.test(text);
  let node: unknown = defaults;
  for (const part of path.split(".")) {
    if (isEmptyMap(node) && node !== defaults) return true;
    if (typeof node !== "object" || node === null || !(part in node)) return false;
    node = (node as HelmValues)[part];
  }
  return true;
}

/** The paths of a values tree whose value is null. */
function nullPaths(values: unknown, at = ""): string[] {
  if (typeof values !== "object" || values === null || Array.isArray(values)) return [];
  return Object.entries(values).flatMap(([k, v]) =>
    v === null ? [`${at}${k}`] : nullPaths(v, `${at}${k}.`),
  );
}

/** A values tree without its null keys, as Helm's coalescing leaves it. */
function withoutNulls(values: HelmValues): HelmValues {
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, typeof v === "object" && !Array.isArray(v) ? withoutNulls(v as HelmValues) : v]),
  );
}

describe.skipIf(!schemaFile.present || !valuesFile.present)(
  "against the Cilium 1.20.0 chart (test/fixtures)",
  () => {
    const specs = {
      ci: specOf("ci"),
      prod,
      everyKnobOn: withKnobs(prod, Object.assign({}, ...KNOB_EFFECTS.map((e) => e.knobs))),
    };

    // Compiled once (the chart's schema is 168 KB), and only when the file is there. Without Ajv's
    // optimisation passes over the code it generates (`code.optimize`, default 1 pass: ajv 8.20.0
    // lib/core.ts:149,244-245), which halve the compile (1.3 s → 0.6 s of CPU here) and only tidy
    // the generated code; the rejection test below holds the validator to every error it reports.
    let compiled: ValidateFunction | undefined;
    const validate = (data: unknown): boolean => {
      compiled ??= new Ajv({ strict: false, allErrors: true, code: { optimize: false } }).compile(
        JSON.parse(schemaFile.read()) as object,
      );
      return compiled(data);
    };
    // Parsed once (188 KB of YAML) for the tests that read the chart's defaults; never mutated.
    let defaults: HelmValues | undefined;
    const chartDefaults = (): HelmValues => (defaults ??= parse(valuesFile.read()) as HelmValues);

    it("rejects a value of the wrong type (the schema check is not vacuous)", () => {
      expect(validate({ MTU: "1450", hubble: { relay: { replicas: "two" } } })).toBe(false);
      expect(compiled?.errors?.map((e) => [e.instancePath, e.message])).toEqual([
        ["/MTU", "must be integer"],
        ["/hubble/relay/replicas", "must be integer"],
      ]);
    });

    it.each(Object.entries(specs))("%s values validate against values.schema.json", (_name, spec) => {
      // Helm validates the values after coalescing them with the chart's, where a null deletes the
      // key (helm.sh/docs/chart_template_guide/values_files, "Deleting a default key"): the one null
      // of the values, updateStrategy.rollingUpdate, is gone by then.
      expect(nullPaths(ciliumValues(spec))).toEqual(["updateStrategy.rollingUpdate"]);
      validate(withoutNulls(ciliumValues(spec)));
      expect(compiled?.errors ?? []).toEqual([]);
    });

    it.each(Object.entries(specs))("every path the %s values set exists in values.yaml", (_name, spec) => {
      const text = valuesFile.read();
      const paths = Object.keys(flatten(ciliumValues(spec)));
      expect(paths.length).toBeGreaterThan(40);
      expect(paths.filter((p) => !pathExists(chartDefaults(), p, text))).toEqual([]);
    });

    it("drops exactly SYS_MODULE from the chart's capability lists, in the chart's order (Talos forbids module loading)", () => {
      type Capabilities = { securityContext: { capabilities: Record<string, string[]> } };
      const chart = (chartDefaults() as unknown as Capabilities).securityContext.capabilities;
      const ours = (ciliumValues(prod) as Capabilities).securityContext.capabilities;
      const keys = ["ciliumAgent", "cleanCiliumState"];
      expect(keys.map((k) => chart[k]?.filter((c) => c !== "SYS_MODULE"))).toEqual(keys.map((k) => ours[k]));
      expect(keys.map((k) => chart[k]?.includes("SYS_MODULE"))).toEqual([true, true]);
    });

    it("detects a path that does not exist in 1.20 (the removed flat strictMode key)", () => {
      const text = valuesFile.read();
      expect(pathExists(chartDefaults(), "encryption.strictMode.enabled", text)).toBe(false);
      expect(pathExists(chartDefaults(), "bpf.events.monitorInterval", text)).toBe(false);
    });
  },
);

if (!schemaFile.present || !valuesFile.present) {
  describe("against the Cilium 1.20.0 chart", () => {
    it.skip(`skipped: ${schemaFile.path} or ${valuesFile.path} is missing`, () => {});
  });
}
