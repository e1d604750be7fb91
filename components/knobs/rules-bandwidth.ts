/**
 * The bandwidth manager and BBR. The agent's checks run when the bandwidth manager starts
 * (cilium/cilium@aeb2d1b pkg/datapath/linux/bandwidth/bandwidth.go:203-240, called from cell.go:91-100);
 * the chart writes the BBR flags only inside `bandwidthManager.enabled` (cilium-configmap.yaml:807-813).
 */
import { ADOPT_HOST_ROUTING, helmPath, hostRouting, fallsBackToLegacy, type Rule } from "./rule";
import { agentFallsBack, agentRefuses, chartDrops, docs, ours } from "./source";

const BW_BLOCK = "templates/cilium-configmap.yaml:807-813";

/** Every bandwidth-manager and BBR rule. */
export const BANDWIDTH_RULES: readonly Rule[] = [
  {
    id: "bandwidth-manager-recommends-host-routing",
    knob: "bandwidthManager",
    severity: "warning",
    summary: "recommends BPF host routing",
    source: docs(
      "recommends",
      "network/kubernetes/bandwidth-manager/",
      "Documentation/network/kubernetes/bandwidth-manager.rst:26-31",
    ),
    check: (k) => {
      const hr = hostRouting(k);
      return k.bandwidthManager && hr.mode === "legacy"
        ? {
            why: `the docs recommend BPF host routing with the bandwidth manager ("otherwise legacy routing through the upper stack could potentially result in undesired high latency"), and host routing resolves to legacy because ${hr.because}; the agent has no such check`,
            allowed: "true; with BPF host routing, as the docs recommend",
            fix: "adopt bpfMasquerade: true next (adoption step 2), which turns BPF host routing on",
          }
        : undefined;
    },
  },
  {
    id: "bandwidth-manager-wireguard-soak",
    knob: "bandwidthManager",
    severity: "warning",
    summary: "with WireGuard: soak first",
    source: ours("datapath.md §2, bandwidth manager: field report on this stack"),
    check: (k) =>
      k.bandwidthManager && k.wireguard
        ? {
            why: "our rule: fq's per-flow limit (100 packets) dropped WireGuard bursts on this very stack in a field report, and Cilium re-applies the qdisc",
            allowed: "true after a soak with WireGuard on",
            fix: "soak on ci and watch `hubble observe --verdict DROPPED` and `tc -s qdisc` drops on every node",
          }
        : undefined,
  },
  {
    id: "bbr-dropped-without-bandwidth-manager",
    knob: "bandwidthManagerBBR",
    severity: "error",
    summary: "needs the bandwidth manager",
    source: chartDrops(BW_BLOCK),
    check: (k) =>
      k.bandwidthManagerBBR && !k.bandwidthManager
        ? {
            why: `the chart silently drops ${helmPath("bandwidthManagerBBR")} while ${helmPath("bandwidthManager")} is false (it writes enable-bbr only inside that block), so BBR stays off`,
            allowed: "false, or true with bandwidthManager: true",
            fix: "set bandwidthManager: true first (its own soaked change)",
          }
        : undefined,
  },
  {
    id: "bbr-refused-on-legacy-routing",
    knob: "bandwidthManagerBBR",
    severity: "error",
    summary: 'excludes bpfHostRouting "legacy", unless bandwidthManagerBBRHostNamespaceOnly',
    source: agentRefuses("pkg/datapath/linux/bandwidth/bandwidth.go:227-231"),
    check: (k) =>
      k.bandwidthManagerBBR &&
      k.bandwidthManager &&
      !k.bandwidthManagerBBRHostNamespaceOnly &&
      k.bpfHostRouting === "legacy"
        ? {
            why: `the agent refuses to start: "BPF bandwidth manager's BBR setup requires BPF host routing." (on legacy routing the pods' packets lose their socket in the host stack), and bpfHostRouting is "legacy"`,
            allowed:
              'false, or true with bpfHostRouting not "legacy", or true with bandwidthManagerBBRHostNamespaceOnly: true',
            fix: 'set bpfHostRouting: "auto" with BPF masquerade on, or bandwidthManagerBBRHostNamespaceOnly: true',
          }
        : undefined,
  },
  {
    id: "bbr-host-routing-fallback",
    knob: "bandwidthManagerBBR",
    severity: "error",
    summary: "needs BPF host routing (KPR and BPF masquerade), unless bandwidthManagerBBRHostNamespaceOnly",
    source: agentFallsBack(
      "pkg/kpr/initializer/kube_proxy_replacement.go:46-59, pkg/datapath/linux/bandwidth/bandwidth.go:227-231",
    ),
    check: (k) =>
      k.bandwidthManagerBBR &&
      k.bandwidthManager &&
      !k.bandwidthManagerBBRHostNamespaceOnly &&
      fallsBackToLegacy(k)
        ? {
            why: `the agent silently falls back to legacy host routing ("${hostRouting(k).fallback}"), and BBR for pods needs BPF host routing: on legacy routing the pods' packets lose their socket before fq paces them, which is why the agent refuses BBR with legacy routing set`,
            allowed:
              "false, or true with BPF host routing, or true with bandwidthManagerBBRHostNamespaceOnly: true",
            fix: ADOPT_HOST_ROUTING,
          }
        : undefined,
  },
  {
    id: "bbr-host-namespace-needs-bbr",
    knob: "bandwidthManagerBBRHostNamespaceOnly",
    severity: "error",
    summary: "requires BBR",
    source: agentRefuses("pkg/datapath/linux/bandwidth/bandwidth.go:223-225"),
    check: (k) =>
      k.bandwidthManagerBBRHostNamespaceOnly && !k.bandwidthManagerBBR && k.bandwidthManager
        ? {
            why: 'the agent refuses to start: "cannot enable --enable-bbr-hostns-only without enabling --enable-bbr"',
            allowed: "false, or true with bandwidthManagerBBR: true",
            fix: "set bandwidthManagerBBR: true, or this key to false",
          }
        : undefined,
  },
  {
    id: "bbr-host-namespace-dropped-without-bandwidth-manager",
    knob: "bandwidthManagerBBRHostNamespaceOnly",
    severity: "error",
    summary: "needs the bandwidth manager",
    source: chartDrops(BW_BLOCK),
    check: (k) =>
      k.bandwidthManagerBBRHostNamespaceOnly && !k.bandwidthManager
        ? {
            why: `the chart silently drops ${helmPath("bandwidthManagerBBRHostNamespaceOnly")} while ${helmPath("bandwidthManager")} is false (it writes enable-bbr-hostns-only only inside that block)`,
            allowed: "false, or true with bandwidthManager: true and bandwidthManagerBBR: true",
            fix: "set this key to false, or adopt the bandwidth manager and BBR first",
          }
        : undefined,
  },
];
