/**
 * The shape of a config setting, shared by the cluster settings and the datapath knobs, and the shape
 * of a problem with one: its parts (`Finding`) and the one sentence every problem's message is
 * (`sentence`, `describe`).
 *
 * A setting is declared once (key, type, default, allowed values, description). From that one
 * declaration come: the typed declaration in `Pulumi.yaml` (generated), the parsing and validation of
 * the raw config value, and the README's tables. Nothing else spells a key or an allowed value.
 */

/** The project name: the namespace of every config key (`hcloud-talos-cilium:<key>`). */
export const PROJECT = "hcloud-talos-cilium";

/** The config types. Pulumi project config types only `string|boolean|integer|array`; objects are ours. */
export type ConfigType = "string" | "boolean" | "integer" | "array" | "object";

/** A problem with one config key: what is wrong, what is allowed, how to fix it. */
export interface Problem {
  /** The full config key, e.g. `hcloud-talos-cilium:bandwidthManager`. */
  readonly key: string;
  /** One sentence naming the key, the bad value, what is allowed and the fix. */
  readonly message: string;
}

/** What is wrong, in parts: why (opening with whose rule it is), what is allowed, and the fix. */
export interface Finding {
  readonly why: string;
  readonly allowed: string;
  readonly fix: string;
}

/**
 * One bad part of a structured value (a pool's field, a list's item): where it is below the key
 * (`[1].count` of `workerPools`, `.count` of `controlPlane`), its value, why it is wrong, what is
 * allowed and the fix. Each becomes its own problem.
 */
export interface FieldFinding extends Finding {
  /** The part's path below the config key: `[1].count`, `.name`, `[0]`. */
  readonly path: string;
  readonly value: unknown;
}

/**
 * The result of parsing one raw config value: the value, or what was expected and what is wrong; a
 * structured value lists every bad part in `fields` instead of stopping at the first.
 */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      readonly expected: string;
      readonly detail?: string;
      readonly fields?: readonly FieldFinding[];
    };

/**
 * What changing a setting does to a running cluster: the provider inputs it reaches, each a
 * `[type token, input]` of change-facts.ts (whose fact, with its source, says what the provider does),
 * and what else it does in words. Cluster settings carry one; knobs say it with their costs.
 */
export interface SettingChange {
  readonly reaches: readonly (readonly [type: string, input: string])[];
  readonly note?: string;
}

/** How a setting turns a raw value (string from Pulumi config, or YAML value) into a typed value. */
export interface SettingDef<T> {
  /** What a change does to a running cluster (cluster settings). */
  readonly change?: SettingChange;
  /** The config type as `Pulumi.yaml` declares it. */
  readonly type: ConfigType;
  /** The value when the stack file does not set the key. */
  readonly default: T;
  /** One line for `Pulumi.yaml` and the README. */
  readonly description: string;
  /** The allowed values of an enum setting, in the order the docs list them. */
  readonly allowed?: readonly T[];
  /** For `array` settings: the item type declared in `Pulumi.yaml`. */
  readonly items?: "string" | "integer" | "boolean";
  /** Turns a raw value into T, or says in words what was expected and what is wrong. */
  readonly parse: (raw: unknown) => Parsed<T>;
}

/** The full config key of a setting. */
export function fullKey(key: string): string {
  return `${PROJECT}:${key}`;
}

/** A value as it appears in a message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
  return value === undefined ? "(unset)" : JSON.stringify(value);
}

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function fail<T>(expected: string, detail?: string): Parsed<T> {
  return detail === undefined ? { ok: false, expected } : { ok: false, expected, detail };
}

/** A failure that names every bad part of a structured value. */
function failFields<T>(expected: string, fields: readonly FieldFinding[]): Parsed<T> {
  return { ok: false, expected, fields };
}

/**
 * The one sentence of every problem: `<subject>: <why>. Allowed: <allowed>. Fix: <fix>.` (no second
 * full stop after a fix that ends a sentence itself, such as "did you mean …?").
 */
export function sentence(subject: string, f: Finding): string {
  const end = /[.?!]$/.test(f.fix) ? "" : ".";
  return `${subject}: ${f.why}. Allowed: ${f.allowed}. Fix: ${f.fix}${end}`;
}

/** Where a problem's value sits below its key, and what it was before (a change's problem). */
export interface Place {
  /** The path below the config key the message names (`[1].count`); the problem stays the key's. */
  readonly path?: string;
  /** The value before the change, shown as `(was …)`. */
  readonly was?: unknown;
}

