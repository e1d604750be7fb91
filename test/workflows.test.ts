// Invariants of the GitHub Actions workflows in .github/workflows: stack naming, per-stack concurrency,
// the knob rollout gate, the deploy order and health gate, fork safety and secret hygiene.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it, expect } from "vitest";
import { parse } from "yaml";

type Dict = Record<string, unknown>;

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Dict;
  env?: Dict;
  "continue-on-error"?: unknown;
}

interface Concurrency {
  group?: string;
  "cancel-in-progress"?: unknown;
}

interface Job {
  name?: string;
  if?: string;
  needs?: string | string[];
  environment?: string | { name?: string };
  concurrency?: string | Concurrency;
  permissions?: string | Dict;
  strategy?: { matrix?: Dict; "fail-fast"?: unknown };
  env?: Dict;
  outputs?: Dict;
  steps?: Step[];
}

interface Workflow {
  name?: string;
  on?: Dict;
  permissions?: string | Dict;
  env?: Dict;
  concurrency?: string | Concurrency;
  jobs?: Record<string, Job>;
}

const WORKFLOW_DIR = path.resolve(__dirname, "..", ".github", "workflows");
const EXPECTED_FILES = ["deploy.yml", "janitor.yml", "pr-closed.yml", "pr.yml"];
const FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";
const EPHEMERAL_STACK = "pr-${{ github.event.number }}";
const ALLOWED_SECRETS = new Set(["PULUMI_ACCESS_TOKEN", "HCLOUD_TOKEN", "GITHUB_TOKEN"]);

const files = readdirSync(WORKFLOW_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const rawText = new Map<string, string>(
  files.map((f) => [f, readFileSync(path.join(WORKFLOW_DIR, f), "utf8")]),
);
const parsed = new Map<string, Workflow>();
const parseErrors = new Map<string, string>();
for (const [file, text] of rawText) {
  try {
    parsed.set(file, parse(text) as Workflow);
  } catch (err) {
    parseErrors.set(file, String(err));
  }
}

function workflow(file: string): Workflow {
  const wf = parsed.get(file);
  if (!wf) throw new Error(`workflow ${file} is missing or did not parse`);
  return wf;
}

function jobsOf(file: string): Record<string, Job> {
  return workflow(file).jobs ?? {};
}

function job(file: string, id: string): Job {
  const j = jobsOf(file)[id];
  if (!j) throw new Error(`${file} has no job ${id}`);
  return j;
}

function stepsOf(file: string, id: string): Step[] {
  return job(file, id).steps ?? [];
}

function needsOf(j: Job): string[] {
  if (j.needs === undefined) return [];
  return Array.isArray(j.needs) ? j.needs : [j.needs];
}

function stringMap(d: Dict | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d ?? {})) out[k] = String(v);
  return out;
}

/** The environment a step's script sees from the workflow file: workflow env, then job env, then step env. */
function effectiveEnv(file: string, jobId: string, step: Step): Record<string, string> {
  return { ...stringMap(workflow(file).env), ...stringMap(job(file, jobId).env), ...stringMap(step.env) };
}

/** Replaces $VAR and ${VAR} by the workflow-level value of VAR where the file defines one. */
function resolveVars(word: string, env: Record<string, string>): string {
  return word.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, name: string) => env[name] ?? m);
}

/** Splits a script into logical lines (backslash continuations joined), without comments. */
function scriptLines(script: string): string[] {
  return script
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * Words of a shell line; quotes are removed and quoted text stays one word. The opening of a command
 * substitution (`x=$(` or `$(`) is dropped so the command inside is seen. Good enough for these scripts.
 */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const unquoted = m[3];
    if (unquoted === undefined) {
      words.push(m[1] ?? m[2] ?? "");
      continue;
    }
    const subst = /^(?:[A-Za-z_][A-Za-z0-9_]*=)?\$\((.*)$/.exec(unquoted);
    if (subst) {
      if (subst[1]) words.push(subst[1]);
    } else words.push(unquoted);
  }
  return words;
}

const SHELL_OPERATORS = new Set(["&&", "||", "|", ";", "then", "do", ">", ">>", "<", "<<<"]);

function isOperator(word: string): boolean {
  return SHELL_OPERATORS.has(word) || /^[0-9]*>/.test(word) || word.startsWith("<");
}

interface Invocation {
  stepIndex: number;
  /** Arguments after the program name (and after `npm run <script> --` for npm scripts). */
  argv: string[];
  /** Target of a `>`/`>>` redirection following the command, if any. */
  redirect?: string;
  line: string;
}

