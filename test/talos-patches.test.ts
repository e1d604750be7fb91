// The Talos machine-config patches (pure): the exact documents per role for the real ci and prod stacks,
// the private NIC, kube-proxy, pool labels and taints (NodeRestriction), the YAML, and every document
// validated on its own against the Talos v1.13.9 config schema (which rejects unknown keys everywhere).
import Ajv2020 from "ajv/dist/2020";
import type { ErrorObject, ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { describe, it, expect } from "vitest";
import type { Pool } from "../components/config/pools";
import type { ClusterSpec } from "../components/config/spec";
import {
  hostnameDocument,
  nodePatches,
  poolPatches,
  privateInterface,
  rolePatches,
  schematicYaml,
  toYaml,
  type PatchDocument,
  type RolePatchOptions,
} from "../components/talos";
import { isSelfForbiddenLabel } from "../components/config/node-restriction";
import { reference, specOf } from "./helpers";

const SCHEMATIC = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
const INSTALLER = `factory.talos.dev/hcloud-installer/${SCHEMATIC}:v1.13.9`;
const SANS = ["203.0.113.10", "2001:db8::10", "10.0.1.2"];
const OPTS: RolePatchOptions = { sans: SANS, installerImage: INSTALLER };

/** What every ci node's first document holds (the stack files set nothing that changes it). */
const NODE_MACHINE = {
  kubelet: { nodeIP: { validSubnets: ["10.0.1.0/24"] } },
  install: { image: INSTALLER },
  features: {
    kubePrism: { enabled: true, port: 7445 },
    hostDNS: { enabled: true, forwardKubeDNSToHost: false },
  },
};
const NODE_CLUSTER = {
  network: { cni: { name: "none" }, podSubnets: ["10.244.0.0/16"], serviceSubnets: ["10.96.0.0/12"] },
  proxy: { disabled: true },
  externalCloudProvider: { enabled: false },
};
/** The private NIC's documents (privateInterface): its MTU and DHCP. */
const NIC: PatchDocument[] = [
  { apiVersion: "v1alpha1", kind: "LinkConfig", name: "eth1", mtu: 1450 },
  { apiVersion: "v1alpha1", kind: "DHCPv4Config", name: "eth1" },
];

/** The ci control plane's documents, spelled out: a worker's, and the API server's and etcd's parts. */
const CONTROLPLANE: PatchDocument[] = [
  {
    machine: { certSANs: SANS, ...NODE_MACHINE },
    cluster: { ...NODE_CLUSTER, apiServer: { certSANs: SANS }, etcd: { advertisedSubnets: ["10.0.1.0/24"] } },
  },
  ...NIC,
];

const WORKER: PatchDocument[] = [{ machine: NODE_MACHINE, cluster: NODE_CLUSTER }, ...NIC];

/** The ci control plane's patch as the YAML stream the provider receives (one string per document). */
const CONTROLPLANE_YAML = `machine:
  certSANs:
    - 203.0.113.10
    - 2001:db8::10
    - 10.0.1.2
  kubelet:
    nodeIP:
      validSubnets:
        - 10.0.1.0/24
  install:
    image: ${INSTALLER}
  features:
    kubePrism:
      enabled: true
      port: 7445
    hostDNS:
      enabled: true
      forwardKubeDNSToHost: false
cluster:
  network:
    cni:
      name: none
    podSubnets:
      - 10.244.0.0/16
    serviceSubnets:
      - 10.96.0.0/12
  proxy:
    disabled: true
  externalCloudProvider:
    enabled: false
  apiServer:
    certSANs:
      - 203.0.113.10
      - 2001:db8::10
      - 10.0.1.2
  etcd:
    advertisedSubnets:
      - 10.0.1.0/24
---
apiVersion: v1alpha1
kind: LinkConfig
name: eth1
mtu: 1450
---
apiVersion: v1alpha1
kind: DHCPv4Config
name: eth1
`;

const pool = (over: Partial<Pool>): Pool => ({
  name: "edge",
  count: 1,
  serverType: "cpx31",
  location: "fsn1",
  labels: {},
  taints: [],
  ...over,
});

const withAddressing = (spec: ClusterSpec, publicIPv4: boolean, publicIPv6: boolean): ClusterSpec => ({
  ...spec,
  settings: { ...spec.settings, publicIPv4, publicIPv6 },
});

const parsedYaml = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS() as unknown);