/**
 * A problem with config key `key`: `hcloud-talos-cilium:<key><path> = <value> (was …): <why>.
 * Allowed: … Fix: ….`, reported against the key itself.
 */
export function describe(key: string, value: unknown, f: Finding, at: Place = {}): Problem {
  const was = "was" in at ? ` (was ${show(at.was)})` : "";
  return {
    key: fullKey(key),
    message: sentence(`${fullKey(key + (at.path ?? ""))} = ${show(value)}${was}`, f),
  };
}

/** The problem of one bad part of the value of config key `key`, reported against that key. */
export function fieldProblem(key: string, f: FieldFinding): Problem {
  return describe(key, f.value, f, { path: f.path });
}

/** Raw config arrives as a string from the engine (`"true"`) or as a YAML value from a stack file. */
function fromString(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  const t = raw.trim();
  if (t === "true" || t === "false" || /^-?\d+$/.test(t) || t.startsWith("[") || t.startsWith("{")) {
    try {
      return JSON.parse(t);
    } catch {
      return raw;
    }
  }
  return raw;
}

/** A boolean setting. */
export function boolean(def: {
  default: boolean;
  description: string;
  change?: SettingChange;
}): SettingDef<boolean> {
  return {
    type: "boolean",
    ...def,
    parse: (raw) => {
      const v = fromString(raw);
      return typeof v === "boolean" ? ok(v) : fail("a boolean (true or false)");
    },
  };
}

/** An integer setting within [min, max]. */
export function integer(def: {
  default: number;
  description: string;
  change?: SettingChange;
  min: number;
  max: number;
}): SettingDef<number> {
  const { min, max, ...rest } = def;
  return {
    type: "integer",
    ...rest,
    parse: (raw) => {
      const v = fromString(raw);
      return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
        ? ok(v)
        : fail(`an integer from ${min} to ${max}`);
    },
  };
}

/** A free string setting, optionally checked by a pattern described in words. */
export function text(def: {
  default: string;
  description: string;
  change?: SettingChange;
  pattern?: RegExp;
  expected?: string;
}): SettingDef<string> {
  const { pattern, expected, ...rest } = def;
  return {
    type: "string",
    ...rest,
    parse: (raw) => {
      if (typeof raw !== "string") return fail(expected ?? "a string");
      return !pattern || pattern.test(raw) ? ok(raw) : fail(expected ?? `a string matching ${pattern}`);
    },
  };
}

/** An enum setting: one of `allowed` (an `as const` tuple), typed as its union. */
export function oneOf<const A extends readonly string[]>(
  allowed: A,
  def: { default: A[number]; description: string; change?: SettingChange },
): SettingDef<A[number]> {
  return {
    type: "string",
    allowed,
    ...def,
    parse: (raw) =>
      typeof raw === "string" && (allowed as readonly string[]).includes(raw)
        ? ok(raw as A[number])
        : fail(`one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`),
  };
}

/** What is wrong with one item of a list, in words; undefined when it is fine. */
export type ItemCheck = (s: string) => Omit<FieldFinding, "path" | "value"> | undefined;

/**
 * An array-of-strings setting. `item` accepts or refuses each item as a whole; `check` names every bad
 * item with its own reason (a problem per item).
 */
export function stringList(def: {
  default: readonly string[];
  description: string;
  change?: SettingChange;
  item?: (s: string) => boolean;
  check?: ItemCheck;
  expected: string;
}): SettingDef<readonly string[]> {
  const { item, check, expected, ...rest } = def;
  return {
    type: "array",
    items: "string",
    ...rest,
    parse: (raw) => {
      const v = fromString(raw);
      if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) return fail(`a list of ${expected}`);
      if (item && !v.every(item)) return fail(`a list of ${expected}`);
      const bad = check ? v.flatMap((s, i) => itemFinding(check, s, i)) : [];
      return bad.length > 0 ? failFields(`a list of ${expected}`, bad) : ok(v as string[]);
    },
  };
}

function itemFinding(check: ItemCheck, s: string, i: number): FieldFinding[] {
  const found = check(s);
  return found ? [{ path: `[${i}]`, value: s, ...found }] : [];
}

/** An object setting validated by `parse` (Pulumi cannot type objects, so this program does). */
export function object<T>(def: {
  default: T;
  description: string;
  change?: SettingChange;
  parse: (raw: unknown) => Parsed<T>;
}): SettingDef<T> {
  return { type: "object", ...def, parse: (raw) => def.parse(fromString(raw)) };
}

export { ok, fail, failFields };