/** Finds every invocation of `program` (e.g. ["pulumi"] or ["npm", "run", "knobs", "--"]) in a job's scripts. */
function invocations(file: string, jobId: string, program: string[]): Invocation[] {
  const found: Invocation[] = [];
  stepsOf(file, jobId).forEach((step, stepIndex) => {
    if (step.run === undefined) return;
    const env = effectiveEnv(file, jobId, step);
    for (const line of scriptLines(step.run)) {
      const words = shellWords(line);
      for (let i = 0; i + program.length <= words.length; i++) {
        if (!program.every((p, k) => words[i + k] === p)) continue;
        const argv: string[] = [];
        let redirect: string | undefined;
        for (let k = i + program.length; k < words.length; k++) {
          let w = words[k] ?? "";
          if (isOperator(w)) {
            if (w === ">" || w === ">>") redirect = resolveVars(words[k + 1] ?? "", env);
            break;
          }
          // `cmd;` and the `)` closing a command substitution end the command
          const endsCommand = /[;)]$/.test(w);
          if (endsCommand) w = w.replace(/;?\)?;?$/, "");
          argv.push(resolveVars(w, env));
          if (endsCommand) break;
        }
        found.push({ stepIndex, argv, line, ...(redirect === undefined ? {} : { redirect }) });
      }
    }
  });
  return found;
}

function flagValue(argv: string[], ...flags: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (flags.includes(a)) return argv[i + 1];
    for (const f of flags) if (f.startsWith("--") && a.startsWith(`${f}=`)) return a.slice(f.length + 1);
  }
  return undefined;
}

const FLAGS_WITH_VALUE = new Set([
  "--stack",
  "-s",
  "--copy-config-from",
  "--dest",
  "-d",
  "--secrets-provider",
]);

function firstPositional(argv: string[], from: number): string | undefined {
  for (let i = from; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (FLAGS_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}

/** Stacks a pulumi CLI command operates on (not the ones it only reads config from). */
function stacksOfCommand(argv: string[]): string[] {
  const [sub, sub2] = argv;
  if (sub === "stack" && sub2 === "ls") return [];
  if (sub === "config" && sub2 === "cp") {
    const dest = flagValue(argv, "--dest", "-d");
    return dest === undefined ? [] : [dest];
  }
  const explicit = flagValue(argv, "--stack", "-s");
  if (explicit !== undefined) return [explicit];
  if (sub === "stack" && (sub2 === "init" || sub2 === "select" || sub2 === "rm")) {
    const positional = firstPositional(argv, 2);
    return positional === undefined ? [] : [positional];
  }
  return [];
}

function isPulumiAction(step: Step): boolean {
  return (step.uses ?? "").startsWith("pulumi/actions@");
}

function actionCommand(step: Step): string | undefined {
  const c = step.with?.["command"];
  return c === undefined ? undefined : String(c);
}

/** Every stack a job operates on: pulumi/actions `stack-name` inputs and stacks named by pulumi CLI commands. */
function stackRefs(file: string, jobId: string): string[] {
  const refs = new Set<string>();
  for (const step of stepsOf(file, jobId)) {
    const name = step.with?.["stack-name"];
    if (isPulumiAction(step) && name !== undefined) refs.add(String(name));
  }
  for (const inv of invocations(file, jobId, ["pulumi"]))
    for (const s of stacksOfCommand(inv.argv)) refs.add(s);
  return [...refs];
}

/** Textual fallback so a job is still flagged if the structural detection above misses its stack use. */
function mentionsStack(j: Job): boolean {
  const text = JSON.stringify(j);
  return /stack-name|--stack\b|pulumi (up|preview|destroy|refresh)\b|pulumi stack (?!ls\b)/.test(text);
}

function jobsTouchingStacks(file: string): string[] {
  return Object.keys(jobsOf(file))
    .filter((id) => stackRefs(file, id).length > 0 || mentionsStack(job(file, id)))
    .sort();
}

function concurrencyOf(j: Job): Concurrency | undefined {
  if (j.concurrency === undefined) return undefined;
  return typeof j.concurrency === "string" ? { group: j.concurrency } : j.concurrency;
}

function findStepIndex(file: string, jobId: string, pred: (s: Step) => boolean): number {
  return stepsOf(file, jobId).findIndex(pred);
}

function pulumiActionIndex(file: string, jobId: string, command: string, stack: string): number {
  return findStepIndex(
    file,
    jobId,
    (s) => isPulumiAction(s) && actionCommand(s) === command && String(s.with?.["stack-name"]) === stack,
  );
}

function runIndex(file: string, jobId: string, re: RegExp): number {
  return findStepIndex(file, jobId, (s) => s.run !== undefined && re.test(s.run));
}

function usesSecrets(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes("secrets.");
}

/** Paths (dot-joined) of every string value in the parsed YAML. */
function stringLeaves(value: unknown, at: string[] = []): { path: string[]; value: string }[] {
  if (typeof value === "string") return [{ path: at, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...at, String(i)]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value as Dict).flatMap(([k, v]) => stringLeaves(v, [...at, k]));
  }
  return [];
}

describe("workflow files", () => {
  it("has all four workflows and every workflow file parses as a mapping with triggers and jobs", () => {
    expect(files).toEqual(expect.arrayContaining(EXPECTED_FILES));
    expect([...parseErrors.keys()]).toEqual([]);
    for (const file of files) {
      const wf = workflow(file);
      expect(typeof wf, file).toBe("object");
      expect(typeof wf.name, file).toBe("string");
      expect(wf.on, file).toBeTypeOf("object");
      expect(Object.keys(wf.jobs ?? {}).length, file).toBeGreaterThan(0);
    }
  });

  it("has the expected triggers", () => {
    expect(Object.keys(workflow("pr.yml").on ?? {})).toEqual(["pull_request"]);
    expect(workflow("pr.yml").on?.["pull_request"]).toEqual({ branches: ["main"] });
    expect(workflow("pr-closed.yml").on?.["pull_request"]).toMatchObject({ types: ["closed"] });
    expect(Object.keys(workflow("deploy.yml").on ?? {}).sort()).toEqual(["push", "workflow_dispatch"]);
    expect(workflow("deploy.yml").on?.["push"]).toEqual({ branches: ["main"] });
    expect(Object.keys(workflow("janitor.yml").on ?? {}).sort()).toEqual(["schedule", "workflow_dispatch"]);
    const schedule = workflow("janitor.yml").on?.["schedule"] as { cron?: string }[];
    expect(schedule).toHaveLength(1);
    // daily: fixed minute and hour, every day
    expect(schedule[0]?.cron).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);
  });

  it("never uses pull_request_target (it would run PR code with secrets)", () => {
    for (const file of files)
      expect(Object.keys(workflow(file).on ?? {}), file).not.toContain("pull_request_target");
  });

  it("grants only read permissions at workflow level", () => {
    for (const file of files) {
      const perms = workflow(file).permissions;
      expect(perms, file).toBeTypeOf("object");
      expect((perms as Dict)["contents"], file).toBe("read");
      for (const [scope, level] of Object.entries(perms as Dict))
        expect(level, `${file}: ${scope}`).toBe("read");
    }
  });

  it("pins every action by a major version tag", () => {
    for (const file of files) {
      for (const [id, j] of Object.entries(jobsOf(file))) {
        for (const step of j.steps ?? []) {
          if (step.uses === undefined) continue;
          expect(step.uses, `${file}/${id}`).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@v\d+$/);
        }
      }
    }
  });

  it("sets up Node 20 with the npm cache wherever Node is set up", () => {
    let count = 0;
    for (const file of files) {
      for (const j of Object.values(jobsOf(file))) {
        for (const step of j.steps ?? []) {
          if (!(step.uses ?? "").startsWith("actions/setup-node@")) continue;
          count++;
          expect(step.with, file).toMatchObject({ "node-version": 20, cache: "npm" });
        }
      }
    }
    expect(count).toBeGreaterThan(0);
  });
});