describe("role patches (pure)", () => {
  it("gives a ci control plane exactly these documents", () => {
    expect(rolePatches(specOf("ci"), OPTS).controlplane).toEqual(CONTROLPLANE);
  });

  it("gives a ci worker the same minus certificates and etcd", () => {
    expect(rolePatches(specOf("ci"), OPTS).worker).toEqual(WORKER);
  });

  it("gives prod the same documents as ci (the stacks differ in pools and admin access only)", () => {
    expect(rolePatches(specOf("prod"), OPTS)).toEqual({ controlplane: CONTROLPLANE, worker: WORKER });
  });

  it("serialises a role's documents as one YAML stream that parses back to them", () => {
    const yaml = toYaml(rolePatches(specOf("ci"), OPTS).controlplane);
    expect(yaml).toBe(CONTROLPLANE_YAML);
    expect(parsedYaml(yaml)).toEqual(CONTROLPLANE);
  });

  it.each([
    { v4: true, v6: true, nic: "eth1" },
    { v4: true, v6: false, nic: "eth1" },
    { v4: false, v6: true, nic: "eth1" },
    // The config rules refuse this today (no NAT host is managed); the NIC naming still holds.
    { v4: false, v6: false, nic: "eth0" },
  ])("puts the private network on $nic with publicIPv4=$v4, publicIPv6=$v6", ({ v4, v6, nic }) => {
    const patches = rolePatches(withAddressing(specOf("ci"), v4, v6), OPTS);
    const network = [
      { apiVersion: "v1alpha1", kind: "LinkConfig", name: nic, mtu: 1450 },
      { apiVersion: "v1alpha1", kind: "DHCPv4Config", name: nic },
    ];
    expect(privateInterface({ publicIPv4: v4, publicIPv6: v6 })).toBe(nic);
    expect(patches.controlplane.slice(1)).toEqual(network);
    expect(patches.worker.slice(1)).toEqual(network);
  });

  it("keeps the private network on eth1 for an IPv6-only stack (real stack file, publicIPv4: false)", () => {
    const v6only = rolePatches(specOf("ci", { publicIPv4: false }), OPTS);
    expect(v6only.worker[1]).toEqual({ apiVersion: "v1alpha1", kind: "LinkConfig", name: "eth1", mtu: 1450 });
  });

  it("keeps kube-proxy exactly when kube-proxy replacement is off", () => {
    const off = specOf("ci", { kubeProxyReplacement: false, bandwidthManager: false, gatewayAPI: false });
    const proxyOf = (docs: PatchDocument[]) => (docs[0]?.cluster as { proxy?: unknown }).proxy;
    expect(proxyOf(rolePatches(off, OPTS).controlplane)).toEqual({ disabled: false });
    expect(proxyOf(rolePatches(off, OPTS).worker)).toEqual({ disabled: false });
    expect(proxyOf(rolePatches(specOf("ci"), OPTS).controlplane)).toEqual({ disabled: true });
  });

  it("turns the external cloud provider on for both roles when asked", () => {
    const on = rolePatches(specOf("ci"), { ...OPTS, externalCloudProvider: true });
    const ecp = (docs: PatchDocument[]) =>
      (docs[0]?.cluster as { externalCloudProvider?: unknown }).externalCloudProvider;
    expect([ecp(on.controlplane), ecp(on.worker)]).toEqual([{ enabled: true }, { enabled: true }]);
  });

  it("lists each certificate SAN once", () => {
    const docs = rolePatches(specOf("ci"), { ...OPTS, sans: ["203.0.113.10", "10.0.1.2", "203.0.113.10"] });
    const machine = docs.controlplane[0]?.machine as { certSANs?: unknown };
    expect(machine.certSANs).toEqual(["203.0.113.10", "10.0.1.2"]);
  });
});

