/**
 * `npm run check -- [--base <git ref>] [--json | --markdown] [--out <file>] [--repo <dir>]
 * [--now <ISO date>] [--charts <dir>]` (alias `npm run knobs -- check`, which the workflows run): the change check.
 * Compares the working tree's stack files (the new state) with the base. Knobs (datapath.md §4): one
 * knob per change, the soak gate and the stack file rules, the Cilium chart rendered for both sides of
 * each stack (`helm template`, tools/helm-template.ts), the rollout report. Settings: for each stack
 * whose settings move, what the change does to every resource (the offline plan of both sides,
 * tools/changes.ts) and the quorum rule, whose refusals are violations ("quorum"). Exit codes: 0 every
 * rule passes; 1 a rule failed (each message also on stderr); 2 a usage error or a repository that
 * cannot be read.
 */
// First: keeps the SDK's closure serialization out of the start-up (the settings side runs the program).
import "./defer-sdk";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { CILIUM_CHART_DIGESTS } from "../components/cilium/release";
import { STACKS, readStackText, type StackName } from "../components/datapath/history";
import { rolloutCheck, type KnobsReport, type RolloutInput } from "../components/datapath/rollout";
import { renderMarkdown, renderText } from "../components/datapath/rollout-render";
import { renderDiff, type Render, type RenderDiff } from "../components/datapath/render-diff";
import {
  releaseOf,
  sameRelease,
  type ReleaseRender,
  type RenderOutcome,
} from "../components/datapath/render-report";
import { chartArchive, helmTemplate, pullCacheDir, type Archive } from "./helm-template";
import { DEPLOYED, loadRolloutInput } from "./knobs-git";
import { settingsCheck, type ChangeOptions, type SettingsReport } from "./changes";
import { callerDir, causeOf, emit, HelpRequested, parseCli, UsageError } from "./cli";
import { settingsMarkdown, settingsText } from "../components/config/changes";
import type { Violation } from "../components/datapath/history";

/** The usage text (printed with every usage error). */
export const USAGE = `usage: npm run check -- (or: npm run knobs -- check) [--base <git ref>] [--json | --markdown] [--out <file>] [--repo <dir>] [--now <ISO date>] [--charts <dir>]
  --base <ref>     compare the stack files with this git ref (default: the merge-base of HEAD and
                   origin/main when origin/main exists, else HEAD~1); the working tree is the new state
  --json           print the report as JSON
  --markdown       print the report as Markdown (the PR comment)
  --out <file>     write the report into <file> instead of stdout (violations still go to stderr); the
                   JSON path that npm's "> script" banner cannot break
  --repo <dir>     the project directory holding Pulumi.ci.yaml and Pulumi.prod.yaml (default: the project)
  --now <date>     measure soaks, and judge the roll window, at this ISO 8601 time instead of the clock
                   (what-if, tests); with --base deployed (the deploy) a change that rolls the agents
                   fails while the stack's rollWindow is closed
  --charts <dir>   render the Cilium chart from <dir>/cilium-<version>.tgz (default: helm pull it by version
                   into ~/.cache/hcloud-talos-cilium/charts); the archive must match its pinned sha256.
                   Without helm or a verified archive the report falls back to the catalogue's prediction
  Paths are relative to the directory you ran the command in (under npm run: INIT_CWD).
exit codes: 0 every rule passes, 1 a rule failed, 2 usage error or unreadable repository`;

/** The parsed command line of `check`. */
export interface CheckArgs {
  readonly base?: string;
  readonly format: "text" | "json" | "markdown";
  readonly repo: string;
  readonly now: Date;
  /** A folder with the chart archives to render (`--charts`); undefined: pull them. */
  readonly charts?: string;
  /** Where the report goes (`--out`, an absolute path); undefined: stdout. */
  readonly out?: string;
}

const CHECK_OPTIONS = {
  base: { type: "string" },
  json: { type: "boolean" },
  markdown: { type: "boolean" },
  out: { type: "string" },
  repo: { type: "string" },
  now: { type: "string" },
  charts: { type: "string" },
} as const;

/**
 * Parses `check`'s command line (`util.parseArgs`: `--base=HEAD` and `--base HEAD` alike); throws a
 * UsageError on anything unexpected. `project` is the default repository (the package root, where
 * npm runs the script); the paths given resolve against `caller`, the directory the command was run in.
 */
