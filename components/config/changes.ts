/**
 * The settings side of the change check as plain data, and its text and Markdown (pure): what a change
 * does to each declared resource (tools/changes.ts computes it from the offline plan), and what the
 * quorum rule refuses.
 */
import { EFFECTS, TYPE_FACTS, type Effect } from "./change-facts";
import type { Problem } from "../core/define";

/** One changed input of a resource. Secret values are never carried: `secret` says so. */
export interface InputChange {
  readonly input: string;
  readonly from?: unknown;
  readonly to?: unknown;
  readonly secret: boolean;
  /** The replaced resource whose new ID or outputs this input carries, when that is why it changes. */
  readonly via?: string;
  readonly effect: Effect;
  readonly what: string;
  readonly source: string;
}

/** What the change does to one declared resource. */
export interface ResourceChange {
  readonly name: string;
  readonly type: string;
  readonly action: "create" | "delete" | "replace" | "update";
  readonly effect: Effect;
  readonly inputs: readonly InputChange[];
  /** For a server: the node it is. */
  readonly node?: { readonly name: string; readonly role: "controlplane" | "worker"; readonly pool: string };
}

/** The settings side of a stack's change check. */
export interface StackChanges {
  /** False when a side does not resolve or its program fails: nothing could be compared. */
  readonly compared: boolean;
  readonly resources: readonly ResourceChange[];
  readonly refusals: readonly Problem[];
  readonly warnings: readonly Problem[];
  /** Why nothing was compared, when it was not. */
  readonly note?: string;
}

/** The settings side of the change check, per stack (`ci`, `prod`); undefined where no setting moves. */
export type SettingsReport = Readonly<Record<"ci" | "prod", StackChanges | undefined>>;

const SYMBOL: Readonly<Record<ResourceChange["action"], string>> = {
  create: "+",
  delete: "-",
  replace: "±",
  update: "~",
};

const shown = (v: unknown): string => (typeof v === "string" && v.startsWith("(") ? v : JSON.stringify(v));

function inputLine(i: InputChange): string {
  const values = i.via ? `follows ${i.via}` : `${shown(i.from)} → ${shown(i.to)}`;
  return `${i.input} (${values}): ${i.what} [${i.source}]`;
}

const title = (r: ResourceChange): string => TYPE_FACTS[r.type]?.title ?? r.type;

/** The resources worth a line each (anything but a plain in-place update), and the rest by name. */
function split(resources: readonly ResourceChange[]) {
  const quiet = (r: ResourceChange) => r.action === "update" && r.effect === "in-place";
  return { loud: resources.filter((r) => !quiet(r)), quiet: resources.filter(quiet).map((r) => r.name) };
}

/** One stack's settings changes as text lines (no trailing blank line). */
export function settingsText(stack: string, c: StackChanges): string[] {
  if (!c.compared) return [`${stack}: settings changed; ${c.note ?? "not compared"}`];
  const { loud, quiet } = split(c.resources);
  const out = [`${stack}: the settings change ${c.resources.length} resource(s):`];
  for (const r of loud) {
    out.push(`  ${SYMBOL[r.action]} ${r.name} (${title(r)}): ${EFFECTS[r.effect].label}`);
    out.push(...r.inputs.map((i) => `      ${inputLine(i)}`));
  }
  if (quiet.length > 0) out.push(`  ~ updated in place: ${quiet.join(", ")}`);
  out.push(...c.warnings.map((w) => `  ! ${w.message}`));
  out.push(...c.refusals.map((p) => `  ✗ ${p.message}`));
  return out;
}

/** Text as one Markdown table cell: pipes escaped, newlines as spaces. */
export const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** One stack's settings changes as Markdown. */
export function settingsMarkdown(stack: string, c: StackChanges): string[] {
  if (!c.compared) return [`#### ${stack}: settings`, "", `Not compared: ${cell(c.note ?? "")}.`, ""];
  const { loud, quiet } = split(c.resources);
  const out = [
    `#### ${stack}: what the settings change does (${c.resources.length} resource(s))`,
    "",
    "| resource | what happens | why (input: provider fact, source) |",
    "| --- | --- | --- |",
  ];
  for (const r of loud)
    out.push(
      `| ${SYMBOL[r.action]} \`${r.name}\` (${title(r)}) | **${r.effect}**: ${EFFECTS[r.effect].label} | ${cell(r.inputs.map(inputLine).join("; "))} |`,
    );
  out.push("");
  if (quiet.length > 0) out.push(`Updated in place: ${quiet.map((n) => `\`${n}\``).join(", ")}.`, "");
  out.push(
    ...c.warnings.map((w) => `- ⚠ ${w.message.replace(/\n/g, " ")}`),
    ...c.refusals.map((p) => `- ✗ ${p.message.replace(/\n/g, " ")}`),
  );
  if (c.warnings.length + c.refusals.length > 0) out.push("");
  return out;
}