describe("node and pool patches (pure)", () => {
  const labelled = pool({
    labels: { "example.com/tier": "edge", "topology.kubernetes.io/zone": "fsn1-dc14" },
    taints: [
      { key: "example.com/edge", value: "true", effect: "NoSchedule" },
      { key: "example.com/drain", value: "", effect: "NoExecute" },
    ],
  });

  it("gives a node its fixed hostname, and nothing else for a pool without labels or taints", () => {
    const [node] = specOf("ci").settings.workerPools;
    expect(nodePatches({ name: "ci-workers-1", role: "worker", pool: node as Pool })).toEqual([
      { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: "ci-workers-1" },
    ]);
  });

  it("sets a control-plane pool's labels and taints as nodeLabels and nodeTaints (value:effect)", () => {
    expect(poolPatches(labelled, "controlplane")).toEqual([
      {
        machine: {
          nodeLabels: { "example.com/tier": "edge", "topology.kubernetes.io/zone": "fsn1-dc14" },
          nodeTaints: { "example.com/edge": "true:NoSchedule", "example.com/drain": "NoExecute" },
        },
      },
    ]);
  });

  it("registers a worker pool's taints through the kubelet, which NodeRestriction allows only at registration", () => {
    expect(nodePatches({ name: "ci-edge-1", role: "worker", pool: labelled })).toEqual([
      {
        machine: {
          nodeLabels: { "example.com/tier": "edge", "topology.kubernetes.io/zone": "fsn1-dc14" },
          kubelet: {
            extraConfig: {
              registerWithTaints: [
                { key: "example.com/edge", value: "true", effect: "NoSchedule" },
                { key: "example.com/drain", effect: "NoExecute" },
              ],
            },
          },
        },
      },
      { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: "ci-edge-1" },
    ]);
  });

  // The cluster rules refuse, at preview, a worker label in a Kubernetes-reserved domain and two
  // control-plane taints with one key (test/resolve.test.ts): a resolved spec never carries either, so
  // the patches do not check them again.
  it("writes a label in a Kubernetes-reserved domain on a control plane (an admin client applies it)", () => {
    const roles = pool({ labels: { "node-role.kubernetes.io/edge": "" } });
    expect(poolPatches(roles, "controlplane")).toEqual([
      { machine: { nodeLabels: { "node-role.kubernetes.io/edge": "" } } },
    ]);
  });

  it.each([
    ["example.com/tier", false],
    ["tier", false],
    ["topology.kubernetes.io/zone", false],
    ["kubernetes.io/hostname", false],
    ["node.kubernetes.io/instance-type", false],
    ["team.node.kubernetes.io/x", false],
    ["kubelet.kubernetes.io/x", false],
    ["node-role.kubernetes.io/worker", true],
    ["kubernetes.io/role", true],
    ["example.k8s.io/x", true],
    ["node-restriction.kubernetes.io/x", true],
  ])("NodeRestriction: a worker setting %s on itself is refused: %s", (key, refused) => {
    expect(isSelfForbiddenLabel(key)).toBe(refused);
  });
});

describe("image factory schematic (pure)", () => {
  it("lists the official extensions, or is empty", () => {
    expect(schematicYaml(["siderolabs/qemu-guest-agent"])).toBe(
      "customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/qemu-guest-agent\n",
    );
    expect(schematicYaml([])).toBe("customization: {}\n");
  });
});

// ---- the Talos v1.13.9 config schema ----

const SCHEMA = reference("talos-v1.13.9/config.schema.json");

