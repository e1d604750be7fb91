/**
 * The resolved cluster spec (what every component consumes) and the node plan derived from it:
 * server names and deterministic private addresses.
 */
import type { Knobs } from "../knobs/catalogue";
import type { KernelVersion, TalosVersion } from "../core/kernel";
import { hostAt, parseCidr4, type Cidr4 } from "../core/cidr";
import type { Pool } from "./pools";
import type { SETTINGS, SettingKey } from "./settings";
import type { SettingDef } from "../core/define";

/** The typed value of every cluster setting. */
export type Settings = {
  readonly [K in SettingKey]: (typeof SETTINGS)[K] extends SettingDef<infer V> ? V : never;
};

/** A valid stack configuration, resolved: the only input components take. */
export interface ClusterSpec {
  /** The stack name; also the cluster name and the prefix of every server name. */
  readonly stack: string;
  readonly settings: Settings;
  readonly knobs: Knobs;
  readonly talosVersion: TalosVersion;
  /** The kernel the Talos version ships. */
  readonly kernel: KernelVersion;
  /**
   * The deploying runner's host prefix (`198.51.100.7/32`) the firewall lets through to 6443 and 50000
   * for this run: `runnerAccess: "runner-ip"` with `DEPLOY_RUNNER_IP` set (contract 2); absent otherwise.
   */
  readonly runnerCidr?: string;
}

/** Where things sit in the node subnet. The gateway is the first address (Hetzner). */
export const ADDRESS_OFFSETS = {
  /** The control-plane load balancer's private address. */
  loadBalancer: 2,
  /** Control plane n (0-based) is at 11 + n; at most 9 control planes. */
  controlPlane: 11,
  /**
   * Workers from 21: the first worker pool starts there unless it pins `firstHost`; every later pool
   * pins its own (address-rules.ts), so no pool's addresses depend on another pool's existence or size.
   */
  worker: 21,
} as const;

/** The most control planes the address plan holds (etcd beyond 7 only slows writes). */
export const MAX_CONTROL_PLANES = ADDRESS_OFFSETS.worker - ADDRESS_OFFSETS.controlPlane - 1;

/** One server to create. */
export interface NodePlan {
  /** Server name and Talos hostname: `<stack>-<pool>-<n>` with n from 1. */
  readonly name: string;
  readonly role: "controlplane" | "worker";
  readonly pool: Pool;
  /** Index within the pool, from 0. */
  readonly index: number;
  readonly privateIp: string;
}

/** The server name of a pool's node `index` (from 0): `<stack>-<pool>-<index + 1>`. */
export function nodeName(stack: string, pool: Pick<Pool, "name">, index: number): string {
  return `${stack}-${pool.name}-${index + 1}`;
}

function poolNodes(
  stack: string,
  pool: Pool,
  role: NodePlan["role"],
  subnet: Cidr4,
  first: number,
): NodePlan[] {
  return Array.from({ length: pool.count }, (_, index) => ({
    name: nodeName(stack, pool, index),
    role,
    pool,
    index,
    privateIp: hostAt(subnet, first + index),
  }));
}

/**
 * The host number of each worker pool's first node: its `firstHost`, or 21 for a first pool without
 * one. Why pinned: a server whose `networks[].ip` changes is detached from the network and attached
 * again with the new address (terraform-provider-hcloud internal/server/resource.go,
 * updateServerInlineNetworkAttachments: "IP changed. Our API provides now way to change this. So we
 * need to detach and re-attach"), which moves the node's Kubernetes InternalIP and, on a control
 * plane, its etcd peer URL; pool-order addresses moved every later pool's nodes when an earlier pool
 * grew or went away. The pools of every existing stack kept their addresses: one pool, from 21.
 * A later pool without one (refused by the rules) gets the host after the pools before it, as before.
 */
export function workerFirstHosts(settings: Pick<Settings, "workerPools">): number[] {
  let next: number = ADDRESS_OFFSETS.worker;
  return settings.workerPools.map((pool) => {
    const first = pool.firstHost ?? next;
    next = first + pool.count;
    return first;
  });
}

/**
 * Every server of the cluster, control planes first, with its private address: the one node plan.
 * `TalosNodes` creates a server for each and hands each node on with its plan (its pool included), so
 * nothing downstream plans the nodes again.
 */
export function planNodes(spec: Pick<ClusterSpec, "stack" | "settings">): NodePlan[] {
  const subnet = parseCidr4(spec.settings.nodeSubnetCidr) as Cidr4;
  const cp = poolNodes(
    spec.stack,
    spec.settings.controlPlane,
    "controlplane",
    subnet,
    ADDRESS_OFFSETS.controlPlane,
  );
  const firsts = workerFirstHosts(spec.settings);
  const workers = spec.settings.workerPools.flatMap((pool, i) =>
    poolNodes(spec.stack, pool, "worker", subnet, firsts[i] as number),
  );
  return [...cp, ...workers];
}

/** The private address of the control-plane load balancer. */
export function loadBalancerIp(settings: Pick<Settings, "nodeSubnetCidr">): string {
  return hostAt(parseCidr4(settings.nodeSubnetCidr) as Cidr4, ADDRESS_OFFSETS.loadBalancer);
}
