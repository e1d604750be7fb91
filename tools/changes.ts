/**
 * What a settings change does to a running cluster, from the real program: the offline plan
 * (tools/planner.ts: `index.ts` under the mock engine) of a stack file at the base and in the working
 * tree, its declared resources diffed per URN, each changed input classified with the providers' facts
 * (components/config/change-facts.ts), and what each server goes through judged by the quorum rule
 * (components/config/quorum.ts). Both sides run the program of this checkout: a change of the program
 * itself between base and head is not what this compares.
 *
 * Replacements propagate as Pulumi plans them (pulumi/pulumi pkg/resource/deploy/step_generator.go,
 * calculateDependentReplacements): a dependent's input that carries a replaced resource's ID or one of
 * its computed outputs becomes unknown, and is classified like any changed input; a resource whose
 * provider is replaced is replaced. Offline, IDs and computed outputs are the mock engine's (derived
 * from the name, tools/mocks), which is how they are recognised in the dependents' inputs.
 */
import { inputFact, T, worse, type Effect } from "../components/config/change-facts";
import type { NodeImpact } from "../components/config/footprint";
import { acceptedKeys, quorumVerdict } from "../components/config/quorum";
import { resolveStackConfig, type Resolution } from "../components/config/resolve";
import { projectKeys, SECRET_PLACEHOLDER } from "../components/config/stack-file";
import { checkAgainstSnapshot } from "../components/hetzner/server-type-lookup";
import type { EngineRecord, Registration } from "./mock-engine";
import type { InputChange, ResourceChange, SettingsReport, StackChanges } from "../components/config/changes";

export type { InputChange, ResourceChange, SettingsReport, StackChanges } from "../components/config/changes";
import { COMPUTED, mockId } from "./mocks";
import { ROOT, runProgram, requireFresh, type ProgramLoader, type ProgramRun } from "./planner";
import { STACKS, changedSettings, readStackText, type StackName } from "../components/datapath/history";
import { loadRolloutInput } from "./knobs-git";
import { stackConfigOf, type StackConfig } from "./stack-files";

const SHOWN = 120;

