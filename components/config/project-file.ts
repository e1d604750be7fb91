/**
 * The `config:` section of `Pulumi.yaml`, generated from the settings table and the knob catalogue
 * (`npm run generate`), so the engine type-checks every key before the program runs. Objects cannot be
 * typed there: they are declared with their default `value`, and this program validates them.
 */
import type { SettingDef } from "../core/define";
import { SETTINGS, SETTING_KEYS } from "./settings";
import { KNOB_KEYS, knobDef } from "../knobs/catalogue";

/** One key's declaration in `Pulumi.yaml`. */
export type Declaration =
  | { type: "string" | "boolean" | "integer"; default: unknown; description: string }
  | { type: "array"; items: { type: string }; default: unknown; description: string }
  | { value: unknown };

function declare(def: SettingDef<unknown>): Declaration {
  const allowed = def.allowed ? ` (${def.allowed.join(" | ")})` : "";
  const description = `${def.description}${allowed}`;
  if (def.type === "object") return { value: def.default };
  if (def.type === "array")
    return { type: "array", items: { type: def.items ?? "string" }, default: def.default, description };
  return { type: def.type, default: def.default, description };
}

/** Every config key's declaration: cluster settings first, then the knobs, in table order. */
export function projectConfig(): Record<string, Declaration> {
  return Object.fromEntries([
    ...SETTING_KEYS.map((k) => [k, declare(SETTINGS[k] as SettingDef<unknown>)] as const),
    ...KNOB_KEYS.map((k) => [k, declare(knobDef(k))] as const),
  ]);
}