describe("ephemeral PR stacks", () => {
  it("pr.yml previews the ephemeral stack pr-${{ github.event.number }} created with --copy-config-from ci", () => {
    expect(stackRefs("pr.yml", "preview-ephemeral")).toEqual([EPHEMERAL_STACK]);
    const pulumi = invocations("pr.yml", "preview-ephemeral", ["pulumi"]);
    const init = pulumi.find((inv) => inv.argv[0] === "stack" && inv.argv[1] === "init");
    expect(init, "pulumi stack init").toBeDefined();
    expect(stacksOfCommand(init?.argv ?? [])).toEqual([EPHEMERAL_STACK]);
    expect(flagValue(init?.argv ?? [], "--copy-config-from")).toBe("ci");
    // idempotent: an existing stack is selected instead of initialised
    const select = pulumi.find((inv) => inv.argv[0] === "stack" && inv.argv[1] === "select");
    expect(stacksOfCommand(select?.argv ?? [])).toEqual([EPHEMERAL_STACK]);
    const preview = pulumiActionIndex("pr.yml", "preview-ephemeral", "preview", EPHEMERAL_STACK);
    expect(preview).toBeGreaterThan(init?.stepIndex ?? Infinity);
    expect(stepsOf("pr.yml", "preview-ephemeral")[preview]?.with?.["comment-on-pr"]).toBe(true);
  });

  it("pr.yml previews ci and prod with refresh and a PR comment", () => {
    const j = job("pr.yml", "preview-stacks");
    expect(j.strategy?.matrix?.["stack"]).toEqual(["ci", "prod"]);
    const i = pulumiActionIndex("pr.yml", "preview-stacks", "preview", "${{ matrix.stack }}");
    expect(i).toBeGreaterThanOrEqual(0);
    expect(stepsOf("pr.yml", "preview-stacks")[i]?.with).toMatchObject({
      refresh: true,
      "comment-on-pr": true,
    });
  });

  it("pr-closed.yml destroys and then removes the same stack pr.yml creates, tolerating a missing stack", () => {
    expect(stackRefs("pr-closed.yml", "destroy-ephemeral")).toEqual([EPHEMERAL_STACK]);
    const pulumi = invocations("pr-closed.yml", "destroy-ephemeral", ["pulumi"]);
    const destroyAt = pulumi.findIndex((inv) => inv.argv[0] === "destroy");
    const rmAt = pulumi.findIndex((inv) => inv.argv[0] === "stack" && inv.argv[1] === "rm");
    expect(destroyAt).toBeGreaterThanOrEqual(0);
    expect(rmAt).toBeGreaterThan(destroyAt);
    expect(pulumi[destroyAt]?.argv).toContain("--yes");
    expect(pulumi[rmAt]?.argv).toContain("--yes");
    expect(stacksOfCommand(pulumi[destroyAt]?.argv ?? [])).toEqual([EPHEMERAL_STACK]);
    expect(stacksOfCommand(pulumi[rmAt]?.argv ?? [])).toEqual([EPHEMERAL_STACK]);
    // existence is checked first and a missing stack ends the step successfully
    const ls = pulumi.findIndex((inv) => inv.argv[0] === "stack" && inv.argv[1] === "ls");
    expect(ls).toBeGreaterThanOrEqual(0);
    expect(ls).toBeLessThan(destroyAt);
    const script =
      stepsOf("pr-closed.yml", "destroy-ephemeral")[pulumi[destroyAt]?.stepIndex ?? -1]?.run ?? "";
    expect(script).toMatch(/exit 0/);
  });

  it("janitor.yml destroys and removes pr-<n> stacks whose PR is not open", () => {
    const find = invocations("janitor.yml", "find-closed", ["pulumi"]);
    expect(
      find.some((inv) => inv.argv[0] === "stack" && inv.argv[1] === "ls" && inv.argv.includes("--json")),
    ).toBe(true);
    const gh = invocations("janitor.yml", "find-closed", ["gh", "pr", "view"]);
    expect(gh).toHaveLength(1);
    expect(flagValue(gh[0]?.argv ?? [], "--json")).toBe("state");
    expect(flagValue(gh[0]?.argv ?? [], "-q", "--jq")).toBe(".state");
    const findStep = stepsOf("janitor.yml", "find-closed")[gh[0]?.stepIndex ?? -1];
    expect(findStep?.env?.["GH_TOKEN"]).toBe("${{ github.token }}");
    expect(findStep?.run).toContain('!= "OPEN"');
    expect(findStep?.run).toContain("pr-(?<n>[0-9]+)$");

    const destroy = job("janitor.yml", "destroy");
    expect(needsOf(destroy)).toEqual(["find-closed"]);
    expect(destroy.strategy?.matrix?.["pr"]).toBe("${{ fromJSON(needs.find-closed.outputs.prs) }}");
    expect(stackRefs("janitor.yml", "destroy")).toEqual(["pr-${{ matrix.pr }}"]);
    const pulumi = invocations("janitor.yml", "destroy", ["pulumi"]);
    const destroyAt = pulumi.findIndex((inv) => inv.argv[0] === "destroy" && inv.argv.includes("--yes"));
    const rmAt = pulumi.findIndex(
      (inv) => inv.argv[0] === "stack" && inv.argv[1] === "rm" && inv.argv.includes("--yes"),
    );
    expect(destroyAt).toBeGreaterThanOrEqual(0);
    expect(rmAt).toBeGreaterThan(destroyAt);
  });

  it("janitor.yml itself never runs twice at once and is never cancelled", () => {
    expect(workflow("janitor.yml").concurrency).toEqual({ group: "janitor", "cancel-in-progress": false });
  });
});

