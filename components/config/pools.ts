/**
 * Node pools as typed objects. Pulumi project config cannot type objects, so this module does: every
 * field of every pool is checked, and each bad one is its own problem naming it (`workerPools[1].count`),
 * all of them at once. Whether a server type exists and is sold where the pool is, is Hetzner's to say:
 * `hetzner/server-types.ts` asks at preview.
 */
import { fail, failFields, ok, type FieldFinding, type Parsed } from "../core/define";
import { ADDRESS_OFFSETS } from "./spec";

/** A Kubernetes taint placed on a pool's nodes through the kubelet's registration. */
export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** A group of identical servers. */
export interface Pool {
  /** DNS label, part of every server name (`<cluster>-<pool>-<n>`). */
  readonly name: string;
  /** How many servers. */
  readonly count: number;
  /** Hetzner server type, e.g. `cpx32`; its architecture is the Hetzner API's answer. */
  readonly serverType: string;
  /** Hetzner location, e.g. `fsn1`; must be in the network zone. */
  readonly location: string;
  /** Extra Kubernetes node labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Kubernetes taints. */
  readonly taints: readonly Taint[];
  /**
   * Worker pools: the host number in `nodeSubnetCidr` of the pool's first node (its nodes take
   * consecutive hosts from there). Unset on the first worker pool only, which starts at host 21; every
   * later pool pins it, so adding or removing another pool never moves its nodes (spec.ts).
   */
  readonly firstHost?: number;
}

/** The fields of a pool, in the order the docs list them. */
export const POOL_FIELDS = [
  "name",
  "count",
  "serverType",
  "location",
  "labels",
  "taints",
  "firstHost",
] as const;