/** A value as the report may show it: secrets never, long values as their length. */
function visible(value: unknown, secret: boolean): unknown {
  if (secret) return SECRET_PLACEHOLDER;
  const text = JSON.stringify(value);
  return text === undefined || text.length <= SHOWN ? value : `(${text.length} characters)`;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The mock engine's ID and computed outputs of a registration: how its dependents carry it. */
function carriedValues(r: Registration): string[] {
  const id = mockId(r.type, r.name);
  const extra = COMPUTED[r.type]?.(r.name, r.inputs, id) ?? {};
  const leaves: string[] = [id];
  const walk = (v: unknown): void => {
    // Addresses and IDs only: a computed word such as a status would match any text holding it.
    if (typeof v === "string" && v.length >= 6 && /\d/.test(v)) leaves.push(v);
    else if (typeof v === "number") leaves.push(String(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) Object.values(v).forEach(walk);
  };
  walk(extra);
  return leaves;
}

/** Whether a value holds one of `carried` as a whole token (not inside a longer number or address). */
function holds(value: unknown, carried: readonly string[]): boolean {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text === undefined) return false;
  return carried.some((c) => {
    let at = text.indexOf(c);
    while (at >= 0) {
      const before = text[at - 1] ?? "";
      const after = text[at + c.length] ?? "";
      if (!/[0-9A-Za-z.-]/.test(before) && !/[0-9A-Za-z.-]/.test(after)) return true;
      at = text.indexOf(c, at + 1);
    }
    return false;
  });
}

const ignoredIn = (r: Registration) => new Set(r.ignoreChanges);

function inputChange(r: Registration, input: string, from: unknown, to: unknown, via?: string): InputChange {
  const f = inputFact(r.type, input);
  const secret = r.secretInputs.includes(input);
  return {
    input,
    from: visible(from, secret),
    to: visible(to, secret),
    secret,
    ...(via ? { via } : {}),
    effect: f.effect,
    what: f.what,
    source: f.source,
  };
}

/** The inputs of a resource whose values differ between base and head (ignored ones left out). */
function ownChanges(base: Registration, head: Registration): InputChange[] {
  const ignored = ignoredIn(head);
  const keys = [...new Set([...Object.keys(base.inputs), ...Object.keys(head.inputs)])];
  return keys
    .filter((k) => !ignored.has(k) && !same(base.inputs[k], head.inputs[k]))
    .map((k) => inputChange(head, k, base.inputs[k], head.inputs[k]));
}

function nodeOf(r: Registration): ResourceChange["node"] {
  if (r.type !== T.server) return undefined;
  const labels = (r.inputs.labels ?? {}) as Record<string, string>;
  const role = labels.role === "controlplane" ? "controlplane" : "worker";
  return { name: String(r.inputs.name), role, pool: String(labels.pool ?? "") };
}

const worstOf = (inputs: readonly InputChange[]): Effect =>
  inputs.reduce<Effect>((acc, i) => worse(acc, i.effect), "in-place");

function changeOf(r: Registration, action: ResourceChange["action"], inputs: InputChange[]): ResourceChange {
  const effect: Effect =
    action === "create" || action === "delete" ? action : action === "replace" ? "replace" : worstOf(inputs);
  const node = nodeOf(r);
  return { name: r.name, type: r.type, action, effect, inputs, ...(node ? { node } : {}) };
}

/**
 * Every resource whose declaration differs between two runs of the program, with its changed inputs,
 * replacements propagated to their dependents until nothing more changes. Components are left out.
 */
export function diffRecords(base: EngineRecord, head: EngineRecord): ResourceChange[] {
  const before = new Map(base.resources.filter((r) => r.custom).map((r) => [r.urn, r]));
  const after = head.resources.filter((r) => r.custom);
  const changed = new Map<string, InputChange[]>();
  for (const r of after) {
    const was = before.get(r.urn);
    if (was) changed.set(r.urn, ownChanges(was, r));
  }
  const replaced = new Set<string>();
  const isReplaced = (urn: string) =>
    (changed.get(urn) ?? []).some((i) => i.effect === "replace") ||
    (before.has(urn) && !after.some((r) => r.urn === urn));
  // Propagate replacements to the dependents that carry them, until a fixed point.
  for (let grew = true; grew;) {
    grew = false;
    for (const r of after) {
      if (replaced.has(r.urn) || !isReplaced(r.urn)) continue;
      replaced.add(r.urn);
      grew = true;
      const carried = carriedValues(r);
      for (const d of after) {
        const own = changed.get(d.urn);
        if (!own || d.urn === r.urn) continue;
        const ignored = ignoredIn(d);
        const viaProvider = d.provider.startsWith(`${r.urn}::`);
        if (d.replaceWith.includes(r.urn) && !own.some((i) => i.effect === "replace")) {
          own.push({
            input: "(replaceWith)",
            secret: false,
            via: r.name,
            effect: "replace",
            what: "it is declared replaceWith the replaced resource, so Pulumi replaces it too",
            source: "pulumi.com/docs/iac/concepts/resources/options/replacewith",
          });
        }
        const dependent = viaProvider || d.dependsOn.includes(r.urn);
        if (!dependent) continue;
        const inputs = Object.keys(d.inputs).filter(
          (k) => !ignored.has(k) && !own.some((i) => i.input === k) && holds(d.inputs[k], carried),
        );
        for (const k of inputs) own.push(inputChange(d, k, d.inputs[k], d.inputs[k], r.name));
        if (viaProvider && !own.some((i) => i.effect === "replace"))
          own.push({
            input: "(provider)",
            secret: false,
            via: r.name,
            effect: "replace",
            what: "its provider is replaced, so Pulumi replaces it (step_generator.go calculateDependentReplacements)",
            source: "pulumi/pulumi pkg/resource/deploy/step_generator.go",
          });
      }
    }
  }
  const out: ResourceChange[] = [];
  for (const r of after) {
    const inputs = changed.get(r.urn);
    if (!inputs) out.push(changeOf(r, "create", []));
    else if (inputs.length > 0)
      out.push(changeOf(r, inputs.some((i) => i.effect === "replace") ? "replace" : "update", inputs));
  }
  const kept = new Set(after.map((r) => r.urn));
  for (const r of before.values()) if (!kept.has(r.urn)) out.push(changeOf(r, "delete", []));
  return out;
}

/** What each server goes through, for the quorum rule. */
export function impactsOf(changes: readonly ResourceChange[]): NodeImpact[] {
  return changes.flatMap((c): NodeImpact[] =>
    c.node
      ? [
          {
            node: c.node.name,
            role: c.node.role,
            pool: c.node.pool,
            effect: c.effect,
            causes: c.inputs.map((i) => ({
              field: i.input,
              from: i.from,
              to: i.to,
              fact: { effect: i.effect, what: i.what, source: i.source },
            })),
          },
        ]
      : [],
  );
}

/** One side of the comparison: a stack file's project config (without namespace), or none. */
export type StackFileConfig = Readonly<Record<string, unknown>> | undefined;

/** The side's resolution, with the server types checked against the snapshot, as the plan does. */
function resolveSide(stack: string, file: StackFileConfig, env: NodeJS.ProcessEnv): Resolution {
  const r = resolveStackConfig(projectKeys(stackConfigOf(ROOT, file ?? {}).config), stack, undefined, env);
  if (!r.ok) return r;
  const types = checkAgainstSnapshot(r.spec.settings);
  return types.problems.length > 0 ? { ok: false, problems: types.problems, warnings: r.warnings } : r;
}

/** The engine config of a stack file, with the defaults of this checkout's Pulumi.yaml. */
const engineConfig = (file: StackFileConfig): StackConfig => stackConfigOf(ROOT, file ?? {});

/**
 * Runs the program with its log lines (the access path, the server types, the config's warnings: the
 * plan's business, printed by `npm run plan`) kept off the check's output.
 */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const { log, error, warn } = console;
  console.log = console.error = console.warn = () => undefined;
  try {
    return await run();
  } finally {
    Object.assign(console, { log, error, warn });
  }
}

