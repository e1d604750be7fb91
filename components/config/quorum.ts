/**
 * The quorum rule (pure): production refuses a change that takes down more than one control plane at
 * a time, or so many that etcd loses quorum, or every node of a worker pool that stays; each refusal
 * names the config key, its value and the safe path, with the commands where a step is manual. The
 * preview (footprint against the last deployment) and the change check (the offline plan of base and
 * head) both feed it what each server goes through (`NodeImpact`), so both refuse with the same words.
 * A key listed in `ACCEPT_NODE_CHANGES` (the last step of a manual path, e.g. after resizing each
 * control plane by hand) turns its refusal into a warning; other stacks get warnings only.
 */
import { EFFECTS, type Effect } from "./change-facts";
import { describe, fullKey, sentence, show, type Problem } from "../core/define";
import type { NodeImpact } from "./footprint";
import type { Pool } from "./pools";
import { nodeName, type Settings } from "./spec";

/** The settings every server shares: a change of one reaches all of them. */
const SHARED = ["networkCidr", "nodeSubnetCidr", "networkZone", "publicIPv4", "publicIPv6"] as const;

/** The settings the rule reads (and the footprint records). */
export const QUORUM_KEYS = ["production", "controlPlane", "workerPools", ...SHARED] as const;

/** The settings the rule reads. */
export type QuorumSettings = Pick<Settings, (typeof QUORUM_KEYS)[number]>;

/** One changed setting that reaches servers: its path below the project (`controlPlane.location`). */
export interface NodeSettingChange {
  readonly path: string;
  /** The top-level config key (`controlPlane`), which a problem is reported against. */
  readonly key: keyof QuorumSettings;
  readonly from: unknown;
  readonly to: unknown;
  /** The control planes, or the worker pool (by name) it reaches; undefined: every server. */
  readonly scope: "controlplane" | { readonly pool: string } | undefined;
}

const POOL_SCALARS = ["serverType", "location", "firstHost"] as const;

/** The settings a change moves that can reach servers, field by field; worker pools matched by name. */
export function nodeSettingChanges(before: QuorumSettings, after: QuorumSettings): NodeSettingChange[] {
  const out: NodeSettingChange[] = [];
  for (const key of SHARED) {
    if (before[key] !== after[key])
      out.push({ path: key, key, from: before[key], to: after[key], scope: undefined });
  }
  for (const field of [...POOL_SCALARS, "count", "name"] as const) {
    const [from, to] = [before.controlPlane[field], after.controlPlane[field]];
    if (from !== to)
      out.push({ path: `controlPlane.${field}`, key: "controlPlane", from, to, scope: "controlplane" });
  }
  after.workerPools.forEach((pool, i) => {
    const was = before.workerPools.find((p) => p.name === pool.name);
    if (!was) return;
    for (const field of POOL_SCALARS) {
      if (was[field] !== pool[field])
        out.push({
          path: `workerPools[${i}].${field}`,
          key: "workerPools",
          from: was[field],
          to: pool[field],
          scope: { pool: pool.name },
        });
    }
  });
  return out;
}

/** The verb of a disruptive effect, for "it would … 3 of 3 control planes". */
const VERB: Partial<Record<Effect, string>> = {
  replace: "delete and re-create",
  delete: "delete",
  "power-off": "power off",
  "re-address": "detach and re-address",
};

/** A group of servers the change takes down: the control planes, or one worker pool. */
interface Broken {
  readonly scope: "controlplane" | { readonly pool: string };
  readonly text: string;
}

const disrupted = (impacts: readonly NodeImpact[]) => impacts.filter((i) => EFFECTS[i.effect].disrupts);

function describeNodes(nodes: readonly NodeImpact[]): string {
  const byEffect = new Map<Effect, string[]>();
  const sorted = [...nodes].sort((a, b) => a.node.localeCompare(b.node, "en", { numeric: true }));
  for (const n of sorted) byEffect.set(n.effect, [...(byEffect.get(n.effect) ?? []), n.node]);
  return [...byEffect].map(([effect, names]) => `${VERB[effect] ?? effect} ${names.join(", ")}`).join("; ");
}

/** etcd's quorum of n members (etcd docs, "failure tolerance"): a majority. */
export const quorumOf = (members: number): number => Math.floor(members / 2) + 1;