const DNS_LABEL = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;
// The shape of a Hetzner server type name (cx23, cpx32, cax21, ccx13); which ones exist is the API's answer.
const SERVER_TYPE = /^[a-z]{2,5}\d{1,3}[a-z]?$/;
const LOCATION = /^[a-z]{3}\d?$/;
const LABEL_KEY = /^([a-z0-9.-]{1,253}\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(|[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)$/;
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

type Found = Omit<FieldFinding, "path">;
type FieldCheck = (v: unknown) => Found | undefined;

const SCALAR_CHECKS: Readonly<
  Record<"name" | "count" | "serverType" | "location" | "firstHost", FieldCheck>
> = {
  name: (v) =>
    typeof v === "string" && DNS_LABEL.test(v)
      ? undefined
      : {
          value: v,
          why: "not a DNS label (lower-case letters, digits and '-', starting with a letter, at most 32)",
          allowed: 'a name such as "workers"',
          fix: "rename the pool",
        },
  count: (v) =>
    typeof v === "number" && Number.isInteger(v) && v >= 1
      ? undefined
      : {
          value: v,
          why: "not a positive integer",
          allowed: "an integer from 1",
          fix: "set the number of servers, e.g. 3",
        },
  serverType: (v) =>
    typeof v === "string" && SERVER_TYPE.test(v)
      ? undefined
      : {
          value: v,
          why: "not a Hetzner server type name",
          allowed: 'a server type such as "cpx32" (x86) or "cax21" (arm64)',
          fix: "pick a type from Hetzner's list (hcloud server-type list)",
        },
  location: (v) =>
    typeof v === "string" && LOCATION.test(v)
      ? undefined
      : {
          value: v,
          why: "not a Hetzner location name",
          allowed: 'a location such as "fsn1"',
          fix: "set a location of the network zone",
        },
  // Optional: whether it fits the subnet and clears the other pools is address-rules.ts's to say.
  firstHost: (v) =>
    v === undefined || (typeof v === "number" && Number.isInteger(v) && v >= 1)
      ? undefined
      : {
          value: v,
          why: "not a positive integer",
          allowed: `a host number in nodeSubnetCidr from ${ADDRESS_OFFSETS.worker}, such as ${ADDRESS_OFFSETS.worker + 20}`,
          fix: "set the host number of the pool's first node, or remove it on the first worker pool",
        },
};

function labelFindings(v: unknown): FieldFinding[] {
  if (v === undefined) return [];
  if (!isRecord(v)) {
    return [
      {
        path: ".labels",
        value: v,
        why: "not a map",
        allowed: "a map of label key to string value",
        fix: 'write labels as {"example.com/role": "db"}',
      },
    ];
  }
  return Object.entries(v)
    .filter(([k, val]) => !LABEL_KEY.test(k) || typeof val !== "string" || !LABEL_VALUE.test(val))
    .map(([k, val]) => ({
      path: `.labels.${k}`,
      value: val,
      why: "not a valid Kubernetes label (key: [prefix/]name of at most 63 characters; value: at most 63 alphanumerics, '-', '_', '.')",
      allowed: 'a label such as "example.com/role": "db"',
      fix: "correct the key or the value",
    }));
}

function isTaint(t: unknown): boolean {
  return (
    isRecord(t) &&
    typeof t.key === "string" &&
    LABEL_KEY.test(t.key) &&
    (EFFECTS as readonly unknown[]).includes(t.effect) &&
    (t.value === undefined || typeof t.value === "string") &&
    Object.keys(t).every((k) => ["key", "value", "effect"].includes(k))
  );
}

function taintFindings(v: unknown): FieldFinding[] {
  if (v === undefined) return [];
  const allowed = `{key, value?, effect} with effect one of ${EFFECTS.join(", ")}`;
  if (!Array.isArray(v)) {
    return [
      {
        path: ".taints",
        value: v,
        why: "not a list",
        allowed: `a list of ${allowed}`,
        fix: "write taints as a list",
      },
    ];
  }
  return v.flatMap((t, i) =>
    isTaint(t)
      ? []
      : [{ path: `.taints[${i}]`, value: t, why: "not a taint", allowed, fix: "correct the taint" }],
  );
}

/** Every bad field of one pool object, each with its path below the pool (`.count`). */
function poolFindings(v: Record<string, unknown>): FieldFinding[] {
  const known: readonly string[] = POOL_FIELDS;
  const unknown = Object.keys(v)
    .filter((k) => !known.includes(k))
    .map((k) => ({
      path: `.${k}`,
      value: v[k],
      why: "not a field of a pool",
      allowed: `the fields ${POOL_FIELDS.join(", ")}`,
      fix: "remove it, or correct its name",
    }));
  const scalars = (Object.keys(SCALAR_CHECKS) as (keyof typeof SCALAR_CHECKS)[]).flatMap((field) => {
    const found = SCALAR_CHECKS[field](v[field]);
    return found ? [{ path: `.${field}`, ...found }] : [];
  });
  return [...unknown, ...scalars, ...labelFindings(v.labels), ...taintFindings(v.taints)];
}

function toPool(v: Record<string, unknown>): Pool {
  const taints = (v.taints ?? []) as { key: string; value?: string; effect: Taint["effect"] }[];
  return {
    name: v.name as string,
    count: v.count as number,
    serverType: v.serverType as string,
    location: v.location as string,
    labels: (v.labels ?? {}) as Record<string, string>,
    taints: taints.map((t) => ({ key: t.key, value: t.value ?? "", effect: t.effect })),
    ...(v.firstHost === undefined ? {} : { firstHost: v.firstHost as number }),
  };
}

const SHAPE = "{name, count, serverType, location, labels?, taints?, firstHost?}";

const prefixed = (prefix: string, fs: readonly FieldFinding[]): FieldFinding[] =>
  fs.map((f) => ({ ...f, path: `${prefix}${f.path}` }));

/** Parses one pool object, naming every bad field. */
export function parsePool(raw: unknown): Parsed<Pool> {
  if (!isRecord(raw)) return fail(`an object ${SHAPE}`);
  const found = poolFindings(raw);
  return found.length > 0 ? failFields(`a pool ${SHAPE}`, found) : ok(toPool(raw));
}

/** Parses a non-empty list of pools with unique names, naming every bad field of every pool. */
export function parsePools(raw: unknown): Parsed<readonly Pool[]> {
  if (!Array.isArray(raw) || raw.length === 0) return fail(`a non-empty list of pools ${SHAPE}`);
  const found = raw.flatMap((item, i) =>
    isRecord(item)
      ? prefixed(`[${i}]`, poolFindings(item))
      : [
          {
            path: `[${i}]`,
            value: item,
            why: "not an object",
            allowed: `a pool ${SHAPE}`,
            fix: "write the pool as a map",
          },
        ],
  );
  if (found.length > 0) return failFields(`a non-empty list of pools ${SHAPE}`, found);
  const pools = raw.map((item) => toPool(item as Record<string, unknown>));
  const names = pools.map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  return dup ? fail(`a list of pools with unique names`, `"${dup}" appears twice`) : ok(pools);
}