describe("per-stack concurrency", () => {
  const expectedStackJobs: Record<string, string[]> = {
    "pr.yml": ["preview-ephemeral", "preview-stacks"],
    "pr-closed.yml": ["destroy-ephemeral"],
    "deploy.yml": ["ci", "prod"],
    "janitor.yml": ["destroy"],
  };

  it("detects exactly the expected stack-touching jobs in each workflow", () => {
    for (const [file, ids] of Object.entries(expectedStackJobs))
      expect(jobsTouchingStacks(file), file).toEqual(ids);
  });

  it("the stack detection recognises every way a stack is named", () => {
    expect(stacksOfCommand(["up", "--stack", "ci"])).toEqual(["ci"]);
    expect(stacksOfCommand(["destroy", "-s", "prod", "--yes"])).toEqual(["prod"]);
    expect(stacksOfCommand(["stack", "init", "pr-1", "--copy-config-from", "ci"])).toEqual(["pr-1"]);
    expect(stacksOfCommand(["stack", "rm", "--yes", "pr-1"])).toEqual(["pr-1"]);
    expect(stacksOfCommand(["config", "cp", "--stack", "ci", "--dest", "pr-1"])).toEqual(["pr-1"]);
    expect(stacksOfCommand(["stack", "ls", "--json"])).toEqual([]);
    expect(mentionsStack({ steps: [{ run: "pulumi preview" }] })).toBe(true);
    expect(mentionsStack({ steps: [{ run: "pulumi stack ls --json" }] })).toBe(false);
  });

  it("every stack-touching job holds concurrency group pulumi-<stack> with cancel-in-progress false", () => {
    for (const file of files) {
      for (const id of jobsTouchingStacks(file)) {
        const refs = stackRefs(file, id);
        expect(refs, `${file}/${id} names exactly one stack`).toHaveLength(1);
        const c = concurrencyOf(job(file, id));
        expect(c?.group, `${file}/${id}`).toBe(`pulumi-${refs[0]}`);
        expect(c?.["cancel-in-progress"], `${file}/${id}`).toBe(false);
      }
    }
  });

  it("every pulumi CLI command names its stack explicitly", () => {
    for (const file of files) {
      for (const id of Object.keys(jobsOf(file))) {
        for (const inv of invocations(file, id, ["pulumi"])) {
          if (inv.argv[0] === "stack" && inv.argv[1] === "ls") continue;
          expect(stacksOfCommand(inv.argv), `${file}/${id}: ${inv.line}`).toHaveLength(1);
        }
        for (const step of stepsOf(file, id)) {
          if (isPulumiAction(step) && actionCommand(step) !== undefined) {
            expect(step.with?.["stack-name"], `${file}/${id}`).toBeTypeOf("string");
          }
        }
      }
    }
  });

  it("no workflow-level concurrency can cancel a stack job", () => {
    for (const file of files) {
      const c = workflow(file).concurrency;
      if (c === undefined) continue;
      expect(typeof c === "string" ? undefined : c["cancel-in-progress"], file).toBe(false);
    }
  });
});

