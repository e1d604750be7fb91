/**
 * Reads `Pulumi.yaml` and a stack file the way the Pulumi CLI would hand them to the program: one map
 * of `namespace:key` → string (objects as JSON), project defaults first, stack values over them.
 * Secure values are replaced by a placeholder and listed as secret keys.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { PROJECT } from "../components/config/define";

/** The engine's view of a stack's config. */
export interface StackConfig {
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
}

/** The placeholder a secure value becomes offline (the plan never decrypts anything). */
export const SECRET_PLACEHOLDER = "[secret]";

type Declaration = { default?: unknown; value?: unknown } | string | number | boolean;

const asString = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v));

/** The project file's config defaults (`default:` of a typed key, `value:` of an object key). */
function projectDefaults(root: string): Record<string, string> {
  const project = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as {
    config?: Record<string, Declaration>;
  };
  const out: Record<string, string> = {};
  for (const [key, decl] of Object.entries(project.config ?? {})) {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    const value = typeof decl === "object" && decl !== null ? (decl.default ?? decl.value) : decl;
    if (value !== undefined) out[full] = asString(value);
  }
  return out;
}

/** Reads a stack file's `config:` map. Throws with the file name when it is not a YAML map. */
export function readStackFile(path: string): Record<string, unknown> {
  const doc = parse(readFileSync(path, "utf8")) as { config?: unknown } | null;
  const config = doc?.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new Error(`${path}: "config" must be a map of key to value`);
  }
  return config as Record<string, unknown>;
}

/** The merged config of a stack, as the engine would pass it to the program. */
export function loadStackConfig(root: string, stackFile: string): StackConfig {
  const config = projectDefaults(root);
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(readStackFile(stackFile))) {
    const full = key.includes(":") ? key : `${PROJECT}:${key}`;
    const secure = typeof value === "object" && value !== null && "secure" in value;
    config[full] = secure ? SECRET_PLACEHOLDER : asString(value);
    if (secure) secretKeys.push(full);
  }
  return { config, secretKeys };
}