function brokenControlPlanes(impacts: readonly NodeImpact[], members: number): Broken[] {
  const down = disrupted(impacts).filter((i) => i.role === "controlplane");
  const k = down.length;
  if (k === 0 || (k === 1 && members - 1 >= quorumOf(members))) return [];
  const q = quorumOf(members);
  const text = `it would take down ${k} of the ${members} control planes at once (${describeNodes(down)}), and etcd keeps quorum only while ${q} of ${members} members are up, one change at a time`;
  return [{ scope: "controlplane", text }];
}

function brokenPools(
  impacts: readonly NodeImpact[],
  before: QuorumSettings,
  after: QuorumSettings,
): Broken[] {
  return before.workerPools.flatMap((pool): Broken[] => {
    if (!after.workerPools.some((p) => p.name === pool.name)) return []; // removed on purpose: a warning
    const down = disrupted(impacts).filter((i) => i.role === "worker" && i.pool === pool.name);
    if (down.length < pool.count) return [];
    const text = `it would take down every node of worker pool "${pool.name}" at once (${describeNodes(down)}): its workloads would have nowhere to run`;
    return [{ scope: { pool: pool.name }, text }];
  });
}

const inScope = (change: NodeSettingChange, scope: Broken["scope"]): boolean =>
  change.scope === undefined ||
  (change.scope === "controlplane"
    ? scope === "controlplane"
    : typeof scope === "object" && change.scope.pool === scope.pool);

/** How the work leaves a node, one node at a time (kubectl's own commands). */
const DRAIN = "`kubectl cordon <node>`, `kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`";

const NEW_STACK =
  'build the cluster anew as a new stack (pulumi stack init, the new value in its stack file, pulumi up), move the workloads, then retire this stack (README, "Protection and backups")';

/** The safe path for one changed setting, with the commands where a step is manual. */
function safePath(change: NodeSettingChange, before: QuorumSettings, stack: string): string {
  const field = change.path.split(".").pop() ?? change.path;
  const health = `pulumi stack output talosHealthArgs --json --stack ${stack} | jq -r '.[]' | xargs talosctl`;
  if (change.scope === "controlplane") {
    if (field === "serverType")
      return `resize the control planes one at a time by hand, each healthy before the next: for each of ${controlPlaneNames(before, stack)}: \`hcloud server shutdown --wait <name> && hcloud server change-type <name> ${String(change.to)}\` (Hetzner starts it again), then \`${health}\`; then \`pulumi refresh --stack ${stack} --yes\` and deploy this change with ACCEPT_NODE_CHANGES=${change.path}; or set controlPlane.serverType back to ${show(change.from)}`;
    if (field === "count")
      return `take the etcd members out one at a time by hand first, each healthy before the next: \`talosctl -e <first control plane> -n <address of the control plane to remove> etcd leave\` for the highest-numbered ones, then \`${health}\`; then deploy this change with ACCEPT_NODE_CHANGES=${change.path}; or keep controlPlane.count ${show(change.from)}`;
    if (field === "location")
      return `keep controlPlane.location ${show(change.from)}: Hetzner cannot move a server (location is ForceNew), and the load balancer and the API's Primary IP are bound to the location too; to move the control planes, ${NEW_STACK}`;
    return `keep controlPlane.${field} ${show(change.from)}: the control planes' server names (and URNs) follow it, so every one of them would be a new server`;
  }
  if (typeof change.scope === "object") {
    const pool = change.scope.pool;
    if (field === "firstHost")
      return `keep firstHost ${show(change.from)} on worker pool "${pool}": a moved block re-addresses all of its nodes`;
    return `keep worker pool "${pool}" as it is and add a new pool with ${field} ${show(change.to)} (its own name and firstHost), deploy, move the work off "${pool}" node by node (${DRAIN}), then remove "${pool}" in a later change`;
  }
  return `keep ${change.path} ${show(change.from)}: every server hangs on it; ${NEW_STACK}`;
}

function controlPlaneNames(s: QuorumSettings, stack: string): string {
  return Array.from({ length: s.controlPlane.count }, (_, i) => nodeName(stack, s.controlPlane, i)).join(
    ", ",
  );
}

/** The refusals and warnings of a change, from what it does to each server. */
export interface QuorumVerdict {
  readonly refusals: readonly Problem[];
  readonly warnings: readonly Problem[];
}

