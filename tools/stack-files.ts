/**
 * Reads `Pulumi.yaml` and a stack file the way the Pulumi CLI would hand them to the program: one map
 * of `namespace:key` → string (objects as JSON), project defaults first, stack values over them.
 * Secure values are replaced by a placeholder and listed as secret keys.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT } from "../components/core/define";
import { isSecure, parseStackFile, SECRET_PLACEHOLDER } from "../components/config/stack-file";

/** The engine's view of a stack's config. */
export interface StackConfig {
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
}

type Declaration = { default?: unknown; value?: unknown } | string | number | boolean;

const asString = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/**
 * The defaults of the project files read so far, by their text. `Pulumi.yaml` declares every key
 * with its description (9 kB), and the yaml package takes ~20 ms to parse it: once per text, not once
 * per stack read (the tests read ~170 stacks, the knobs check two per commit it looks at).
 */
const defaultsByText = new Map<string, Readonly<Record<string, string>>>();

/** The project file's config defaults (`default:` of a typed key, `value:` of an object key): a fresh copy. */
function projectDefaults(root: string): Record<string, string> {
  const text = readFileSync(join(root, "Pulumi.yaml"), "utf8");
  let defaults = defaultsByText.get(text);
  if (!defaults) {
    const project = parse(text) as { config?: Record<string, Declaration> };
    const out: Record<string, string> = {};
    for (const [key, decl] of Object.entries(project.config ?? {})) {
      const full = key.includes(":") ? key : `${PROJECT}:${key}`;
      const value = typeof decl === "object" && decl !== null ? (decl.default ?? decl.value) : decl;
      if (value !== undefined) out[full] = asString(value);
    }
    // A handful of texts at most (the checkout's and a test's edited copies): no eviction needed.
    defaults = Object.freeze(out);
    defaultsByText.set(text, defaults);
  }
  return { ...defaults };
}

/** Reads a stack file's `config:` map. Throws with the file name when it is not a YAML map. */
export function readStackFile(path: string): Record<string, unknown> {
  const parsed = parseStackFile(readFileSync(path, "utf8"));
  if ("error" in parsed) throw new Error(`${path}: ${parsed.error}`);
  return parsed.config;
}

/** The merged config of a stack, as the engine would pass it to the program. */
export function loadStackConfig(root: string, stackFile: string): StackConfig {
  return stackConfigOf(root, readStackFile(stackFile));
}

/** The merged config of a stack file's `config:` map (already read), as the engine would pass it. */
export function stackConfigOf(root: string, stackConfig: Readonly<Record<string, unknown>>): StackConfig {
  const config = projectDefaults(root);
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(stackConfig)) {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    const secure = isSecure(value);
    config[full] = secure ? SECRET_PLACEHOLDER : asString(value);
    if (secure) secretKeys.push(full);
  }
  return { config, secretKeys };
}