interface Validator {
  /** The schema's complaints about one YAML document: [] when valid. */
  errorsOf(doc: unknown): string[];
}

/** Validates each document against the top-level schema (a `oneOf` of every document kind). */
function validator(schemaText: string): Validator {
  const schema = JSON.parse(schemaText) as { $id: string };
  // strict: false — the schema carries editor keywords (markdownDescription, x-intellij-...).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const top = ajv.compile(schema);
  const branch = (doc: unknown): ValidateFunction | undefined => {
    const kind = (doc as { kind?: unknown }).kind;
    const def = typeof kind === "string" ? `network.${kind}V1Alpha1` : "v1alpha1.Config";
    return ajv.getSchema(`${schema.$id}#/$defs/${def}`);
  };
  const describe = (e: ErrorObject): string => {
    const extra = e.keyword === "additionalProperties" ? `: ${String(e.params.additionalProperty)}` : "";
    return `${e.instancePath || "/"} ${e.message ?? e.keyword}${extra}`;
  };
  return {
    errorsOf(doc) {
      if (top(doc)) return [];
      // The oneOf reports every kind's complaint: show the kind the document claims to be.
      const own = branch(doc);
      if (!own || own(doc)) return ["matches no single document kind"];
      return (own.errors ?? []).map(describe);
    },
  };
}

if (!SCHEMA.present) {
  it.skip(`Talos schema checks skipped: ${SCHEMA.path} is missing`, () => {});
} else {
  describe("every patch document against the Talos v1.13.9 config schema, one YAML document at a time", () => {
    const v = validator(SCHEMA.read());
    const edge = pool({
      labels: { "example.com/tier": "edge" },
      taints: [{ key: "example.com/edge", value: "true", effect: "NoSchedule" }],
    });
    const cases: [string, PatchDocument[]][] = [
      ["ci controlplane", rolePatches(specOf("ci"), OPTS).controlplane],
      ["ci worker", rolePatches(specOf("ci"), OPTS).worker],
      ["prod controlplane", rolePatches(specOf("prod"), OPTS).controlplane],
      ["prod worker", rolePatches(specOf("prod"), OPTS).worker],
      ["a ci control-plane node", nodePatches({ name: "ci-cp-1", role: "controlplane", pool: edge })],
      ["a ci worker node", nodePatches({ name: "ci-edge-1", role: "worker", pool: edge })],
    ];

    it.each(cases)("%s: each document is valid", (_what, docs) => {
      const yamlDocs = parsedYaml(toYaml(docs));
      expect(yamlDocs).toHaveLength(docs.length);
      expect(yamlDocs.map((doc) => v.errorsOf(doc))).toEqual(docs.map(() => []));
    });

    it("rejects a misspelled key, so the check above is not vacuous", () => {
      const [v1alpha1] = rolePatches(specOf("ci"), OPTS).controlplane;
      const machine = v1alpha1?.machine as { features: { hostDNS: unknown } };
      const misspelled = {
        ...v1alpha1,
        machine: { ...machine, features: { hostDns: machine.features.hostDNS } },
      };
      expect(v.errorsOf(misspelled)).toEqual([
        "/machine/features must NOT have additional properties: hostDns",
      ]);
    });

    it.each([
      [
        { apiVersion: "v1alpha1", kind: "LinkConfig", name: "eth1", mtuu: 1450 },
        ["/ must NOT have additional properties: mtuu"],
      ],
      [{ apiVersion: "v1alpha1", kind: "LinkConfig", mtu: 1450 }, ["/ must have required property 'name'"]],
      [{ ...hostnameDocument("ci-cp-1"), auto: "of" }, ["/auto must be equal to one of the allowed values"]],
      [
        { machine: { network: { hostname: "ci-cp-1" } } },
        ["/machine must NOT have additional properties: network"],
      ],
    ])("rejects %j", (doc, errors) => {
      expect(v.errorsOf(doc)).toEqual(errors);
    });
  });
}
