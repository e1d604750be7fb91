/**
 * Stack config as text and maps (pure): a stack file's `config:` section, the project's keys of a
 * config map, and the placeholder a `secure:` value becomes offline. Shared by the engine reader, the
 * plan, and the knobs check's git history.
 */
import { parse, stringify } from "yaml";
import { fullKey, PROJECT } from "../core/define";

/** What a `secure:` value becomes when nothing may decrypt it (plan, history): never the secret. */
export const SECRET_PLACEHOLDER = "[secret]";

/** Whether a stack-file value is an encrypted `secure:` value. */
export function isSecure(value: unknown): boolean {
  return typeof value === "object" && value !== null && "secure" in value;
}

/** The namespace of a key (`hcloud:token` → `hcloud`); a bare key belongs to the project. */
const namespaceOf = (key: string): string => (key.includes(":") ? key.slice(0, key.indexOf(":")) : PROJECT);

/** The project's keys of a config map (engine strings or stack-file values), without the namespace. */
export function projectKeys<T>(config: Readonly<Record<string, T>>): Record<string, T> {
  return Object.fromEntries(
    Object.entries(config)
      .filter(([key]) => namespaceOf(key) === PROJECT)
      .map(([key, value]) => [key.slice(key.indexOf(":") + 1), value]),
  );
}

/** Parsed stack files by text: the knobs check reads the same file at many commits. */
const parsedByText = new Map<string, { config: Record<string, unknown> } | { error: string }>();

/** A stack file's `config:` map from its text, or what is wrong with it (a fresh copy each call). */
export function parseStackFile(text: string): { config: Record<string, unknown> } | { error: string } {
  let parsed = parsedByText.get(text);
  if (!parsed) {
    parsed = parseStackText(text);
    // Bounded: a long history holds many versions of a file; parsing again is only slower.
    if (parsedByText.size >= 256) parsedByText.clear();
    parsedByText.set(text, parsed);
  }
  return structuredClone(parsed);
}

function parseStackText(text: string): { config: Record<string, unknown> } | { error: string } {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return { error: `not valid YAML: ${err instanceof Error ? err.message : String(err)}` };
  }
  const config = (doc as { config?: unknown } | null)?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    return { error: '"config" must be a map of key to value' };
  }
  return { config: config as Record<string, unknown> };
}

/** A stack file's text setting the project's keys of `config` (keys without the namespace). */
export function stackFileText(config: Readonly<Record<string, unknown>>): string {
  return stringify({ config: Object.fromEntries(Object.entries(config).map(([k, v]) => [fullKey(k), v])) });
}
