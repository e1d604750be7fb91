/**
 * Rules on the cluster settings: versions, CIDRs, pools, zone, Hetzner limits, admin access.
 * Facts: platform.md (Hetzner limits, zones, Talos 1.13) and datapath.md (Cilium 1.20 values).
 */
import { describe, type Finding, type Problem } from "../core/define";
import { contains, isPrivate, overlaps, parseCidr4, type Cidr4 } from "../core/cidr";
import { ZONE_LOCATIONS } from "./settings";
import { accessFindings } from "./access-rules";
import { podCapacity } from "./pod-capacity";
import { compareVersions, minorOf, parseVersion } from "../core/version";
import { selfForbiddenLabels } from "./node-restriction";
import { MAX_CONTROL_PLANES, type Settings } from "./spec";
import { addressProblems } from "./address-rules";
import { kernelOf, parseTalosVersion, talosMinor, SUPPORTED_TALOS, TALOS_KERNELS } from "../core/kernel";

/** Limits of the platform that the rules enforce. */
export interface Limits {
  /** Hetzner: at most 100 servers attached to one network (platform.md). */
  readonly maxServersPerNetwork: number;
}

/** Hetzner Cloud's limits. Only the benchmark lifts one, to measure growth past what Hetzner allows. */
export const HETZNER_LIMITS: Limits = { maxServersPerNetwork: 100 };

type Check = (s: Settings, limits: Limits) => { key: string; value: unknown; finding: Finding }[];

/** Compares two versions by their minor alone (`1.36.3` is within `1.31`–`1.36`). */
const cmpMinor = (a: string, b: string): number =>
  compareVersions(minorOf(parseVersion(a) ?? [0, 0, 0]), minorOf(parseVersion(b) ?? [0, 0, 0]));

const versions: Check = (s) => {
  const out: ReturnType<Check> = [];
  const talos = parseTalosVersion(s.talosVersion);
  const supported = talos && SUPPORTED_TALOS[talosMinor(talos)];
  if (!talos || !supported || !kernelOf(talos)) {
    const minors = Object.keys(SUPPORTED_TALOS)
      .map((m) => `v${m}.x`)
      .join(", ");
    out.push({
      key: "talosVersion",
      value: s.talosVersion,
      finding: {
        why: `the machine-config patches target Talos ${minors} (kernel table knows ${Object.keys(TALOS_KERNELS).join(", ")})`,
        allowed: minors,
        fix: "set talosVersion to a v1.13 release such as v1.13.9",
      },
    });
  } else {
    const [lo, hi] = supported.kubernetes;
    if (cmpMinor(s.kubernetesVersion, lo) < 0 || cmpMinor(s.kubernetesVersion, hi) > 0) {
      out.push({
        key: "kubernetesVersion",
        value: s.kubernetesVersion,
        finding: {
          why: `Talos ${talos.raw} supports Kubernetes ${lo} to ${hi}`,
          allowed: `${lo}.x to ${hi}.x`,
          fix: `set kubernetesVersion within ${lo}–${hi}, or change talosVersion`,
        },
      });
    }
  }
  if (!/^1\.20\.\d+$/.test(s.ciliumVersion)) {
    out.push({
      key: "ciliumVersion",
      value: s.ciliumVersion,
      finding: {
        why: "the Helm values are built for chart 1.20's paths (1.20 removed and renamed keys; other charts silently ignore them)",
        allowed: "1.20.x",
        fix: "set ciliumVersion to a 1.20 patch such as 1.20.0",
      },
    });
  }
  return out;
};

/** The oldest cloud-controller-manager that survives Hetzner's removal of the `datacenter` API property. */
export const MIN_CCM_VERSION = "1.30.1";

const below = (a: string, b: string): boolean =>
  compareVersions(parseVersion(a) ?? [0, 0, 0], parseVersion(b) ?? [0, 0, 0]) < 0;

// Hetzner's notice to hcloud-cloud-controller-manager users (May 2026): from 1 July 2026 the API no
// longer returns `datacenter` for servers and primary IPs, and releases before 1.30.1 crash on it. The
// values (networking.*, env) are those of the 1.x chart.
const cloudController: Check = (s) =>
  /^1\.\d+\.\d+$/.test(s.hcloudCcmVersion) && !below(s.hcloudCcmVersion, MIN_CCM_VERSION)
    ? []
    : [
        {
          key: "hcloudCcmVersion",
          value: s.hcloudCcmVersion,
          finding: {
            why: `releases before ${MIN_CCM_VERSION} read the server "datacenter" property Hetzner's API no longer returns (they crash), and the values target the 1.x chart`,
            allowed: `1.x from ${MIN_CCM_VERSION}`,
            fix: "set hcloudCcmVersion to 1.33.0 or a newer 1.x release",
          },
        },
      ];

const CIDR_KEYS = ["networkCidr", "nodeSubnetCidr", "podCidr", "serviceCidr"] as const;

