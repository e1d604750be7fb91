/**
 * The README's tables, generated from the catalogue and the settings (`npm run generate`); a test
 * fails when the README's copy is stale.
 */
import { show, type SettingDef } from "../core/define";
import { SETTINGS, SETTING_KEYS } from "../config/settings";
import { KNOB_KEYS, knobDef } from "../knobs/catalogue";
import { COSTS, type Cost } from "../knobs/knob";
import { formatKernel } from "../core/kernel";
import { RULES } from "../knobs/rules";
import { whose } from "../knobs/source";

const cell = (s: string): string => s.replace(/\|/g, "\\|");

function allowedOf(def: SettingDef<unknown>): string {
  if (def.allowed) return def.allowed.map((a) => `\`${a}\``).join(", ");
  return def.type;
}

function kernelOf(key: (typeof KNOB_KEYS)[number]): string {
  const def = knobDef(key);
  const needs = (def.allowed ?? [true])
    .map((v) => [v, def.kernel?.(v)?.version] as const)
    .filter(([, k]) => k);
  return (
    needs.map(([v, k]) => `${def.allowed ? `${v}: ` : ""}≥ ${formatKernel(k as never)}`).join("; ") || "-"
  );
}

function decisionOf(key: (typeof KNOB_KEYS)[number]): string {
  const { verdict, reason, step } = knobDef(key).decision;
  return `**${verdict}${step ? ` (step ${step})` : ""}**: ${reason}`;
}

/** The knob table: one row per knob, in catalogue order. */
export function knobTable(): string {
  const head =
    "| knob | config key | allowed | default | decision of record | rules | kernel | what a change costs |\n| --- | --- | --- | --- | --- | --- | --- | --- |";
  const rows = KNOB_KEYS.map((key) => {
    const def = knobDef(key);
    const rules =
      RULES.filter((r) => r.knob === key)
        .map((r) => `${r.severity === "warning" ? "⚠ " : ""}${r.summary} (${whose(r.source)})`)
        .join("; ") || "-";
    const labels = def.costs.map((c) => COSTS[c].label).join(", ");
    const costs = labels ? `**${labels}**: ${def.costNote}` : def.costNote;
    return `| ${cell(def.title)} | \`${key}\` | ${cell(allowedOf(def))} | \`${cell(show(def.default))}\` | ${cell(decisionOf(key))} | ${cell(rules)} | ${kernelOf(key)} | ${cell(costs)} |`;
  });
  const legend = (Object.keys(COSTS) as Cost[])
    .map((c) => `**${COSTS[c].label}**: ${COSTS[c].meaning}`)
    .join(". ");
  return [head, ...rows, "", `Costs: ${legend}.`].join("\n");
}

/** The cluster settings table. */
export function settingsTable(): string {
  const head = "| config key | type | default | description |\n| --- | --- | --- | --- |";
  const rows = SETTING_KEYS.map((key) => {
    const def = SETTINGS[key] as SettingDef<unknown>;
    return `| \`${key}\` | ${cell(allowedOf(def))} | \`${cell(show(def.default))}\` | ${cell(def.description)} |`;
  });
  return [head, ...rows].join("\n");
}
