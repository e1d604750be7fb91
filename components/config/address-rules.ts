/**
 * Rules on the address plan (spec.ts): every worker pool after the first pins `firstHost`, each
 * pool's hosts fit the node subnet, and no two pools share a host. Why pinned: a node whose private
 * address changes is detached from the network and attached again (terraform-provider-hcloud
 * internal/server/resource.go, updateServerInlineNetworkAttachments), so an address that followed the
 * pool order moved every later pool's nodes when an earlier pool grew or was removed.
 */
import { parseCidr4, usableHosts } from "../core/cidr";
import { fieldProblem, type FieldFinding, type Problem } from "../core/define";
import { ADDRESS_OFFSETS, workerFirstHosts, type Settings } from "./spec";

/** A pool's hosts: the first and the last host number. */
interface HostRange {
  readonly pool: string;
  readonly index: number;
  readonly first: number;
  readonly last: number;
}

/** The first host of a block of ten after every range, leaving room to grow: 21, 31, 41, … */
function nextBlock(ranges: readonly HostRange[]): number {
  const end = Math.max(ADDRESS_OFFSETS.worker - 1, ...ranges.map((r) => r.last));
  return Math.floor((end - 1) / 10) * 10 + 11;
}

const rangeText = (r: HostRange): string =>
  r.first === r.last ? `host ${r.first}` : `hosts ${r.first}–${r.last}`;

/** A later pool without `firstHost`: the value that keeps its addresses, and a free one. */
function unpinned(r: HostRange, ranges: readonly HostRange[]): FieldFinding {
  const others = ranges.filter((o) => o.index !== r.index);
  return {
    path: `[${r.index}].firstHost`,
    value: undefined,
    why: `worker pool "${r.pool}" is not the first worker pool, and its addresses would follow the pools before it (now ${rangeText(r)}): adding, growing or removing one of them would detach and re-attach every node of "${r.pool}" with a new private address`,
    allowed: `a host number from ${ADDRESS_OFFSETS.worker} whose ${r.last - r.first + 1} hosts clear the other pools`,
    fix: `set firstHost: ${r.first} to keep the addresses its nodes have had, or firstHost: ${nextBlock(others)} (the next free block of ten) for a new pool`,
  };
}

function outOfSubnet(r: HostRange, cidr: string, last: number): FieldFinding {
  return {
    path: `[${r.index}].firstHost`,
    value: r.first,
    why: `worker pool "${r.pool}" needs ${rangeText(r)}, outside ${ADDRESS_OFFSETS.worker}–${last}: hosts below ${ADDRESS_OFFSETS.worker} hold the gateway, the load balancer and the control planes, and ${cidr} ends at host ${last}`,
    allowed:
      last - (r.last - r.first) >= ADDRESS_OFFSETS.worker
        ? `a first host from ${ADDRESS_OFFSETS.worker} to ${last - (r.last - r.first)}`
        : `none in ${cidr}: it has ${Math.max(0, last - ADDRESS_OFFSETS.worker + 1)} hosts from ${ADDRESS_OFFSETS.worker}`,
    fix: "move the pool's block, or use a larger nodeSubnetCidr such as a /23",
  };
}

function overlap(r: HostRange, other: HostRange): FieldFinding {
  return {
    path: `[${r.index}].firstHost`,
    value: r.first,
    why: `worker pool "${r.pool}" needs ${rangeText(r)}, which overlap worker pool "${other.pool}"'s ${rangeText(other)}`,
    allowed: "a block of hosts no other pool uses",
    fix: `start "${r.pool}" after host ${other.last}, or move "${other.pool}" (a moved pool's nodes are re-addressed)`,
  };
}

/** Every problem of the address plan, each against `workerPools` (or `controlPlane`) with its path. */
export function addressProblems(s: Settings): Problem[] {
  const firsts = workerFirstHosts(s);
  const ranges: HostRange[] = s.workerPools.map((p, index) => {
    const first = firsts[index] as number;
    return { pool: p.name, index, first, last: first + p.count - 1 };
  });
  const findings: FieldFinding[] = [];
  const subnet = parseCidr4(s.nodeSubnetCidr);
  const last = subnet ? usableHosts(subnet) : Infinity;
  for (const r of ranges) {
    const pool = s.workerPools[r.index];
    if (r.index > 0 && pool?.firstHost === undefined) findings.push(unpinned(r, ranges));
    else if (r.first < ADDRESS_OFFSETS.worker || r.last > last)
      findings.push(outOfSubnet(r, s.nodeSubnetCidr, last));
    else {
      const other = ranges.find((o) => o.index < r.index && o.first <= r.last && r.first <= o.last);
      if (other) findings.push(overlap(r, other));
    }
  }
  const cp: Problem[] =
    s.controlPlane.firstHost === undefined
      ? []
      : [
          fieldProblem("controlPlane", {
            path: ".firstHost",
            value: s.controlPlane.firstHost,
            why: `control planes sit at hosts ${ADDRESS_OFFSETS.controlPlane}–${ADDRESS_OFFSETS.worker - 2} (control plane n at ${ADDRESS_OFFSETS.controlPlane} + n)`,
            allowed: "no firstHost on the control-plane pool",
            fix: "remove controlPlane.firstHost",
          }),
        ];
  return [...cp, ...findings.map((f) => fieldProblem("workerPools", f))];
}