const runs = new Map<string, Promise<ProgramRun>>();

/**
 * One offline run of the program per stack and stack file in a process: the program is deterministic
 * under the mock engine, and the check compares the same base with several heads (the tests do).
 */
function planned(stack: string, file: StackFileConfig, load: ProgramLoader): Promise<ProgramRun> {
  const key = JSON.stringify([stack, file ?? {}, process.env.DEPLOY_RUNNER_IP ?? ""]);
  let run = runs.get(key);
  if (!run) {
    run = quietly(() => runProgram(stack, engineConfig(file), load));
    runs.set(key, run);
    if (runs.size > 16) runs.delete(runs.keys().next().value as string);
  }
  return run;
}

/** Options of {@link stackChanges}. */
export interface ChangeOptions {
  /** How `index.ts` is loaded (tests use vitest's module runner). @default requireFresh */
  readonly load?: ProgramLoader;
  /** The environment: DEPLOY_RUNNER_IP, ACCEPT_NODE_CHANGES. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * What going from the base's stack file to the head's does to `stack`, resource by resource, and what
 * the quorum rule refuses. Runs the program twice; both files must resolve (a head that does not is
 * the "config" rule's violation, reported elsewhere).
 */
export async function stackChanges(
  stack: string,
  base: StackFileConfig,
  head: StackFileConfig,
  options: ChangeOptions = {},
): Promise<StackChanges> {
  const env = options.env ?? process.env;
  const sides = { base: resolveSide(stack, base, env), head: resolveSide(stack, head, env) };
  for (const side of ["base", "head"] as const) {
    const r = sides[side];
    if (!r.ok)
      return {
        compared: false,
        resources: [],
        refusals: [],
        warnings: [],
        note: `the ${side}'s Pulumi.${stack}.yaml does not resolve with this checkout's rules (${r.problems.map((p) => p.key).join(", ")}), so what the change does to the resources was not computed`,
      };
  }
  const load = options.load ?? requireFresh;
  const before = await planned(stack, base, load);
  const after = await planned(stack, head, load);
  const resources = diffRecords(before.record, after.record);
  const [b, h] = [sides.base, sides.head] as const;
  if (!b.ok || !h.ok) throw new Error("unreachable: both sides resolved");
  const verdict = quorumVerdict(
    impactsOf(resources),
    b.spec.settings,
    h.spec.settings,
    stack,
    acceptedKeys(env),
  );
  return { compared: true, resources, refusals: verdict.refusals, warnings: verdict.warnings };
}

/**
 * The settings side of `npm run check` on the repository at `root`: each stack file at the base (as
 * `--base` chooses it: tools/knobs-git.ts) against the working tree, for every stack whose settings
 * the change moves.
 */
export async function settingsCheck(
  root: string,
  check: { readonly base?: string; readonly now: Date },
  options: ChangeOptions = {},
): Promise<SettingsReport> {
  const input = loadRolloutInput(root, check);
  const out = {} as Record<StackName, StackChanges | undefined>;
  for (const stack of STACKS) {
    const base = readStackText(input.files[stack].base);
    const head = readStackText(input.files[stack].now);
    const moved = head.error === undefined && changedSettings(base.file, head.file).length > 0;
    out[stack] = moved ? await stackChanges(stack, base.file, head.file, options) : undefined;
  }
  return out;
}
