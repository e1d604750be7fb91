/**
 * Node pools as typed objects. Pulumi project config cannot type objects, so this module does: every
 * field is checked and a bad one is named in the message (`workerPools[1].count`).
 */
import { fail, ok, type Parsed } from "./define";

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
  /** Hetzner server type, e.g. `cpx31`; `cax*` are arm64. */
  readonly serverType: string;
  /** Hetzner location, e.g. `fsn1`; must be in the network zone. */
  readonly location: string;
  /** Extra Kubernetes node labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Kubernetes taints. */
  readonly taints: readonly Taint[];
}

const DNS_LABEL = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;
const SERVER_TYPE = /^(cx|cpx|cax|ccx)\d{2,3}$/;
const LABEL_KEY = /^([a-z0-9.-]{1,253}\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(|[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)$/;
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkLabels(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (!isRecord(v)) return "labels must be a map of label key to string value";
  const bad = Object.entries(v).find(
    ([k, val]) => !LABEL_KEY.test(k) || typeof val !== "string" || !LABEL_VALUE.test(val),
  );
  return bad ? `labels.${bad[0]} = ${JSON.stringify(bad[1])} is not a valid Kubernetes label` : undefined;
}

function checkTaints(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return "taints must be a list of {key, value, effect}";
  const i = v.findIndex(
    (t) =>
      !isRecord(t) ||
      typeof t.key !== "string" ||
      !LABEL_KEY.test(t.key) ||
      !(EFFECTS as readonly unknown[]).includes(t.effect) ||
      (t.value !== undefined && typeof t.value !== "string"),
  );
  return i >= 0
    ? `taints[${i}] must be {key, value?, effect} with effect one of ${EFFECTS.join(", ")}`
    : undefined;
}

/** The first problem with a pool object, in words, or undefined. */
function poolProblem(v: Record<string, unknown>): string | undefined {
  const known = ["name", "count", "serverType", "location", "labels", "taints"];
  const unknown = Object.keys(v).find((k) => !known.includes(k));
  if (unknown) return `unknown field "${unknown}" (fields: ${known.join(", ")})`;
  if (typeof v.name !== "string" || !DNS_LABEL.test(v.name))
    return 'name must be a DNS label such as "workers"';
  if (typeof v.count !== "number" || !Number.isInteger(v.count) || v.count < 1)
    return "count must be a positive integer";
  if (typeof v.serverType !== "string" || !SERVER_TYPE.test(v.serverType))
    return 'serverType must be a Hetzner server type such as "cpx31"';
  if (typeof v.location !== "string" || !/^[a-z]{3}\d?$/.test(v.location))
    return 'location must be a Hetzner location such as "fsn1"';
  return checkLabels(v.labels) ?? checkTaints(v.taints);
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
  };
}

const SHAPE = "{name, count, serverType, location, labels?, taints?}";

/** Parses one pool object. */
export function parsePool(raw: unknown): Parsed<Pool> {
  if (!isRecord(raw)) return fail(`an object ${SHAPE}`);
  const problem = poolProblem(raw);
  return problem ? fail(`a pool ${SHAPE}`, problem) : ok(toPool(raw));
}

/** Parses a non-empty list of pools with unique names. */
export function parsePools(raw: unknown): Parsed<readonly Pool[]> {
  if (!Array.isArray(raw) || raw.length === 0) return fail(`a non-empty list of pools ${SHAPE}`);
  const pools: Pool[] = [];
  for (const [i, item] of raw.entries()) {
    const p = parsePool(item);
    if (!p.ok) return fail(`a non-empty list of pools ${SHAPE}`, `item [${i}]: ${p.detail ?? p.expected}`);
    pools.push(p.value);
  }
  const names = pools.map((p) => p.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  return dup ? fail(`a list of pools with unique names`, `"${dup}" appears twice`) : ok(pools);
}

/** Whether a server type is arm64 (Hetzner `cax*`), which needs the arm64 Talos image. */
export function isArm(serverType: string): boolean {
  return serverType.startsWith("cax");
}