export function parseArgs(
  argv: readonly string[],
  project: string,
  clock: () => Date = () => new Date(),
  caller: string = project,
): CheckArgs {
  const { values, positionals } = parseCli(argv, CHECK_OPTIONS, USAGE, true);
  const [command, ...extra] = positionals;
  if (command !== "check")
    throw new UsageError(command ? `unknown command ${JSON.stringify(command)}` : "no command");
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (values.json && values.markdown) throw new UsageError("--json and --markdown exclude each other");
  const now = values.now === undefined ? clock() : new Date(values.now);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now ${values.now}: not an ISO 8601 date`);
  const path = (p: string | undefined) => (p === undefined ? undefined : resolve(caller, p));
  return {
    base: values.base,
    format: values.json ? "json" : values.markdown ? "markdown" : "text",
    repo: path(values.repo) ?? project,
    now,
    charts: path(values.charts),
    out: path(values.out),
  };
}

/** How the check renders the chart. */
export interface RenderOptions {
  /** A folder with `cilium-<version>.tgz` archives; undefined: `helm pull` into `pullCache`. */
  readonly charts?: string;
  /** @default pullCacheDir() */
  readonly pullCache?: string;
  /** The helm executable. @default "helm" */
  readonly helm?: string;
  /** The render cache (tools/helm-template.ts). @default renderCacheDir() */
  readonly renderCache?: string | false;
}

/** The verified archive of a release's chart (tools/helm-template.ts checks the pinned digest). */
function archiveOf(r: ReleaseRender, opts: RenderOptions): Archive {
  return chartArchive({
    name: r.chart,
    version: r.version,
    repo: r.repo,
    digest: CILIUM_CHART_DIGESTS[r.version],
    charts: opts.charts,
    pullCache: opts.pullCache ?? pullCacheDir(),
    helm: opts.helm,
  });
}

/** The diff of a release with itself when it was not rendered: nothing changes, no workload listed. */
const SAME: RenderDiff = {
  identical: true,
  workloads: [],
  config: [],
  other: { added: [], removed: [], changed: [] },
};

/** One side's render, or the chart's error. */
function renderSide(r: ReleaseRender, archive: string, opts: RenderOptions): Render | { error: string } {
  const out = helmTemplate(archive, r.values, {
    release: r.release,
    namespace: r.namespace,
    kubeVersion: r.kubeVersion,
    helm: opts.helm,
    cache: opts.renderCache,
  });
  return out.ok ? out : { error: out.error };
}

/**
 * Renders a stack's base and working-tree release with the real chart and diffs them. Only what needs
 * rendering is rendered: equal release inputs render equal objects (tools/helm-template.ts,
 * `renderKey`), so they are rendered once, to list the workloads; renders repeat from the cache.
 */
export function renderStack(
  stack: StackName,
  texts: RolloutInput["files"][StackName],
  opts: RenderOptions,
): RenderOutcome {
  const file = (t: string | undefined) => readStackText(t).file;
  const head = releaseOf(stack, file(texts.now));
  if (!head.ok)
    return {
      rendered: false,
      reason: "unresolved",
      side: "head",
      message: `Pulumi.${stack}.yaml does not resolve: ${head.problem}`,
    };
  const base = releaseOf(stack, file(texts.base));
  if (!base.ok) {
    const message = `the base's Pulumi.${stack}.yaml does not resolve with this tree's rules: ${base.problem}`;
    return { rendered: false, reason: "unresolved", side: "base", message };
  }
  const sides = [base.release, head.release] as const;
  const sameInputs = sameRelease(base.release, head.release);
  const archives = sides.map((r) => archiveOf(r, opts));
  for (const [i, a] of archives.entries()) {
    if (a.ok) continue;
    // Equal inputs render equal objects: that much is known without helm (the workloads are not listed).
    if (sameInputs)
      return {
        rendered: true,
        chart: `${head.release.chart} ${head.release.version}`,
        sameInputs,
        diff: SAME,
      };
    return { rendered: false, reason: a.reason, side: i === 0 ? "base" : "head", message: a.message };
  }
  const [ab, ah] = archives as [Extract<Archive, { ok: true }>, Extract<Archive, { ok: true }>];
  const after = renderSide(head.release, ah.path, opts);
  if ("error" in after) return { rendered: false, reason: "chart-error", side: "head", message: after.error };
  const before = sameInputs ? after : renderSide(base.release, ab.path, opts);
  if ("error" in before)
    return { rendered: false, reason: "chart-error", side: "base", message: before.error };
  const [vb, vh] = [
    `${base.release.chart} ${base.release.version}`,
    `${head.release.chart} ${head.release.version}`,
  ];
  return {
    rendered: true,
    chart: vb === vh ? vh : `${vb} → ${vh}`,
    digest: ab.digest === ah.digest ? ah.digest : `${ab.digest} → ${ah.digest}`,
    helm: ah.helm,
    sameInputs,
    diff: renderDiff(before, after),
  };
}

/**
 * The code that decides a stack's release inputs: the baseline values, the knobs' Helm bindings and
 * defaults, the release settings, the cluster settings' defaults (chart and Kubernetes version). A
 * change there moves the Helm values of every stack at once.
 */
export const VALUES_CODE = [
  "components/cilium/values.ts",
  "components/knobs/catalogue.ts",
  "components/knobs/knob.ts",
  "components/agent-roll/plan.ts",
  "components/cilium/release.ts",
  "components/config/settings.ts",
  "components/config/resolve.ts",
];

/** The values-code files that differ between `commit` and the working tree (none outside a project). */
function codeChanges(root: string, commit: string): string[] {
  try {
    const out = execFileSync("git", ["diff", "--name-only", commit, "--", ...VALUES_CODE], {
      cwd: root,
      encoding: "utf8",
      stdio: "pipe",
    });
    return out.split("\n").filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Whether the check refuses a roll outside the roll window: with `--base deployed`, the deploy's own
 * check before `pulumi up` (components/datapath/rollout-agents.ts says why there).
 */
export function enforcesWindow(base: string | undefined): boolean {
  return base === DEPLOYED;
}

/** Runs the check on the repository at `root` (the library form of the command, for tests and tools). */
export function check(
  root: string,
  options: { readonly base?: string; readonly now: Date } & RenderOptions,
): KnobsReport {
  const input = loadRolloutInput(root, options);
  const render = Object.fromEntries(STACKS.map((s) => [s, renderStack(s, input.files[s], options)]));
  return rolloutCheck({
    ...input,
    render,
    // Against each stack's base: with --base deployed, prod's can be older than ci's.
    codeChanges: [
      ...new Set(
        Object.values(input.baseCommits ?? { ci: input.baseCommit }).flatMap((c) => codeChanges(root, c)),
      ),
    ].sort(),
    enforceWindow: enforcesWindow(options.base),
  });
}

/** The whole change check: the knobs' report, and what the settings change does to the resources. */
export interface ChangeReport extends KnobsReport {
  /** Per stack, what its settings change does (undefined: no setting moved); see tools/changes.ts. */
  readonly settings: SettingsReport;
}

/**
 * The whole check on the repository at `root`: the knob check (`check`), then, for every stack whose
 * settings move, the offline plan of base and head diffed per resource and the quorum rule, whose
 * refusals join the violations (rule "quorum").
 */
export async function fullCheck(
  root: string,
  options: { readonly base?: string; readonly now: Date } & RenderOptions,
  changes: ChangeOptions = {},
): Promise<ChangeReport> {
  const report = check(root, options);
  const settings = await settingsCheck(root, options, changes);
  const quorum = STACKS.flatMap((stack) =>
    (settings[stack]?.refusals ?? []).map((p): Violation => ({
      rule: "quorum",
      stack,
      message: `Pulumi.${stack}.yaml: ${p.message}`,
    })),
  );
  const violations = [...report.violations, ...quorum];
  return { ...report, settings, violations, ok: violations.length === 0 };
}

/** The settings part of the report, in text or Markdown (nothing when no stack's settings moved). */
function settingsPart(report: ChangeReport, format: "text" | "markdown"): string {
  const parts = STACKS.flatMap((stack) => {
    const c = report.settings[stack];
    if (!c) return [];
    return format === "text" ? settingsText(stack, c) : settingsMarkdown(stack, c);
  });
  if (parts.length === 0) return "";
  const title =
    format === "text"
      ? "settings: what the change does to the running cluster (the offline plan of base and head)"
      : "#### Settings: what the change does to the running cluster";
  return `${[title, ...(format === "text" ? parts : ["", ...parts])].join("\n")}\n`;
}

/** The report in the asked format. */
export function render(report: KnobsReport | ChangeReport, format: CheckArgs["format"]): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  const knobs = format === "markdown" ? renderMarkdown(report) : `${renderText(report)}\n`;
  return "settings" in report ? `${knobs}\n${settingsPart(report, format)}` : knobs;
}

/** Where the command writes: the process's streams, or a test's buffers. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const PROCESS_IO: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** The command: resolves to the exit code. `caller`: the directory the command was run in. */
export async function main(
  argv: readonly string[],
  cwd: string,
  io: Io = PROCESS_IO,
  changes: ChangeOptions = {},
  caller: string = cwd,
): Promise<number> {
  let args: CheckArgs;
  try {
    args = parseArgs(argv, cwd, undefined, caller);
  } catch (err) {
    if (err instanceof HelpRequested) {
      io.out(`${err.usage}\n`);
      return 0;
    }
    if (!(err instanceof UsageError)) throw err;
    // parseCli's messages carry the usage already.
    io.err(err.message.endsWith(USAGE) ? `${err.message}\n` : `${err.message}\n${USAGE}\n`);
    return 2;
  }
  let report: ChangeReport;
  try {
    report = await fullCheck(args.repo, args, changes);
  } catch (err) {
    io.err(`knobs check could not run: ${causeOf(err)}\n`);
    return 2;
  }
  const text = render(report, args.format);
  if (args.out === undefined) io.out(text);
  else emit(text, args.out);
  for (const v of report.violations) io.err(`✗ ${v.message}\n`);
  return report.ok ? 0 : 1;
}

if (require.main === module) {
  // npm runs the script in the package root (the default repository); paths given are the caller's.
  void main(process.argv.slice(2), process.cwd(), PROCESS_IO, {}, callerDir()).then((code) => {
    process.exitCode = code;
  });
}
