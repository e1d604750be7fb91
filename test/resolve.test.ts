/**
 * Config resolution: the real stack files resolve; every cluster rule and every kind of bad input is a
 * table row with its exact message; all problems are reported at once.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { SettingDef } from "../components/core/define";
import { SETTINGS } from "../components/config/settings";
import { resolveStackConfig } from "../components/config/resolve";
import { parseStackFile, projectKeys, stackFileText } from "../components/config/stack-file";
import { KNOBS, KNOB_KEYS, knobDef, defaultKnobs } from "../components/knobs/catalogue";
import { planNodes, loadBalancerIp } from "../components/config/spec";
import { PROD_SERVERS, ROOT, problemsOf, resolveWith, specOf, stackRaw } from "./helpers";

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
    set: { controlPlane: { name: "cp", count: 2, serverType: "cpx22", location: "fsn1" } },
    problems: [
      'hcloud-talos-cilium:controlPlane = {"name":"cp","count":2,"serverType":"cpx22","location":"fsn1","labels":{},"taints":[]}: controlPlane.count is 2; etcd needs an odd number of members for quorum, and the address plan holds 9. Allowed: count 1, 3, 5, 7 or 9. Fix: set controlPlane.count to 1 (ci) or 3 (production).',
    ],
  },
  {
    name: "a location outside the zone",
    set: { workerPools: [{ name: "workers", count: 1, serverType: "cpx32", location: "ash" }] },
    problems: [
      'hcloud-talos-cilium:workerPools = "ash": pool "workers" is in ash, outside network zone eu-central. Allowed: fsn1, nbg1, hel1. Fix: set location to one of fsn1, nbg1, hel1, or change networkZone.',
    ],
  },
  {
    name: "a worker pool named like the control plane",
    set: { workerPools: [{ name: "cp", count: 1, serverType: "cpx32", location: "fsn1" }] },
    problems: [
      'hcloud-talos-cilium:workerPools = "cp": a worker pool has the control-plane pool\'s name, so server names would collide. Allowed: pool names distinct from controlPlane.name. Fix: rename the worker pool.',
    ],
  },
  {
    name: "more than 100 servers",
    set: {
      workerPools: [
        { name: "a", count: 60, serverType: "cpx32", location: "fsn1" },
        { name: "b", count: 41, serverType: "cpx32", location: "nbg1", firstHost: 81 },
      ],
      nodeSubnetCidr: "10.0.0.0/23",
    },
    problems: [
      "hcloud-talos-cilium:workerPools = 102: 102 servers exceed Hetzner's limit of 100 servers per network. Allowed: at most 100 servers in all pools. Fix: reduce the pool counts.",
    ],
  },
  {
    name: "a node subnet too small for the pools",
    set: {
      nodeSubnetCidr: "10.0.1.0/27",
      workerPools: [{ name: "w", count: 11, serverType: "cpx32", location: "fsn1" }],
    },
    problems: [
      'hcloud-talos-cilium:workerPools[0].firstHost = 21: worker pool "w" needs hosts 21–31, outside 21–30: hosts below 21 hold the gateway, the load balancer and the control planes, and 10.0.1.0/27 ends at host 30. Allowed: none in 10.0.1.0/27: it has 10 hosts from 21. Fix: move the pool\'s block, or use a larger nodeSubnetCidr such as a /23.',
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
      'hcloud-talos-cilium:adminCidrs = ["0.0.0.0/0","10.0.0.0/8"]: together these cover the whole IPv4 space, and this stack is production (production: true): admin ports 6443 and 50000 must never be open to the whole Internet. Allowed: specific ranges of your operators and runners. Fix: replace them with your operators\' ranges, and deploy through runnerAccess: "runner-ip".',
      'hcloud-talos-cilium:adminCidrs = ["::/0"]: together these cover the whole IPv6 space, and this stack is production (production: true): admin ports 6443 and 50000 must never be open to the whole Internet. Allowed: specific ranges of your operators and runners. Fix: replace them with your operators\' ranges, and deploy through runnerAccess: "runner-ip".',
    ],
  },
  {
    name: "the whole IPv6 space written ::0/0 on production",
    stack: "prod",
    set: { adminCidrs: ["::0/0"] },
    problems: [
      'hcloud-talos-cilium:adminCidrs = ["::0/0"]: together these cover the whole IPv6 space, and this stack is production (production: true): admin ports 6443 and 50000 must never be open to the whole Internet. Allowed: specific ranges of your operators and runners. Fix: replace them with your operators\' ranges, and deploy through runnerAccess: "runner-ip".',
    ],
  },
  {
    name: "the whole IPv6 space written 0::0/0 beside a real range, on production",
    stack: "prod",
    set: { adminCidrs: ["0::0/0", "198.51.100.0/24"] },
    problems: [
      'hcloud-talos-cilium:adminCidrs = ["0::0/0"]: together these cover the whole IPv6 space, and this stack is production (production: true): admin ports 6443 and 50000 must never be open to the whole Internet. Allowed: specific ranges of your operators and runners. Fix: replace them with your operators\' ranges, and deploy through runnerAccess: "runner-ip".',
    ],
  },
  {
    name: "two halves of IPv4 that together are the world, on production",
    stack: "prod",
    set: { adminCidrs: ["0.0.0.0/1", "128.0.0.0/1"] },
    problems: [
      'hcloud-talos-cilium:adminCidrs = ["0.0.0.0/1","128.0.0.0/1"]: together these cover the whole IPv4 space, and this stack is production (production: true): admin ports 6443 and 50000 must never be open to the whole Internet. Allowed: specific ranges of your operators and runners. Fix: replace them with your operators\' ranges, and deploy through runnerAccess: "runner-ip".',
    ],
  },
  {
    name: "an IPv6 address no real parser accepts",
    set: { adminCidrs: ["1:::::::::/64"] },
    problems: [
      'hcloud-talos-cilium:adminCidrs[0] = "1:::::::::/64": not an IPv4 or IPv6 prefix: not an IPv4 or IPv6 address before the /. Allowed: a prefix such as 203.0.113.0/24 or 2001:db8::/48 (a single address as /32 or /128). Fix: correct the address and its /length.',
    ],
  },
  {
    name: "IPv6 host bits set, and an IPv6 prefix too long, each named",
    set: { adminCidrs: ["2001:db8::1/32", "198.51.100.0/24", "2001:db8::/129"] },
    problems: [
      'hcloud-talos-cilium:adminCidrs[0] = "2001:db8::1/32": not an IPv4 or IPv6 prefix: host bits are set. Allowed: a prefix such as 203.0.113.0/24 or 2001:db8::/48 (a single address as /32 or /128). Fix: write 2001:db8::/32.',
      'hcloud-talos-cilium:adminCidrs[2] = "2001:db8::/129": not an IPv4 or IPv6 prefix: the prefix length must be 0 to 128 for IPv6. Allowed: a prefix such as 203.0.113.0/24 or 2001:db8::/48 (a single address as /32 or /128). Fix: correct the address and its /length.',
    ],
  },
  {
    name: "a pod CIDR too small for a per-node range each",
    set: { podCidr: "10.244.0.0/24" },
    problems: [
      'hcloud-talos-cilium:podCidr = "10.244.0.0/24": kube-controller-manager gives every node a /24 of the pod CIDR (Talos sets no --node-cidr-mask-size), so /24 holds 1 node range(s) and the pools have 2 nodes; a node without a range never runs Cilium (ipam.mode kubernetes). Allowed: a pod CIDR of /23 or larger for 2 nodes. Fix: use a /23 (or larger) pod CIDR outside the network and service CIDRs, e.g. 10.244.0.0/16.',
    ],
  },
  {
    name: "a pod CIDR smaller than one node's range",
    stack: "prod",
    set: { podCidr: "10.244.0.0/25" },
    problems: [
      'hcloud-talos-cilium:podCidr = "10.244.0.0/25": kube-controller-manager gives every node a /24 of the pod CIDR (Talos sets no --node-cidr-mask-size), so /25 holds 0 node range(s) and the pools have 6 nodes; a node without a range never runs Cilium (ipam.mode kubernetes). Allowed: a pod CIDR of /21 or larger for 6 nodes. Fix: use a /21 (or larger) pod CIDR outside the network and service CIDRs, e.g. 10.244.0.0/16.',
    ],
  },
  {
    name: "the removed loadBalancerPublic",
    set: { loadBalancerPublic: true },
    problems: [
      "hcloud-talos-cilium:loadBalancerPublic = true: removed: a public load balancer forwarded 6443 and 50000 from the whole Internet, whatever adminCidrs said (Hetzner Cloud Firewalls do not apply to load balancers), and a node in Talos maintenance mode accepts an unauthenticated config on 50000. Allowed: publicApiEndpoint (default false; the load balancer has no 50000 service any more). Fix: remove loadBalancerPublic; set publicApiEndpoint: true only to accept that 6443 is reachable from the world.",
    ],
  },
  {
    name: "a runner access that does not exist",
    set: { runnerAccess: "vpn" },
    problems: [
      'hcloud-talos-cilium:runnerAccess = "vpn": not one of "admin-cidrs", "runner-ip". Allowed: one of "admin-cidrs", "runner-ip". Fix: correct it, or remove the key for the default "admin-cidrs".',
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
    set: { controlPlane: { name: "cp", count: 0, serverType: "cpx22", location: "fsn1" } },
    problems: [
      "hcloud-talos-cilium:controlPlane.count = 0: not a positive integer. Allowed: an integer from 1. Fix: set the number of servers, e.g. 3.",
    ],
  },
  {
    name: "a pool with an unknown field",
    set: { workerPools: [{ name: "w", count: 1, serverType: "cpx32", location: "fsn1", extra: 1 }] },
    problems: [
      "hcloud-talos-cilium:workerPools[0].extra = 1: not a field of a pool. Allowed: the fields name, count, serverType, location, labels, taints, firstHost. Fix: remove it, or correct its name.",
    ],
  },
  {
    name: "pools with the same name",
    set: {
      workerPools: [
        { name: "w", count: 1, serverType: "cpx32", location: "fsn1" },
        { name: "w", count: 2, serverType: "cpx32", location: "fsn1" },
      ],
    },
    problems: [
      'hcloud-talos-cilium:workerPools = [{"name":"w","count":1,"serverType":"cpx32","location":"fsn1"},{"name":"w","count":2,"serverType":"cpx32","location":"fsn1"}]: "w" appears twice. Allowed: a list of pools with unique names. Fix: correct it, or remove the key for the default [{"name":"workers","count":3,"serverType":"cpx42","location":"fsn1","labels":{},"taints":[]}].',
    ],
  },
  {
    name: "a pool with a bad taint",
    set: {
      workerPools: [
        {
          name: "w",
          count: 1,
          serverType: "cpx32",
          location: "fsn1",
          taints: [{ key: "dedicated", effect: "Never" }],
        },
      ],
    },
    problems: [
      'hcloud-talos-cilium:workerPools[0].taints[0] = {"key":"dedicated","effect":"Never"}: not a taint. Allowed: {key, value?, effect} with effect one of NoSchedule, PreferNoSchedule, NoExecute. Fix: correct the taint.',
    ],
  },
  {
    name: "a worker label in a domain NodeRestriction reserves",
    set: {
      workerPools: [
        {
          name: "w",
          count: 1,
          serverType: "cpx32",
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
        serverType: "cpx22",
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
      'hcloud-talos-cilium:adminCidrs[0] = "1.2.3.4": not an IPv4 or IPv6 prefix: a bare address, not a prefix (no /length). Allowed: a prefix such as 203.0.113.0/24 or 2001:db8::/48 (a single address as /32 or /128). Fix: write 1.2.3.4/32.',
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
    expect(planNodes(spec).map((n) => [n.name, n.role, n.pool.name, n.privateIp])).toEqual(
      PROD_SERVERS.map((s) => [s.name, s.role, s.pool, s.ip]),
    );
    expect(loadBalancerIp(spec.settings)).toBe("10.0.1.2");
  });

  it("starts the first worker pool at host 21 and every later pool at its own firstHost", () => {
    const spec = specOf("ci", {
      workerPools: [
        { name: "a", count: 2, serverType: "cpx32", location: "fsn1" },
        { name: "b", count: 1, serverType: "cax21", location: "nbg1", firstHost: 41 },
      ],
    });
    expect(planNodes(spec).map((n) => [n.name, n.privateIp])).toEqual([
      ["ci-cp-1", "10.0.1.11"],
      ["ci-a-1", "10.0.1.21"],
      ["ci-a-2", "10.0.1.22"],
      ["ci-b-1", "10.0.1.41"],
    ]);
  });

  const addrOf = (pools: unknown[]) =>
    Object.fromEntries(planNodes(specOf("prod", { workerPools: pools })).map((n) => [n.name, n.privateIp]));
  const A = { name: "a", count: 3, serverType: "cpx42", location: "fsn1" };
  const B = { name: "b", count: 3, serverType: "cpx42", location: "nbg1", firstHost: 31 };
  const C = { name: "c", count: 2, serverType: "cpx42", location: "hel1", firstHost: 41 };

  it("keeps every other node's address when a pool is added, grown or removed", () => {
    const all = addrOf([A, B, C]);
    const keep = (from: Record<string, string>, names: string[]) =>
      Object.fromEntries(names.map((n) => [n, from[n]]));
    const bAndC = ["prod-b-1", "prod-b-2", "prod-b-3", "prod-c-1", "prod-c-2"];
    // Added (b, then c): a's and b's nodes stay.
    expect(keep(addrOf([A, B]), ["prod-a-1", "prod-a-2", "prod-a-3", "prod-b-1"])).toEqual(
      keep(all, ["prod-a-1", "prod-a-2", "prod-a-3", "prod-b-1"]),
    );
    // The first pool removed: b and c keep theirs (pool order used to move them to 21–25).
    expect(keep(addrOf([B, C]), bAndC)).toEqual(keep(all, bAndC));
    // The first pool grown: b and c stay.
    expect(keep(addrOf([{ ...A, count: 5 }, B, C]), bAndC)).toEqual(keep(all, bAndC));
    expect(all).toMatchObject({ "prod-a-1": "10.0.1.21", "prod-b-1": "10.0.1.31", "prod-c-2": "10.0.1.42" });
  });

  it("keeps the addresses the existing stacks have: one worker pool from host 21", () => {
    expect(planNodes(specOf("prod")).map((n) => n.privateIp)).toEqual(PROD_SERVERS.map((s) => s.ip));
    expect(planNodes(specOf("ci")).map((n) => n.privateIp)).toEqual(["10.0.1.11", "10.0.1.21"]);
  });

  it("refuses a later pool without firstHost, giving the value that keeps its addresses and a free block", () => {
    expect(problemsOf(resolveWith({ workerPools: [A, { ...B, firstHost: undefined }] }, "prod"))).toEqual([
      'hcloud-talos-cilium:workerPools[1].firstHost = (unset): worker pool "b" is not the first worker pool, and its addresses would follow the pools before it (now hosts 24–26): adding, growing or removing one of them would detach and re-attach every node of "b" with a new private address. Allowed: a host number from 21 whose 3 hosts clear the other pools. Fix: set firstHost: 24 to keep the addresses its nodes have had, or firstHost: 31 (the next free block of ten) for a new pool.',
    ]);
  });

  it("refuses overlapping pools, and firstHost on the control planes", () => {
    expect(
      problemsOf(
        resolveWith(
          {
            workerPools: [{ ...A, count: 12 }, B],
            controlPlane: { name: "cp", count: 3, serverType: "cpx32", location: "fsn1", firstHost: 11 },
          },
          "prod",
        ),
      ),
    ).toEqual([
      "hcloud-talos-cilium:controlPlane.firstHost = 11: control planes sit at hosts 11–19 (control plane n at 11 + n). Allowed: no firstHost on the control-plane pool. Fix: remove controlPlane.firstHost.",
      'hcloud-talos-cilium:workerPools[1].firstHost = 31: worker pool "b" needs hosts 31–33, which overlap worker pool "a"\'s hosts 21–32. Allowed: a block of hosts no other pool uses. Fix: start "b" after host 32, or move "a" (a moved pool\'s nodes are re-addressed).',
    ]);
  });
});

describe("every bad field of every pool, at once", () => {
  it("reports five bad fields across two pools as five problems, each naming its field", () => {
    const r = resolveWith({
      workerPools: [
        { name: "Workers", count: 0, serverType: "cpx32", location: "fsn1" },
        { name: "b", count: 1.5, serverType: "CPX", location: "x", labels: { "bad key": "v" } },
      ],
    });
    expect(r.ok ? [] : r.problems.map((p) => p.key)).toEqual(
      Array(6).fill("hcloud-talos-cilium:workerPools"),
    );
    expect(problemsOf(r)).toEqual([
      'hcloud-talos-cilium:workerPools[0].name = "Workers": not a DNS label (lower-case letters, digits and \'-\', starting with a letter, at most 32). Allowed: a name such as "workers". Fix: rename the pool.',
      "hcloud-talos-cilium:workerPools[0].count = 0: not a positive integer. Allowed: an integer from 1. Fix: set the number of servers, e.g. 3.",
      "hcloud-talos-cilium:workerPools[1].count = 1.5: not a positive integer. Allowed: an integer from 1. Fix: set the number of servers, e.g. 3.",
      'hcloud-talos-cilium:workerPools[1].serverType = "CPX": not a Hetzner server type name. Allowed: a server type such as "cpx32" (x86) or "cax21" (arm64). Fix: pick a type from Hetzner\'s list (hcloud server-type list).',
      'hcloud-talos-cilium:workerPools[1].location = "x": not a Hetzner location name. Allowed: a location such as "fsn1". Fix: set a location of the network zone.',
      "hcloud-talos-cilium:workerPools[1].labels.bad key = \"v\": not a valid Kubernetes label (key: [prefix/]name of at most 63 characters; value: at most 63 alphanumerics, '-', '_', '.'). Allowed: a label such as \"example.com/role\": \"db\". Fix: correct the key or the value.",
    ]);
  });

  it("reports the control plane's and the workers' bad fields together", () => {
    const r = resolveWith({
      controlPlane: { name: "cp", count: 1, serverType: "cpx22", location: "fsn1", extra: true },
      workerPools: [{ name: "w", count: 1, serverType: "cpx32", location: "fsn1", taints: [{ key: "k" }] }],
    });
    expect(problemsOf(r).map((m) => m.slice(0, m.indexOf(" = ")))).toEqual([
      "hcloud-talos-cilium:controlPlane.extra",
      "hcloud-talos-cilium:workerPools[0].taints[0]",
    ]);
  });
});

describe("the pod CIDR holds a /24 per node", () => {
  it.each([
    ["10.244.0.0/23", "ci", true],
    ["10.244.0.0/24", "ci", false],
    ["10.244.0.0/21", "prod", true],
    ["10.244.0.0/22", "prod", false],
    ["10.244.0.0/25", "prod", false],
  ] as const)("%s on %s: %s", (podCidr, stack, ok) => {
    expect(problemsOf(resolveWith({ podCidr }, stack)).length === 0).toBe(ok);
  });

  it("counts every pool's nodes: 8 nodes do not fit a /22 (4 ranges)", () => {
    const r = resolveWith(
      {
        podCidr: "10.244.0.0/22",
        workerPools: [{ name: "w", count: 5, serverType: "cpx42", location: "fsn1" }],
      },
      "prod",
    );
    expect(problemsOf(r)).toEqual([
      'hcloud-talos-cilium:podCidr = "10.244.0.0/22": kube-controller-manager gives every node a /24 of the pod CIDR (Talos sets no --node-cidr-mask-size), so /22 holds 4 node range(s) and the pools have 8 nodes; a node without a range never runs Cilium (ipam.mode kubernetes). Allowed: a pod CIDR of /21 or larger for 8 nodes. Fix: use a /21 (or larger) pod CIDR outside the network and service CIDRs, e.g. 10.244.0.0/16.',
    ]);
  });
});

describe("admin access: warnings", () => {
  const warningsOf = (set: Record<string, unknown>, stack: "ci" | "prod" = "prod", env = {}) =>
    resolveStackConfig({ ...stackRaw(stack), ...set }, stack, undefined, env).warnings.filter(
      (w) => !w.key.endsWith(":mutualAuth") && !w.key.endsWith(":bandwidthManager"),
    );

  it("warns about documentation and non-public ranges, one per entry", () => {
    expect(
      warningsOf({
        adminCidrs: ["203.0.113.0/24", "10.1.0.0/16", "fd00::/8", "2001:db8:1::/48", "198.18.0.0/15"],
      }).map((w) => w.message),
    ).toEqual([
      'hcloud-talos-cilium:adminCidrs[0] = "203.0.113.0/24": a documentation range (RFC 5737 TEST-NET-3): no operator or runner has such an address, so this entry lets nobody in. Allowed: the public egress ranges of your operators and runners. Fix: replace it with the ranges that deploy this stack.',
      'hcloud-talos-cilium:adminCidrs[1] = "10.1.0.0/16": a private range (RFC 1918): Cloud Firewalls filter the servers\' public interfaces, where such a source never arrives from the Internet. Allowed: the public egress ranges of your operators and runners. Fix: replace it with the ranges that deploy this stack.',
      'hcloud-talos-cilium:adminCidrs[2] = "fd00::/8": a unique local range (RFC 4193): Cloud Firewalls filter the servers\' public interfaces, where such a source never arrives from the Internet. Allowed: the public egress ranges of your operators and runners. Fix: replace it with the ranges that deploy this stack.',
      'hcloud-talos-cilium:adminCidrs[3] = "2001:db8:1::/48": a documentation range (RFC 3849): no operator or runner has such an address, so this entry lets nobody in. Allowed: the public egress ranges of your operators and runners. Fix: replace it with the ranges that deploy this stack.',
    ]);
  });

  it("says plainly that a public API endpoint on production is open to the world", () => {
    expect(
      warningsOf({ adminCidrs: ["198.18.0.0/15"], publicApiEndpoint: true }).map((w) => w.message),
    ).toEqual([
      "hcloud-talos-cilium:publicApiEndpoint = true: the control-plane load balancer has a public interface, and Hetzner Cloud Firewalls do not apply to load balancers: the Kubernetes API (6443) is reachable from the whole Internet, whatever adminCidrs says. Allowed: true only when you accept that exposure. Fix: set publicApiEndpoint: false; the runner and operators then reach the API on the first control plane's public address.",
    ]);
    expect(warningsOf({ publicApiEndpoint: true }, "ci")).toEqual([]);
  });

  it("warns that DEPLOY_RUNNER_IP is ignored without runnerAccess: runner-ip", () => {
    expect(warningsOf({}, "ci", { DEPLOY_RUNNER_IP: "198.51.100.7" }).map((w) => w.message)).toEqual([
      'hcloud-talos-cilium:runnerAccess = "admin-cidrs": DEPLOY_RUNNER_IP is set, but the firewall opens only to adminCidrs on this stack, so the address is ignored. Allowed: "runner-ip" to open the firewall to the runner for the run. Fix: set runnerAccess: "runner-ip", or unset DEPLOY_RUNNER_IP.',
    ]);
  });

  it("lets a stack that is not production open the admin ports to the world (ci)", () => {
    expect(specOf("ci").settings.adminCidrs).toEqual(["0.0.0.0/0", "::/0"]);
    expect(problemsOf(resolveWith({ adminCidrs: ["0.0.0.0/1", "128.0.0.0/1", "::/0"] }))).toEqual([]);
  });
});

describe("the deploying runner's address (DEPLOY_RUNNER_IP, contract 2)", () => {
  const resolveRunner = (value: string | undefined, runnerAccess = "runner-ip") =>
    resolveStackConfig({ ...stackRaw("prod"), runnerAccess }, "prod", undefined, { DEPLOY_RUNNER_IP: value });

  it.each([
    ["198.51.100.7", "198.51.100.7/32"],
    [" 198.51.100.7\n", "198.51.100.7/32"],
    ["2001:DB8:0:0::7", "2001:db8::7/128"],
    ["::ffff:198.51.100.7", "::ffff:198.51.100.7/128"],
  ])("adds %j as %s", (value, cidr) => {
    const r = resolveRunner(value);
    expect(r.ok && r.spec.runnerCidr).toBe(cidr);
  });

  it("adds nothing when it is unset or empty (the closing step), or on runnerAccess: admin-cidrs", () => {
    for (const r of [
      resolveRunner(undefined),
      resolveRunner(""),
      resolveRunner("198.51.100.7", "admin-cidrs"),
    ]) {
      expect(r.ok && "runnerCidr" in r.spec).toBe(false);
    }
  });

  it.each(["1.2.3", "198.51.100.7/32", "runner", "1:::::::::"])(
    "refuses %j, naming the variable",
    (value) => {
      const r = resolveRunner(value);
      expect(r.ok ? [] : r.problems).toEqual([
        {
          key: "DEPLOY_RUNNER_IP",
          message: `DEPLOY_RUNNER_IP = ${JSON.stringify(value)}: not a bare IPv4 or IPv6 address (runnerAccess: "runner-ip" adds it to the firewall as a /32 or /128). Allowed: an address such as 198.51.100.7 or 2001:db8::7, without a /length. Fix: export the deploying runner's egress address, or unset DEPLOY_RUNNER_IP to close the firewall to adminCidrs.`,
        },
      ]);
    },
  );
});