/** The keys listed in ACCEPT_NODE_CHANGES (comma-separated paths such as `controlPlane.serverType`). */
export function acceptedKeys(env: Readonly<Record<string, string | undefined>>): string[] {
  return (env.ACCEPT_NODE_CHANGES ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function problemsFor(
  broken: readonly Broken[],
  changes: readonly NodeSettingChange[],
  before: QuorumSettings,
  stack: string,
): { problem: Problem; path: string }[] {
  const out: { problem: Problem; path: string }[] = [];
  for (const change of changes) {
    const hits = broken.filter((b) => inScope(change, b.scope));
    if (hits.length === 0) continue;
    const allowed =
      change.scope === undefined || change.scope === "controlplane"
        ? "a change that takes at most one control plane down at a time and leaves a node of every worker pool running"
        : "a change that leaves a node of the pool running";
    const f = { why: hits.map((h) => h.text).join("; and "), allowed, fix: safePath(change, before, stack) };
    const path = change.path.slice(change.key.length);
    out.push({ path: change.path, problem: describe(change.key, change.to, f, { path, was: change.from }) });
  }
  // A group nothing in the settings explains (the program changed): name the group's key.
  for (const b of broken) {
    if (changes.some((c) => inScope(c, b.scope))) continue;
    const key = b.scope === "controlplane" ? "controlPlane" : "workerPools";
    const message = sentence(fullKey(key), {
      why: `${b.text}, though no setting of it changed (the program did)`,
      allowed:
        "a change that takes at most one control plane, and never every node of a pool, down at a time",
      fix: 'find which input changed (npm run check -- --json, "settings"), and keep it as the last deployment had it',
    });
    out.push({ path: key, problem: { key: fullKey(key), message } });
  }
  return out;
}

const removedPools = (before: QuorumSettings, after: QuorumSettings): Pool[] =>
  before.workerPools.filter((p) => !after.workerPools.some((q) => q.name === p.name));

/**
 * A pool removed in the change that adds another (a rename, or the safe path's steps squeezed into
 * one): the new nodes are created while the old ones are deleted, so the work has nowhere to go.
 */
function swapProblems(before: QuorumSettings, after: QuorumSettings): { problem: Problem; path: string }[] {
  const added = after.workerPools.filter((p) => !before.workerPools.some((q) => q.name === p.name));
  const removed = removedPools(before, after);
  if (added.length === 0 || removed.length === 0) return [];
  const names = (ps: readonly Pool[]) => ps.map((p) => `"${p.name}"`).join(", ");
  const message = sentence(fullKey("workerPools"), {
    why: `this change adds worker pool(s) ${names(added)} and removes ${names(removed)} at once: Pulumi creates the new servers while it deletes the old ones, so the removed pools' work has nowhere to run`,
    allowed: "adding a pool, or removing one, per change",
    fix: `add ${names(added)} in this change and deploy; move the work off ${names(removed)} node by node (${DRAIN}); remove ${names(removed)} in a later change`,
  });
  return [{ path: "workerPools", problem: { key: fullKey("workerPools"), message } }];
}

/** Warnings for what is allowed but needs a person: a worker pool removed with all of its nodes. */
function removalWarnings(before: QuorumSettings, after: QuorumSettings): Problem[] {
  return removedPools(before, after).map((p) => ({
    key: fullKey("workerPools"),
    message: `${fullKey("workerPools")}: worker pool "${p.name}" is removed, deleting its ${p.count} node(s) at once. Before deploying, move its work node by node (${DRAIN}) onto the other pools.`,
  }));
}

/**
 * The quorum rule over what a change does to each server (`impacts`, against `before`'s servers).
 * `accepted` keys (ACCEPT_NODE_CHANGES) warn instead of refusing; a non-production stack only warns.
 */
export function quorumVerdict(
  impacts: readonly NodeImpact[],
  before: QuorumSettings,
  after: QuorumSettings,
  stack: string,
  accepted: readonly string[] = [],
): QuorumVerdict {
  const broken = [
    ...brokenControlPlanes(impacts, before.controlPlane.count),
    ...brokenPools(impacts, before, after),
  ];
  const found = [
    ...problemsFor(broken, nodeSettingChanges(before, after), before, stack),
    ...swapProblems(before, after),
  ];
  const refuse = after.production || before.production;
  const refusals = found.filter((f) => refuse && !accepted.includes(f.path)).map((f) => f.problem);
  const warned = found
    .filter((f) => !refuse || accepted.includes(f.path))
    .map((f) => ({
      key: f.problem.key,
      message: refuse
        ? `${f.problem.message} Accepted by ACCEPT_NODE_CHANGES=${f.path}.`
        : `${f.problem.message} (Refused on a production stack; allowed here.)`,
    }));
  return { refusals, warnings: [...warned, ...removalWarnings(before, after)] };
}
