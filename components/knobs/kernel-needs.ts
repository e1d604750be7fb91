/**
 * The kernel minimums of knob values (pure): where the Cilium 1.20 agent checks each and what it does
 * on an older kernel. The kernel rule (`check.ts`) compares them with the kernel of the stack's Talos
 * version (`core/kernel.ts`), so a knob the nodes cannot run, or would silently run without, never
 * reaches them.
 */
import type { KernelVersion } from "../core/kernel";
import { agentFallsBack, agentRefuses, type RuleSource } from "./source";

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

const BIGTCP = "pkg/datapath/linux/bigtcp/bigtcp.go";

/**
 * BIG TCP's minimum for one address family: the agent's probe fails on an older kernel and the agent
 * then just turns the family's BIG TCP off, with a warning in its log (bigtcp.go:317-324).
 */
function bigTcpNeed(family: 4 | 6, version: KernelVersion, lines: string): KernelNeed {
  const [major, minor] = version;
  return {
    version,
    source: agentFallsBack(`${BIGTCP}:${lines}`),
    what: `turns IPv${family} BIG TCP off ("Cannot enable --enable-ipv${family}-big-tcp, needs kernel ${major}.${minor} or newer", a warning in its log)`,
  };
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
  /** The probe reads lo's gso_ipv4_max_size (probes.go:786-798). */
  bigTcpIPv4: bigTcpNeed(4, [6, 3, 0], "317-320"),
  /** The probe reads lo's tso_max_size (probes.go:801-813). */
  bigTcpIPv6: bigTcpNeed(6, [5, 19, 0], "321-324"),
} as const satisfies Record<string, KernelNeed>;
