/**
 * Config resolution: the real stack files resolve; every cluster rule and every kind of bad input is a
 * table row with its exact message; all problems are reported at once.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { SettingDef } from "../components/config/define";
import { SETTINGS } from "../components/config/settings";
import { resolveStackConfig } from "../components/config/resolve";
import { parseStackFile, projectKeys, stackFileText } from "../components/config/stack-file";
import { KNOBS, KNOB_KEYS, knobDef, defaultKnobs } from "../components/datapath/catalogue";
import { planNodes, loadBalancerIp } from "../components/config/spec";
import { ROOT, problemsOf, resolveWith, specOf } from "./helpers";

interface Row {
  readonly name: string;
  readonly stack?: "prod";
  readonly set: Record<string, unknown>;
  readonly problems: readonly string[];
}

const ROWS: readonly Row[] = [
  {
    name: "Kubernetes outside the Talos range",
    set: { kubernetesVersion: "1.30.4" },
    problems: [
      'hcloud-talos-cilium:kubernetesVersion = "1.30.4": Talos v1.13.9 supports Kubernetes 1.31 to 1.36. Allowed: 1.31.x to 1.36.x. Fix: set kubernetesVersion within 1.31–1.36, or change talosVersion.',
    ],
  },
  {
    name: "Cilium chart not 1.20",
    set: { ciliumVersion: "1.19.3" },
    problems: [
      'hcloud-talos-cilium:ciliumVersion = "1.19.3": the Helm values are built for chart 1.20\'s paths (1.20 removed and renamed keys; other charts silently ignore them). Allowed: 1.20.x. Fix: set ciliumVersion to a 1.20 patch such as 1.20.0.',
    ],
  },
  {
    name: "a CIDR with host bits",
    set: { nodeSubnetCidr: "10.0.1.5/24" },
    problems: [
      'hcloud-talos-cilium:nodeSubnetCidr = "10.0.1.5/24": not a valid IPv4 network (octets 0–255, prefix 0–32, no host bits set). Allowed: an IPv4 network such as 10.0.0.0/16. Fix: clear the host bits, e.g. 10.0.1.0/24 instead of 10.0.1.5/24.',
    ],
  },
  {
    name: "a network outside RFC 1918",
    set: { networkCidr: "100.64.0.0/16", nodeSubnetCidr: "100.64.1.0/24" },
    problems: [
      'hcloud-talos-cilium:networkCidr = "100.64.0.0/16": Hetzner networks must use RFC 1918 space. Allowed: inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16. Fix: use e.g. 10.0.0.0/16.',
    ],
  },
  {
    name: "a node subnet outside the network",
    set: { nodeSubnetCidr: "10.1.1.0/24" },
    problems: [
      'hcloud-talos-cilium:nodeSubnetCidr = "10.1.1.0/24": the node subnet must lie inside the network 10.0.0.0/16. Allowed: a subnet of 10.0.0.0/16. Fix: pick a subnet of networkCidr, e.g. its first /24.',
    ],
  },
  {
    name: "pods overlapping the network",
    set: { podCidr: "10.0.128.0/17" },
    problems: [
      'hcloud-talos-cilium:podCidr = "10.0.128.0/17": it overlaps networkCidr 10.0.0.0/16. Allowed: a CIDR disjoint from networkCidr. Fix: move podCidr out of 10.0.0.0/16.',
    ],
  },
  {
    name: "services overlapping the network",
    set: { serviceCidr: "10.0.0.0/12" },
    problems: [
      'hcloud-talos-cilium:serviceCidr = "10.0.0.0/12": it overlaps networkCidr 10.0.0.0/16. Allowed: a CIDR disjoint from networkCidr. Fix: move serviceCidr out of 10.0.0.0/16.',
    ],
  },
  {
    name: "services overlapping pods",
    set: { serviceCidr: "10.244.0.0/20" },
    problems: [
      'hcloud-talos-cilium:serviceCidr = "10.244.0.0/20": it overlaps podCidr 10.244.0.0/16. Allowed: a CIDR disjoint from podCidr. Fix: move serviceCidr out of 10.244.0.0/16.',
    ],
  },
  {
    name: "an even control-plane count",
    set: { controlPlane: { name: "cp", count: 2, serverType: "cpx21", location: "fsn1" } },
    problems: [
      'hcloud-talos-cilium:controlPlane = {"name":"cp","count":2,"serverType":"cpx21","location":"fsn1","labels":{},"taints":[]}: controlPlane.count is 2; etcd needs an odd number of members for quorum, and the address plan holds 9. Allowed: count 1, 3, 5, 7 or 9. Fix: set controlPlane.count to 1 (ci) or 3 (production).',
    ],
  },
  {
    name: "a location outside the zone",
    set: { workerPools: [{ name: "workers", count: 1, serverType: "cpx31", location: "ash" }] },
    problems: [
      'hcloud-talos-cilium:workerPools = "ash": pool "workers" is in ash, outside network zone eu-central. Allowed: fsn1, nbg1, hel1. Fix: set location to one of fsn1, nbg1, hel1, or change networkZone.',
    ],
  },
  {
    name: "a worker pool named like the control plane",
    set: { workerPools: [{ name: "cp", count: 1, serverType: "cpx31", location: "fsn1" }] },
    problems: [
      'hcloud-talos-cilium:workerPools = "cp": a worker pool has the control-plane pool\'s name, so server names would collide. Allowed: pool names distinct from controlPlane.name. Fix: rename the worker pool.',
    ],
  },
  {
    name: "more than 100 servers",
    set: {
      workerPools: [
        { name: "a", count: 60, serverType: "cpx31", location: "fsn1" },
        { name: "b", count: 41, serverType: "cpx31", location: "nbg1" },
      ],
    },
    problems: [
      "hcloud-talos-cilium:workerPools = 102: 102 servers exceed Hetzner's limit of 100 servers per network. Allowed: at most 100 servers in all pools. Fix: reduce the pool counts.",
    ],
  },
  {
    name: "a node subnet too small for the pools",
    set: {
      nodeSubnetCidr: "10.0.1.0/27",
      workerPools: [{ name: "w", count: 10, serverType: "cpx31", location: "fsn1" }],
    },
    problems: [
      'hcloud-talos-cilium:nodeSubnetCidr = "10.0.1.0/27": 10 workers from offset 21 do not fit in 10.0.1.0/27. Allowed: a subnet with at least 32 usable addresses. Fix: use a larger subnet such as a /23.',
    ],
  },
  {
    name: "no admin CIDRs",
    set: { adminCidrs: [] },
    problems: [
      'hcloud-talos-cilium:adminCidrs = []: nothing could reach the Kubernetes API or the Talos API (the firewall denies all inbound). Allowed: one or more CIDRs of your operators and CI runners. Fix: list the CIDRs that deploy this stack, e.g. ["203.0.113.0/24"].',
    ],
  },
  {
    name: "no public interface at all",
    set: { publicIPv4: false, publicIPv6: false },
    problems: [
      "hcloud-talos-cilium:publicIPv4 = false: with neither public IPv4 nor IPv6 the nodes have no egress and the Talos API is unreachable from the runner; this program manages no NAT host. Allowed: publicIPv4 or publicIPv6 true. Fix: set publicIPv4: true.",
    ],
  },
  {
    name: "admin ports open to the world on production",
    stack: "prod",
    set: { adminCidrs: ["0.0.0.0/0", "10.0.0.0/8", "::/0"] },
    problems: [
      'hcloud-talos-cilium:adminCidrs = ["0.0.0.0/0","::/0"]: this stack is production (production: true), and admin ports 6443 and 50000 must never be open to the whole Internet. Allowed: specific CIDRs only. Fix: replace them with your operators\' and runners\' CIDRs.',
    ],
  },
  {
    name: "a string for a boolean",
    set: { bandwidthManager: "yes" },
    problems: [
      'hcloud-talos-cilium:bandwidthManager = "yes": not a boolean (true or false). Allowed: a boolean (true or false). Fix: correct it, or remove the key for the default false.',
    ],
  },
  {
    name: "an enum value not offered",
    set: { datapathMode: "auto" },
    problems: [
      'hcloud-talos-cilium:datapathMode = "auto": not one of "veth", "netkit", "netkit-l2". Allowed: one of "veth", "netkit", "netkit-l2". Fix: correct it, or remove the key for the default "veth".',
    ],
  },
  {
    name: "an integer out of range",
    set: { hubbleRelayReplicas: 0 },
    problems: [
      "hcloud-talos-cilium:hubbleRelayReplicas = 0: not an integer from 1 to 10. Allowed: an integer from 1 to 10. Fix: correct it, or remove the key for the default 2.",
    ],
  },
  {
    name: "a misspelled key",
    set: { bandwithManager: true },
    problems: [
      "hcloud-talos-cilium:bandwithManager = true: unknown config key, the program would ignore it. Allowed: the keys declared in Pulumi.yaml. Fix: did you mean bandwidthManager?",
    ],
  },
  {
    name: "a key nothing resembles",
    set: { clusterFlavour: "large" },
    problems: [
      'hcloud-talos-cilium:clusterFlavour = "large": unknown config key, the program would ignore it. Allowed: the keys declared in Pulumi.yaml. Fix: see the README\'s settings and knob tables.',
    ],
  },
  {
    name: "a pool with a bad count",
    set: { controlPlane: { name: "cp", count: 0, serverType: "cpx21", location: "fsn1" } },
    problems: [
      'hcloud-talos-cilium:controlPlane = {"name":"cp","count":0,"serverType":"cpx21","location":"fsn1"}: count must be a positive integer. Allowed: a pool {name, count, serverType, location, labels?, taints?}. Fix: correct it, or remove the key for the default {"name":"cp","count":3,"serverType":"cpx31","location":"fsn1","labels":{},"taints":[]}.',
    ],
  },
  {
    name: "a pool with an unknown field",
    set: { workerPools: [{ name: "w", count: 1, serverType: "cpx31", location: "fsn1", extra: 1 }] },
    problems: [
      'hcloud-talos-cilium:workerPools = [{"name":"w","count":1,"serverType":"cpx31","location":"fsn1","extra":1}]: item [0]: unknown field "extra" (fields: name, count, serverType, location, labels, taints). Allowed: a non-empty list of pools {name, count, serverType, location, labels?, taints?}. Fix: correct it, or remove the key for the default [{"name":"workers","count":3,"serverType":"cpx41","location":"fsn1","labels":{},"taints":[]}].',
    ],
  },
  {
    name: "pools with the same name",
    set: {
      workerPools: [
        { name: "w", count: 1, serverType: "cpx31", location: "fsn1" },
        { name: "w", count: 2, serverType: "cpx31", location: "fsn1" },
      ],
    },
    problems: [
      'hcloud-talos-cilium:workerPools = [{"name":"w","count":1,"serverType":"cpx31","location":"fsn1"},{"name":"w","count":2,"serverType":"cpx31","location":"fsn1"}]: "w" appears twice. Allowed: a list of pools with unique names. Fix: correct it, or remove the key for the default [{"name":"workers","count":3,"serverType":"cpx41","location":"fsn1","labels":{},"taints":[]}].',
    ],
  },
  {
    name: "a pool with a bad taint",
    set: {
      workerPools: [
        {
          name: "w",
          count: 1,
          serverType: "cpx31",
          location: "fsn1",
          taints: [{ key: "dedicated", effect: "Never" }],
        },
      ],
    },
    problems: [
      'hcloud-talos-cilium:workerPools = [{"name":"w","count":1,"serverType":"cpx31","location":"fsn1","taints":[{"key":"dedicated","effect":"Never"}]}]: item [0]: taints[0] must be {key, value?, effect} with effect one of NoSchedule, PreferNoSchedule, NoExecute. Allowed: a non-empty list of pools {name, count, serverType, location, labels?, taints?}. Fix: correct it, or remove the key for the default [{"name":"workers","count":3,"serverType":"cpx41","location":"fsn1","labels":{},"taints":[]}].',
    ],
  },
  {
    name: "one image ID for mixed arm64 and x86 pools",
    set: {
      talosImageId: 123,
      workerPools: [{ name: "arm", count: 1, serverType: "cax21", location: "fsn1" }],
    },
    problems: [
      "hcloud-talos-cilium:talosImageId = 123: one image serves one architecture, and the pools mix arm64 (cax*) and x86 server types. Allowed: 0 (select the snapshot per architecture by labels), or an ID when every pool has one architecture. Fix: set talosImageId: 0 and label one snapshot per architecture, or use one architecture.",
    ],
  },
  {
    name: "a worker label in a domain NodeRestriction reserves",
    set: {
      workerPools: [
        {
          name: "w",
          count: 1,
          serverType: "cpx31",
          location: "fsn1",
          labels: { "node-role.kubernetes.io/gpu": "", "example.com/tier": "a" },
        },
      ],
    },
    problems: [
      'hcloud-talos-cilium:workerPools = ["node-role.kubernetes.io/gpu"]: worker pool "w" sets labels in a Kubernetes-reserved domain, which NodeRestriction refuses a node setting on itself (and one refused label drops all of the node\'s labels). Allowed: labels outside kubernetes.io and k8s.io, or kubelet labels such as node.kubernetes.io/*. Fix: use your own domain, e.g. example.com/role, or set the label with kubectl.',
    ],
  },
  {
    name: "a control-plane taint key twice",
    set: {
      controlPlane: {
        name: "cp",
        count: 1,
        serverType: "cpx21",
        location: "fsn1",
        taints: [
          { key: "dedicated", value: "a", effect: "NoSchedule" },
          { key: "dedicated", effect: "NoExecute" },
        ],
      },
    },
    problems: [
      'hcloud-talos-cilium:controlPlane = ["dedicated"]: a control-plane taint key appears twice; Talos machine.nodeTaints holds one taint per key. Allowed: each taint key once. Fix: merge the taints with the same key.',
    ],
  },
  {
    name: "an admin CIDR without prefix",
    set: { adminCidrs: ["1.2.3.4"] },
    problems: [
      'hcloud-talos-cilium:adminCidrs = ["1.2.3.4"]: not a list of IPv4 or IPv6 CIDRs such as 203.0.113.0/24. Allowed: a list of IPv4 or IPv6 CIDRs such as 203.0.113.0/24. Fix: correct it, or remove the key for the default [].',
    ],
  },
];

describe("the real stack files", () => {
  it("resolve ci (with Pulumi.yaml's defaults) without problems: 1 control plane, 1 worker, bandwidth manager soaking", () => {
    const spec = specOf("ci");
    expect(spec.settings.controlPlane.count).toBe(1);
    expect(spec.settings.workerPools.map((p) => [p.name, p.count])).toEqual([["workers", 1]]);
    expect(spec.knobs).toEqual({ ...defaultKnobs(), bandwidthManager: true });
    expect(spec.kernel).toEqual([6, 18, 44]);
  });

  it("resolve prod without problems: 3 control planes, 3 workers, the baseline knobs, production", () => {
    const spec = specOf("prod");
    expect(spec.settings.production).toBe(true);
    expect(spec.settings.controlPlane.count).toBe(3);
    expect(spec.settings.workerPools.map((p) => [p.name, p.count])).toEqual([["workers", 3]]);
    expect(spec.knobs).toEqual(defaultKnobs());
  });

  it.each(["ci", "prod"] as const)(
    "%s sets only keys whose value differs from Pulumi.yaml's default",
    (stack) => {
      const file = parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as {
        config: Record<string, unknown>;
      };
      const defs: Record<string, SettingDef<unknown>> = { ...SETTINGS, ...KNOBS };
      for (const [full, value] of Object.entries(file.config)) {
        const key = full.replace("hcloud-talos-cilium:", "");
        const parsed = defs[key]?.parse(value);
        expect(parsed?.ok && parsed.value, key).not.toEqual(defs[key]?.default);
      }
    },
  );

  it("writes a stack file's text that reads back as the same project keys, namespaced", () => {
    const config = { adminCidrs: ["203.0.113.0/24"], bpfMasquerade: true, controlPlane: { count: 3 } };
    const text = stackFileText(config);
    expect(text.split("\n")[1]).toBe("  hcloud-talos-cilium:adminCidrs:");
    const parsed = parseStackFile(text);
    expect("config" in parsed && projectKeys(parsed.config)).toEqual(config);
  });

  it("has no safe default for adminCidrs: a stack must set it", () => {
    expect(problemsOf(resolveStackConfig({}, "x"))).toEqual([
      'hcloud-talos-cilium:adminCidrs = []: nothing could reach the Kubernetes API or the Talos API (the firewall denies all inbound). Allowed: one or more CIDRs of your operators and CI runners. Fix: list the CIDRs that deploy this stack, e.g. ["203.0.113.0/24"].',
    ]);
    expect(problemsOf(resolveStackConfig({ adminCidrs: '["203.0.113.0/24"]' }, "x"))).toEqual([]);
  });
});

describe("cluster rules and bad input", () => {
  it.each(ROWS)("fails on $name, naming key, value, what is allowed and the fix", (row) => {
    expect(problemsOf(resolveWith(row.set, row.stack ?? "ci"))).toEqual(row.problems);
  });

  it("reports every problem at once, not the first", () => {
    const r = resolveWith({
      hubble: false,
      bandwidthManagerBBR: true,
      podCidr: "10.0.0.0/8",
      datapathMode: "auto",
    });
    expect(r.ok ? [] : r.problems.map((p) => p.key)).toEqual([
      "hcloud-talos-cilium:datapathMode",
      "hcloud-talos-cilium:podCidr",
      "hcloud-talos-cilium:serviceCidr",
      "hcloud-talos-cilium:bandwidthManagerBBR",
      "hcloud-talos-cilium:hubbleRelay",
    ]);
  });

  it("reads engine strings and YAML values alike", () => {
    expect(
      specOf("ci", { bandwidthManager: "false", hubbleRelayReplicas: "3", adminCidrs: '["10.1.0.0/16"]' })
        .knobs,
    ).toMatchObject({ bandwidthManager: false, hubbleRelayReplicas: 3 });
  });
});

describe("every allowed value of every knob", () => {
  const rows = KNOB_KEYS.flatMap((key) => {
    const def = knobDef(key);
    const values = def.allowed ?? (def.type === "boolean" ? [true, false] : [def.default]);
    return values.map((value) => ({ key, value }));
  });

  it.each(rows)("$key accepts $value", ({ key, value }) => {
    const parsed = knobDef(key).parse(value);
    expect(parsed).toEqual({ ok: true, value });
  });

  it.each(KNOB_KEYS.filter((k) => knobDef(k).allowed))(
    "%s rejects a value outside its allowed list",
    (key) => {
      const parsed = knobDef(key).parse("not-a-value");
      expect(parsed).toEqual({
        ok: false,
        expected: `one of ${knobDef(key)
          .allowed?.map((a) => JSON.stringify(a))
          .join(", ")}`,
      });
    },
  );
});

describe("the node plan", () => {
  it("names servers <stack>-<pool>-<n> and gives deterministic private addresses", () => {
    const spec = specOf("prod");
    expect(planNodes(spec).map((n) => [n.name, n.role, n.privateIp])).toEqual([
      ["prod-cp-1", "controlplane", "10.0.1.11"],
      ["prod-cp-2", "controlplane", "10.0.1.12"],
      ["prod-cp-3", "controlplane", "10.0.1.13"],
      ["prod-workers-1", "worker", "10.0.1.21"],
      ["prod-workers-2", "worker", "10.0.1.22"],
      ["prod-workers-3", "worker", "10.0.1.23"],
    ]);
    expect(loadBalancerIp(spec.settings)).toBe("10.0.1.2");
  });

  it("numbers workers across pools without gaps", () => {
    const spec = specOf("ci", {
      workerPools: [
        { name: "a", count: 2, serverType: "cpx31", location: "fsn1" },
        { name: "b", count: 1, serverType: "cax21", location: "nbg1" },
      ],
    });
    expect(planNodes(spec).map((n) => [n.name, n.privateIp])).toEqual([
      ["ci-cp-1", "10.0.1.11"],
      ["ci-a-1", "10.0.1.21"],
      ["ci-a-2", "10.0.1.22"],
      ["ci-b-1", "10.0.1.23"],
    ]);
  });
});
