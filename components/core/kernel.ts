/**
 * Talos release → Linux kernel, and kernel version arithmetic.
 *
 * Source: datapath.md §3 (the kernel each Talos minor ships at its latest patch). A knob's kernel
 * minimum (`KERNEL_NEEDS`, from the agent's own probes) is checked against this table at preview, so a
 * knob the nodes cannot run, or would silently run without, never reaches them.
 */

import { compareVersions, parseVersion, type Version } from "./version";
import { agentFallsBack, agentRefuses, type RuleSource } from "../knobs/source";

/** A kernel version as [major, minor, patch]. */
export type KernelVersion = Version;

/**
 * A knob value's kernel minimum, where the agent checks it and what it does on an older kernel.
 * `what` follows the source's opening words: "the agent refuses to start: <what>" or "the agent
 * silently <what>".
 */
export interface KernelNeed {
  readonly version: KernelVersion;
  readonly source: RuleSource;
  readonly what: string;
}

/**
 * The kernel minimums the Cilium 1.20 agent probes for a knob (cilium/cilium@aeb2d1b). Only these: the
 * agent itself needs Linux 5.10 to start at all (pkg/datapath/linux/requirements.go:130-136;
 * Documentation/operations/system_requirements.rst:23), which covers the bandwidth manager's 5.1, XDP's
 * 5.2 and BPF host routing's 5.10 that datapath.md lists, and every Talos kernel in the table is newer.
 */
export const KERNEL_NEEDS = {
  /** The probe creates a netkit device; explicit netkit then fails (the docs say 6.8: system_requirements.rst:314). */
  netkit: {
    version: [6, 7, 0],
    source: agentRefuses("pkg/datapath/connector/config.go:124-126, 201-204"),
    what: '"netkit connector not available: netkit device probe failed, requires kernel 6.7.0+ and CONFIG_NETKIT"',
  },
  /** The probe looks for bpf_skb_set_tstamp(). */
  bbr: {
    version: [5, 18, 0],
    source: agentRefuses("pkg/datapath/linux/bandwidth/bandwidth.go:211-220"),
    what: '"cannot enable --enable-bbr, needs kernel 5.18 or newer"',
  },
  /** The probe reads lo's gso_ipv4_max_size (probes.go:786-798); the agent then just turns it off. */
  bigTcpIPv4: {
    version: [6, 3, 0],
    source: agentFallsBack("pkg/datapath/linux/bigtcp/bigtcp.go:317-320"),
    what: 'turns IPv4 BIG TCP off ("Cannot enable --enable-ipv4-big-tcp, needs kernel 6.3 or newer", a warning in its log)',
  },
  /** The probe reads lo's tso_max_size (probes.go:801-813); the agent then just turns it off. */
  bigTcpIPv6: {
    version: [5, 19, 0],
    source: agentFallsBack("pkg/datapath/linux/bigtcp/bigtcp.go:321-324"),
    what: 'turns IPv6 BIG TCP off ("Cannot enable --enable-ipv6-big-tcp, needs kernel 5.19 or newer", a warning in its log)',
  },
} as const satisfies Record<string, KernelNeed>;

/** The kernel of the latest patch of each Talos minor (Talos 1.x → kernel). */
export const TALOS_KERNELS: Readonly<Record<string, KernelVersion>> = {
  // datapath.md §3: "1.8 and older ship 6.6 or older"; the 6.6 series is all any rule needs.
  "1.8": [6, 6, 0],
  "1.9": [6, 12, 25],
  "1.10": [6, 12, 63],
  "1.11": [6, 12, 62],
  "1.12": [6, 18, 42],
  "1.13": [6, 18, 44],
};

/** A parsed Talos version `vMAJOR.MINOR.PATCH`. */
export interface TalosVersion {
  readonly raw: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** Parses `v1.13.9` (the leading `v` is required, as in Talos image tags); undefined when malformed. */
export function parseTalosVersion(raw: string): TalosVersion | undefined {
  const v = /^v\d+\.\d+\.\d+$/.test(raw) ? parseVersion(raw) : undefined;
  return v && { raw, major: v[0], minor: v[1], patch: v[2] };
}

/** The minor series of a Talos version, e.g. `1.13`. */
export function talosMinor(v: TalosVersion): string {
  return `${v.major}.${v.minor}`;
}

/** The kernel a Talos version ships, or undefined when the table does not know the minor. */
export function kernelOf(v: TalosVersion): KernelVersion | undefined {
  return TALOS_KERNELS[talosMinor(v)];
}

/** Negative when a < b, zero when equal, positive when a > b. */
export const compareKernel = compareVersions;

/** `6.18.44` */
export function formatKernel(k: KernelVersion): string {
  return k.join(".");
}

/**
 * Talos minors whose machine-config documents this program generates (the Talos 1.13 schema: network
 * settings as separate documents), with the Kubernetes range each supports (platform.md).
 */
export const SUPPORTED_TALOS: Readonly<Record<string, { readonly kubernetes: readonly [string, string] }>> = {
  "1.13": { kubernetes: ["1.31", "1.36"] },
};

/** The oldest supported Talos minor whose kernel is at least `k`, as `v1.13.x`, for an error's fix. */
export function oldestTalosFor(k: KernelVersion): string | undefined {
  const minor = Object.keys(SUPPORTED_TALOS).find((m) => {
    const kernel = TALOS_KERNELS[m];
    return kernel !== undefined && compareKernel(kernel, k) >= 0;
  });
  return minor && `v${minor}.x`;
}