describe("knob rollout check", () => {
  it("pr.yml runs `npm run knobs -- check --base origin/<base branch> --markdown` on full history", () => {
    const checkout = stepsOf("pr.yml", "knobs").find((s) => (s.uses ?? "").startsWith("actions/checkout@"));
    expect(checkout?.with?.["fetch-depth"]).toBe(0);
    const knobs = invocations("pr.yml", "knobs", ["npm", "run", "knobs", "--"]);
    expect(knobs).toHaveLength(1);
    expect(knobs[0]?.line).toContain("npm run knobs -- check --base");
    expect(knobs[0]?.argv[0]).toBe("check");
    expect(flagValue(knobs[0]?.argv ?? [], "--base")).toBe("origin/${{ github.base_ref }}");
    expect(knobs[0]?.argv).toContain("--markdown");
    expect(knobs[0]?.redirect).toBe("${{ runner.temp }}/knobs-report.md");
  });

  it("pr.yml keeps the exit code, posts the report as a sticky PR comment, then fails on a rule failure", () => {
    const steps = stepsOf("pr.yml", "knobs");
    const knobs = invocations("pr.yml", "knobs", ["npm", "run", "knobs", "--"])[0];
    const checkStep = steps[knobs?.stepIndex ?? -1];
    expect(checkStep?.id).toBe("knobs");
    expect(knobs?.line).toMatch(/\|\| code=\$\?$/);
    expect(checkStep?.run).toContain('echo "exit-code=$code" >> "$GITHUB_OUTPUT"');

    const commentAt = steps.findIndex((s) =>
      (s.uses ?? "").startsWith("marocchino/sticky-pull-request-comment@"),
    );
    expect(commentAt).toBeGreaterThan(knobs?.stepIndex ?? Infinity);
    expect(steps[commentAt]?.with?.["path"]).toBe(knobs?.redirect);
    expect(steps[commentAt]?.with?.["header"]).toBeTypeOf("string");
    expect(steps[commentAt]?.if).toBe(FORK_GUARD);

    const failAt = steps.findIndex((s) => s.env?.["KNOBS_EXIT"] === "${{ steps.knobs.outputs.exit-code }}");
    expect(failAt).toBeGreaterThan(commentAt);
    expect(steps[failAt]?.run).toMatch(/"\$KNOBS_EXIT" != "0"[\s\S]*exit 1/);
    expect(steps[failAt]?.if).toBeUndefined();

    const perms = job("pr.yml", "knobs").permissions as Dict;
    expect(perms).toEqual({ contents: "read", "pull-requests": "write" });
  });

  it("deploy.yml runs the knobs check against HEAD~1 before `pulumi up`, and a failure stops the deploy", () => {
    const checkout = stepsOf("deploy.yml", "ci").find((s) => (s.uses ?? "").startsWith("actions/checkout@"));
    expect(checkout?.with?.["fetch-depth"]).toBe(0);
    const knobs = invocations("deploy.yml", "ci", ["npm", "run", "knobs", "--"]);
    expect(knobs).toHaveLength(1);
    expect(knobs[0]?.line).toContain("npm run knobs -- check --base HEAD~1");
    expect(knobs[0]?.line).not.toMatch(/\|\||;\s*true|set \+e/);
    const step = stepsOf("deploy.yml", "ci")[knobs[0]?.stepIndex ?? -1];
    expect(step?.["continue-on-error"]).toBeUndefined();
    expect(step?.if).toBeUndefined();
    const up = pulumiActionIndex("deploy.yml", "ci", "up", "ci");
    expect(up).toBeGreaterThan(knobs[0]?.stepIndex ?? Infinity);
    // prod is only reachable through the ci job, which ran the check
    expect(needsOf(job("deploy.yml", "prod"))).toContain("ci");
  });
});

