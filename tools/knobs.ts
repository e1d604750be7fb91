/**
 * `npm run knobs -- check [--base <git ref>] [--json | --markdown] [--repo <dir>] [--now <ISO date>]`:
 * the knob rollout check (datapath.md §4). Compares the working tree's stack files (the new state)
 * with the base, applies one knob per change, the soak gate and the stack file rules, and prints the
 * rollout report. Exit codes: 0 every rule passes; 1 a rule failed (each message also on stderr);
 * 2 a usage error or a repository that cannot be read.
 */
import { resolve } from "node:path";
import { rolloutCheck, type KnobsReport } from "../components/datapath/rollout";
import { renderMarkdown, renderText } from "../components/datapath/rollout-render";
import { loadRolloutInput } from "./knobs-git";

/** The usage text (printed with every usage error). */
export const USAGE = `usage: npm run knobs -- check [--base <git ref>] [--json | --markdown] [--repo <dir>] [--now <ISO date>]
  --base <ref>     compare the stack files with this git ref (default: the merge-base of HEAD and
                   origin/main when origin/main exists, else HEAD~1); the working tree is the new state
  --json           print the report as JSON
  --markdown       print the report as Markdown (the PR comment)
  --repo <dir>     the project directory holding Pulumi.ci.yaml and Pulumi.prod.yaml (default: .)
  --now <date>     measure soaks up to this ISO 8601 time instead of the clock (what-if, tests)
exit codes: 0 every rule passes, 1 a rule failed, 2 usage error or unreadable repository`;

/** A command line the check does not understand. */
export class UsageError extends Error {}

/** The parsed command line of `check`. */
export interface CheckArgs {
  readonly base?: string;
  readonly format: "text" | "json" | "markdown";
  readonly repo: string;
  readonly now: Date;
}

/** A flag's value, or a usage error when it is missing. */
function valueAfter(argv: readonly string[], i: number): string {
  const v = argv[i + 1];
  if (v === undefined || v.startsWith("--")) throw new UsageError(`${argv[i]} needs a value`);
  return v;
}

/** Parses `check`'s command line; throws a UsageError on anything unexpected. */
export function parseArgs(
  argv: readonly string[],
  cwd: string,
  clock: () => Date = () => new Date(),
): CheckArgs {
  if (argv[0] !== "check")
    throw new UsageError(argv[0] ? `unknown command ${JSON.stringify(argv[0])}` : "no command");
  let base: string | undefined;
  let repo = cwd;
  let now: Date | undefined;
  const formats: CheckArgs["format"][] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--json") formats.push("json");
    else if (a === "--markdown") formats.push("markdown");
    else if (a === "--base") base = valueAfter(argv, i++);
    else if (a === "--repo") repo = resolve(cwd, valueAfter(argv, i++));
    else if (a === "--now") {
      const value = valueAfter(argv, i++);
      now = new Date(value);
      if (Number.isNaN(now.getTime())) throw new UsageError(`--now ${value}: not an ISO 8601 date`);
    } else throw new UsageError(`unexpected argument ${JSON.stringify(a)}`);
  }
  if (formats.length > 1) throw new UsageError("--json and --markdown exclude each other");
  return { base, format: formats[0] ?? "text", repo, now: now ?? clock() };
}

/** Runs the check on the repository at `root` (the library form of the command, for tests and tools). */
export function check(root: string, options: { readonly base?: string; readonly now: Date }): KnobsReport {
  return rolloutCheck(loadRolloutInput(root, options));
}

/** The report in the asked format. */
export function render(report: KnobsReport, format: CheckArgs["format"]): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  return format === "markdown" ? renderMarkdown(report) : `${renderText(report)}\n`;
}

/** Where the command writes: the process's streams, or a test's buffers. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

const PROCESS_IO: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** The command: returns the exit code. */
export function main(argv: readonly string[], cwd: string, io: Io = PROCESS_IO): number {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  let args: CheckArgs;
  try {
    args = parseArgs(argv, cwd);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`${err.message}\n${USAGE}\n`);
    return 2;
  }
  let report: KnobsReport;
  try {
    report = check(args.repo, args);
  } catch (err) {
    io.err(`knobs check could not run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  io.out(render(report, args.format));
  for (const v of report.violations) io.err(`✗ ${v.message}\n`);
  return report.ok ? 0 : 1;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2), process.cwd());
