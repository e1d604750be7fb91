/**
 * Spread placement groups (pure): which groups each pool needs and which group each server joins.
 * A spread group puts its servers on distinct physical hosts and holds at most 10 servers (platform.md).
 */
import type { Pool } from "./pools";
import type { NodePlan } from "./spec";

/** Hetzner's limit of servers in one `spread` placement group. */
export const SPREAD_GROUP_MAX_SERVERS = 10;

/** One spread placement group. */
export interface PlacementGroupPlan {
  /** `<pool>-<k>` with k from 1, like server names; the key of `placementGroupIds`. */
  readonly key: string;
  readonly pool: string;
  /** Index within the pool, from 0. */
  readonly index: number;
}

/** The number of spread groups a pool needs: ceil(count / 10). */
export function groupCount(pool: Pick<Pool, "count">): number {
  return Math.ceil(pool.count / SPREAD_GROUP_MAX_SERVERS);
}

/** The key of a pool's k-th group (k from 0). */
function groupKey(pool: string, index: number): string {
  return `${pool}-${index + 1}`;
}

/** Every spread group of the given pools, pool by pool. */
export function placementGroups(pools: readonly Pick<Pool, "name" | "count">[]): PlacementGroupPlan[] {
  return pools.flatMap((pool) =>
    Array.from({ length: groupCount(pool) }, (_, index) => ({
      key: groupKey(pool.name, index),
      pool: pool.name,
      index,
    })),
  );
}

/**
 * The group a server joins: consecutive blocks of 10 (servers 1–10 in group 1, 11–20 in group 2).
 * Blocks, not round-robin, so growing a pool never moves an existing server to another group
 * (Hetzner only changes a server's placement group while it is powered off).
 */
export function placementGroupOf(node: Pick<NodePlan, "pool" | "index">): PlacementGroupPlan {
  const index = Math.floor(node.index / SPREAD_GROUP_MAX_SERVERS);
  return { key: groupKey(node.pool.name, index), pool: node.pool.name, index };
}