describe("deploy order and health gate", () => {
  const HEALTH = { ci: "ci", prod: "prod" } as const;
  /** Where each job writes the stack output talosHealthArgs, and the gate that runs talosctl with it. */
  const HEALTH_ARGS_FILE = "$RUNNER_TEMP/talos-health.json";
  const GATE_SCRIPT = [
    `mapfile -t args < <(jq -er '.[]' "${HEALTH_ARGS_FILE}")`,
    'test "${#args[@]}" -gt 0',
    'talosctl "${args[@]}"',
    "",
  ].join("\n");
  const TALOS_GATE = /^talosctl "\$\{args\[@\]\}"$/m;

  it("deploy.yml runs `pulumi up` on ci in job ci and on prod in job prod", () => {
    expect(pulumiActionIndex("deploy.yml", "ci", "up", "ci")).toBeGreaterThanOrEqual(0);
    expect(pulumiActionIndex("deploy.yml", "prod", "up", "prod")).toBeGreaterThanOrEqual(0);
    expect(stackRefs("deploy.yml", "ci")).toEqual(["ci"]);
    expect(stackRefs("deploy.yml", "prod")).toEqual(["prod"]);
  });

  it("installs talosctl before each `pulumi up`: the program's upgrade commands run it on the runner", () => {
    for (const [jobId, stack] of Object.entries(HEALTH)) {
      const install = stepsOf("deploy.yml", jobId).findIndex((st) =>
        /install -m 0755 talosctl-linux-amd64 "\$RUNNER_TEMP\/bin\/talosctl"/.test(st.run ?? ""),
      );
      const path = stepsOf("deploy.yml", jobId).findIndex((st) =>
        (st.run ?? "").includes('echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"'),
      );
      const up = pulumiActionIndex("deploy.yml", jobId, "up", stack);
      expect([install >= 0, path >= 0, install < up, path < up], jobId).toEqual([true, true, true, true]);
    }
  });

  it("each stack is health-gated after its up: credentials and health arguments from its outputs, then talosctl health and cilium status", () => {
    for (const [jobId, stack] of Object.entries(HEALTH)) {
      const up = pulumiActionIndex("deploy.yml", jobId, "up", stack);
      const outputs = invocations("deploy.yml", jobId, ["pulumi"]).filter(
        (inv) => inv.argv[0] === "stack" && inv.argv[1] === "output",
      );
      expect(outputs.map((o) => o.argv[2]).sort(), jobId).toEqual([
        "kubeconfig",
        "talosHealthArgs",
        "talosconfig",
      ]);
      for (const o of outputs) {
        expect(flagValue(o.argv, "--stack"), jobId).toBe(stack);
        expect(o.stepIndex, jobId).toBeGreaterThan(up);
      }
      const health = outputs.find((o) => o.argv[2] === "talosHealthArgs");
      expect([health?.argv.includes("--json"), health?.redirect], jobId).toEqual([true, HEALTH_ARGS_FILE]);
      const creds = outputs[0]?.stepIndex ?? -1;
      const talos = runIndex("deploy.yml", jobId, TALOS_GATE);
      const cilium = runIndex("deploy.yml", jobId, /^cilium status --wait --wait-duration 10m$/m);
      expect(talos, jobId).toBeGreaterThan(creds);
      expect(stepsOf("deploy.yml", jobId)[talos]?.run, jobId).toBe(GATE_SCRIPT);
      expect(cilium, jobId).toBeGreaterThan(creds);
    }
  });

  describe("the Talos gate's script, run by bash with a stand-in talosctl", () => {
    const hasJq = spawnSync("jq", ["--version"]).status === 0;
    /** Runs the gate with `file` as the health arguments; returns its status and talosctl's argv. */
    const gate = (file: string | undefined) => {
      const dir = mkdtempSync(path.join(tmpdir(), "gate-"));
      const bin = path.join(dir, "bin");
      mkdirSync(bin);
      writeFileSync(path.join(bin, "talosctl"), '#!/bin/sh\nprintf \'%s\\n\' "$@" > "$RUNNER_TEMP/argv"\n');
      chmodSync(path.join(bin, "talosctl"), 0o755);
      if (file !== undefined) writeFileSync(path.join(dir, "talos-health.json"), file);
      // GitHub runs a step's script with `bash -e` and no rc files (a bash whose stdin is a socket,
      // as node's pipes are, would read ~/.bashrc).
      const r = spawnSync("bash", ["--noprofile", "--norc", "-e", "-c", GATE_SCRIPT], {
        env: { PATH: `${bin}:${process.env.PATH ?? ""}`, RUNNER_TEMP: dir },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      const argv = existsSync(path.join(dir, "argv")) ? readFileSync(path.join(dir, "argv"), "utf8") : null;
      return { status: r.status, argv: argv === null ? null : argv.split("\n").slice(0, -1) };
    };
    const ARGS = [
      "--endpoints",
      "198.51.100.96",
      "--nodes",
      "198.51.100.96",
      "health",
      "--wait-timeout",
      "10m",
    ];

    it.skipIf(!hasJq)(
      "passes talosctl the output's arguments one by one (needs jq, as GitHub's runners have; skipped without)",
      () => {
        expect(gate(JSON.stringify(ARGS, null, 2))).toEqual({ status: 0, argv: ARGS });
      },
    );

    it.skipIf(!hasJq)(
      "fails without calling talosctl on a missing, empty or broken file (needs jq; skipped without)",
      () => {
        for (const file of [undefined, "[]", "", "not json"]) {
          expect(gate(file), String(file)).toEqual({ status: 1, argv: null });
        }
      },
    );
  });

  it("cluster credentials are written under $RUNNER_TEMP with umask 077 and never printed", () => {
    for (const jobId of Object.keys(HEALTH)) {
      for (const inv of invocations("deploy.yml", jobId, ["pulumi"])) {
        if (!inv.argv.includes("--show-secrets")) continue;
        expect(inv.redirect, inv.line).toMatch(/^\$RUNNER_TEMP\/[a-z]+$/);
        const script = stepsOf("deploy.yml", jobId)[inv.stepIndex]?.run ?? "";
        expect(script.indexOf("umask 077"), jobId).toBeGreaterThanOrEqual(0);
        expect(script.indexOf("umask 077"), jobId).toBeLessThan(script.indexOf("--show-secrets"));
      }
      for (const step of stepsOf("deploy.yml", jobId)) {
        expect(step.run ?? "", jobId).not.toMatch(/\b(cat|head|tail|less)\b[^\n]*(talosconfig|kubeconfig)/);
      }
    }
  });

  it("talosctl and cilium CLI are pinned to exact versions and checksum-verified", () => {
    const env = stringMap(workflow("deploy.yml").env);
    expect(env["TALOSCTL_VERSION"]).toMatch(/^v1\.\d+\.\d+$/);
    expect(env["CILIUM_CLI_VERSION"]).toMatch(/^v0\.\d+\.\d+$/);
    for (const jobId of Object.keys(HEALTH)) {
      const i = runIndex(
        "deploy.yml",
        jobId,
        /siderolabs\/talos\/releases\/download\/\$\{TALOSCTL_VERSION\}/,
      );
      const script = stepsOf("deploy.yml", jobId)[i]?.run ?? "";
      expect(script).toContain("cilium/cilium-cli/releases/download/${CILIUM_CLI_VERSION}/");
      expect(script.match(/sha256sum --check/g) ?? []).toHaveLength(2);
    }
  });

  it("prod needs the ci job (which holds ci's up and health gate) and runs in environment production", () => {
    const gate = Object.keys(jobsOf("deploy.yml")).filter(
      (id) =>
        pulumiActionIndex("deploy.yml", id, "up", "ci") >= 0 &&
        runIndex("deploy.yml", id, /^talosctl "\$\{args\[@\]\}"$/m) >= 0 &&
        runIndex("deploy.yml", id, /^cilium status --wait/m) >= 0,
    );
    expect(gate).toEqual(["ci"]);
    const prod = job("deploy.yml", "prod");
    expect(needsOf(prod)).toEqual(["ci"]);
    const env = prod.environment;
    expect(typeof env === "string" ? env : env?.name).toBe("production");
    expect(job("deploy.yml", "ci").environment).toBeUndefined();
  });
});

describe("fork pull requests", () => {
  it("pr.yml jobs that use secrets are exactly the previews, and each excludes forks", () => {
    const jobs = jobsOf("pr.yml");
    const withSecrets = Object.keys(jobs)
      .filter((id) => usesSecrets(jobs[id]))
      .sort();
    expect(withSecrets).toEqual(["preview-ephemeral", "preview-stacks"]);
    for (const id of withSecrets) expect(jobs[id]?.if, id).toBe(FORK_GUARD);
    expect(usesSecrets(workflow("pr.yml").env)).toBe(false);
  });

  it("test and knobs jobs in pr.yml run for forks too", () => {
    for (const id of ["test", "knobs"]) {
      expect(job("pr.yml", id).if, id).toBeUndefined();
      expect(usesSecrets(job("pr.yml", id)), id).toBe(false);
    }
    const runs = stepsOf("pr.yml", "test").map((s) => s.run);
    expect(runs).toEqual(expect.arrayContaining(["npm ci", "npm test"]));
    expect(runs.indexOf("npm ci")).toBeLessThan(runs.indexOf("npm test"));
  });

  it("pr-closed.yml only runs for PRs from this repository", () => {
    expect(job("pr-closed.yml", "destroy-ephemeral").if).toBe(FORK_GUARD);
  });
});

describe("secret hygiene", () => {
  it("references only the allowed repository secrets", () => {
    const used = new Set<string>();
    for (const file of files) {
      const text = rawText.get(file) ?? "";
      expect(text, file).not.toMatch(/secrets\s*\[/);
      for (const m of text.matchAll(/\bsecrets\.([A-Za-z0-9_]+)/g)) used.add(m[1] ?? "");
    }
    for (const name of used) expect(ALLOWED_SECRETS.has(name), name).toBe(true);
    expect([...used].sort()).toEqual(["HCLOUD_TOKEN", "PULUMI_ACCESS_TOKEN"]);
  });

  it("uses secrets only as whole `${{ secrets.X }}` env values, never inline in scripts or inputs", () => {
    for (const file of files) {
      const text = rawText.get(file) ?? "";
      expect(text.replace(/\$\{\{[\s\S]*?\}\}/g, ""), file).not.toMatch(/secrets\./);
      for (const leaf of stringLeaves(workflow(file))) {
        if (!leaf.value.includes("secrets.")) continue;
        const where = `${file}: ${leaf.path.join(".")}`;
        expect(leaf.path[leaf.path.length - 2], where).toBe("env");
        expect(leaf.value, where).toMatch(/^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
      }
    }
  });

  it("contains no literal token-looking strings", () => {
    const patterns = [
      /pul-[0-9a-f]{40}/i,
      /\b[A-Za-z0-9]{64}\b/,
      /\bgh[pousr]_[A-Za-z0-9]{20,}/,
      /github_pat_[A-Za-z0-9_]{20,}/,
      /-----BEGIN/,
    ];
    for (const file of files) {
      for (const re of patterns) expect(rawText.get(file) ?? "", `${file}: ${String(re)}`).not.toMatch(re);
    }
  });

  it("steps that handle secrets never enable shell tracing", () => {
    let handling = 0;
    for (const file of files) {
      for (const id of Object.keys(jobsOf(file))) {
        for (const step of stepsOf(file, id)) {
          const env = effectiveEnv(file, id, step);
          const handles = usesSecrets(env) || (step.run ?? "").includes("--show-secrets");
          if (!handles || step.run === undefined) continue;
          handling++;
          expect(step.run, `${file}/${id}`).not.toMatch(
            /\bset\s+-[A-Za-z]*x|set\s+-o\s+xtrace|\bbash\s+-[A-Za-z]*x/,
          );
          expect(step.shell ?? "", `${file}/${id}`).not.toMatch(/-[A-Za-z]*x/);
        }
      }
    }
    expect(handling).toBeGreaterThan(0);
  });

  it("never echoes a secret or a secret-bearing variable", () => {
    const secretVars = /\$\{?(PULUMI_ACCESS_TOKEN|HCLOUD_TOKEN|GH_TOKEN|GITHUB_TOKEN)\b/;
    for (const file of files) {
      for (const id of Object.keys(jobsOf(file))) {
        for (const step of stepsOf(file, id)) {
          for (const line of scriptLines(step.run ?? "")) {
            if (!/\b(echo|printf)\b/.test(line)) continue;
            expect(line, `${file}/${id}`).not.toMatch(secretVars);
            expect(line, `${file}/${id}`).not.toContain("secrets.");
          }
        }
      }
    }
  });
});