const cidrs: Check = (s) => {
  const parsed = Object.fromEntries(CIDR_KEYS.map((k) => [k, parseCidr4(s[k])])) as Record<
    (typeof CIDR_KEYS)[number],
    Cidr4 | undefined
  >;
  const out: ReturnType<Check> = CIDR_KEYS.filter((k) => !parsed[k]).map((k) => ({
    key: k,
    value: s[k],
    finding: {
      why: "not a valid IPv4 network (octets 0–255, prefix 0–32, no host bits set)",
      allowed: "an IPv4 network such as 10.0.0.0/16",
      fix: "clear the host bits, e.g. 10.0.1.0/24 instead of 10.0.1.5/24",
    },
  }));
  const { networkCidr: net, nodeSubnetCidr: sub, podCidr: pod, serviceCidr: svc } = parsed;
  if (net && !isPrivate(net))
    out.push({
      key: "networkCidr",
      value: s.networkCidr,
      finding: {
        why: "Hetzner networks must use RFC 1918 space",
        allowed: "inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
        fix: "use e.g. 10.0.0.0/16",
      },
    });
  if (net && sub && !contains(net, sub))
    out.push({
      key: "nodeSubnetCidr",
      value: s.nodeSubnetCidr,
      finding: {
        why: `the node subnet must lie inside the network ${s.networkCidr}`,
        allowed: `a subnet of ${s.networkCidr}`,
        fix: "pick a subnet of networkCidr, e.g. its first /24",
      },
    });
  const pairs = [
    ["podCidr", pod, "networkCidr", net],
    ["serviceCidr", svc, "networkCidr", net],
    ["serviceCidr", svc, "podCidr", pod],
  ] as const;
  for (const [key, a, otherKey, b] of pairs) {
    if (a && b && overlaps(a, b))
      out.push({
        key,
        value: s[key],
        finding: {
          why: `it overlaps ${otherKey} ${s[otherKey]}`,
          allowed: `a CIDR disjoint from ${otherKey}`,
          fix: `move ${key} out of ${s[otherKey]}`,
        },
      });
  }
  return out;
};

const pools: Check = (s) => {
  const out: ReturnType<Check> = [];
  const cp = s.controlPlane.count;
  if (cp % 2 === 0 || cp > MAX_CONTROL_PLANES)
    out.push({
      key: "controlPlane",
      value: s.controlPlane,
      finding: {
        why: `controlPlane.count is ${cp}; etcd needs an odd number of members for quorum, and the address plan holds ${MAX_CONTROL_PLANES}`,
        allowed: "count 1, 3, 5, 7 or 9",
        fix: "set controlPlane.count to 1 (ci) or 3 (production)",
      },
    });
  const locations: readonly string[] = ZONE_LOCATIONS[s.networkZone];
  for (const [key, pool] of [
    ["controlPlane", s.controlPlane],
    ...s.workerPools.map((p) => ["workerPools", p] as const),
  ] as const) {
    if (!locations.includes(pool.location))
      out.push({
        key,
        value: pool.location,
        finding: {
          why: `pool "${pool.name}" is in ${pool.location}, outside network zone ${s.networkZone}`,
          allowed: locations.join(", "),
          fix: `set location to one of ${locations.join(", ")}, or change networkZone`,
        },
      });
  }
  for (const pool of s.workerPools) {
    const forbidden = selfForbiddenLabels(pool.labels);
    if (forbidden.length > 0) {
      out.push({
        key: "workerPools",
        value: forbidden,
        finding: {
          why: `worker pool "${pool.name}" sets labels in a Kubernetes-reserved domain, which NodeRestriction refuses a node setting on itself (and one refused label drops all of the node's labels)`,
          allowed: "labels outside kubernetes.io and k8s.io, or kubelet labels such as node.kubernetes.io/*",
          fix: "use your own domain, e.g. example.com/role, or set the label with kubectl",
        },
      });
    }
  }
  const taintKeys = s.controlPlane.taints.map((t) => t.key);
  const twice = taintKeys.filter((k, i) => taintKeys.indexOf(k) !== i);
  if (twice.length > 0) {
    out.push({
      key: "controlPlane",
      value: twice,
      finding: {
        why: "a control-plane taint key appears twice; Talos machine.nodeTaints holds one taint per key",
        allowed: "each taint key once",
        fix: "merge the taints with the same key",
      },
    });
  }
  if (s.workerPools.some((p) => p.name === s.controlPlane.name))
    out.push({
      key: "workerPools",
      value: s.controlPlane.name,
      finding: {
        why: "a worker pool has the control-plane pool's name, so server names would collide",
        allowed: "pool names distinct from controlPlane.name",
        fix: "rename the worker pool",
      },
    });
  return out;
};

const limits: Check = (s, { maxServersPerNetwork }) => {
  const workers = s.workerPools.reduce((n, p) => n + p.count, 0);
  const total = s.controlPlane.count + workers;
  const out: ReturnType<Check> = [];
  if (total > maxServersPerNetwork)
    out.push({
      key: "workerPools",
      value: total,
      finding: {
        why: `${total} servers exceed Hetzner's limit of ${maxServersPerNetwork} servers per network`,
        allowed: `at most ${maxServersPerNetwork} servers in all pools`,
        fix: "reduce the pool counts",
      },
    });
  return out;
};

const access: Check = (s) => [...accessFindings(s)];

/** Every cluster-settings rule, each returning zero or more findings. */
export const CLUSTER_CHECKS: readonly Check[] = [
  versions,
  cloudController,
  cidrs,
  (s) => [...podCapacity(s)],
  pools,
  limits,
  access,
];

/** Runs the cluster rules. */
export function checkSettings(s: Settings, limits: Limits = HETZNER_LIMITS): Problem[] {
  const found = CLUSTER_CHECKS.flatMap((c) => c(s, limits)).map((x) => describe(x.key, x.value, x.finding));
  return [...found, ...addressProblems(s)];
}
