/**
 * What every command-line tool of the project shares: its arguments parsed with Node's own
 * `util.parseArgs` (so `--stack=ci` and `--stack ci` both work, and an unknown or valueless option is
 * refused with the tool's usage), paths resolved against the directory the user ran the command in,
 * `--out FILE` for the JSON, and an error shown once, without the SDK's wrappers.
 *
 * Why `INIT_CWD`: `npm run` starts a script in the package root, "regardless of what the current working
 * directory is", and puts "the full path you were in when you ran `npm run`" in `INIT_CWD` (npm 11
 * docs/content/commands/npm-run.md:57-58, and using-npm/scripts.md:230-233;
 * https://docs.npmjs.com/cli/v11/commands/npm-run). A tool started directly (`node --require ./tools/ts-loader.cjs
 * tools/…`) has no `INIT_CWD`, and its own working directory is the caller's.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs, type ParseArgsConfig } from "node:util";

/** A command line the tool cannot run: exit 2 with the message and the usage. */
export class UsageError extends Error {}

/** `--help` or `-h`: the usage on stdout, exit 0. */
export class HelpRequested extends Error {
  constructor(readonly usage: string) {
    super(usage);
  }
}

/** The options of a tool: `util.parseArgs`' own shape. */
export type CliOptions = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses a tool's arguments strictly (`util.parseArgs` with `strict: true`): an unknown option, a
 * missing value or a stray positional is a {@link UsageError} naming it, followed by the usage.
 * `--help` or `-h` (before any `--`) is a {@link HelpRequested}.
 */
export function parseCli<const O extends CliOptions>(
  argv: readonly string[],
  options: O,
  usage: string,
  allowPositionals = false,
) {
  const end = argv.indexOf("--");
  if ((end === -1 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h"))
    throw new HelpRequested(usage);
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals });
  } catch (err) {
    throw new UsageError(`${err instanceof Error ? err.message : String(err)}\n${usage}`);
  }
}

/** The directory the user ran the command in: npm's `INIT_CWD` under `npm run`, else the process's own. */
export function callerDir(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  return env.INIT_CWD || cwd;
}

/** A path the user typed, resolved against the directory they ran the command in. */
export function fromCaller(path: string, env: NodeJS.ProcessEnv = process.env, cwd?: string): string {
  return resolve(callerDir(env, cwd), path);
}

/**
 * Writes a tool's result: into `out` (resolved against the caller's directory; its folder is created)
 * when given, else on stdout. `--out` is the JSON path that no banner of `npm run` can break.
 */
export function emit(text: string, out: string | undefined, env: NodeJS.ProcessEnv = process.env): void {
  const body = text.endsWith("\n") ? text : `${text}\n`;
  if (out === undefined) {
    process.stdout.write(body);
    return;
  }
  const file = fromCaller(out, env);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, body);
}

/**
 * The Pulumi SDK's wrappers around an error raised while it serializes inputs: each nesting level
 * prefixes the same error's message with `error serializing property "<name>": ` (@pulumi/pulumi
 * 3.270.0 runtime/rpc.js:137-145, "rethrow the *same* error so its identity is preserved"), and an
 * invoke logs it again as `Error serializing arguments for invoke <token>: ` (runtime/invoke.js:165-167).
 * They say where in the object graph the failed output sat, not what failed.
 */
const SDK_WRAPPER =
  /^(?:error serializing property "[^"]*": |Error serializing arguments for (?:invoke|call) \S+: )(?:Error: )?/i;

/** An error's message without the SDK's serialization wrappers: the cause, once. */
export function causeOf(err: unknown): string {
  let message = err instanceof Error ? err.message : String(err);
  while (SDK_WRAPPER.test(message)) message = message.replace(SDK_WRAPPER, "");
  return message;
}

/** What a tool's failure becomes: the usage on stdout with exit 0 for `--help`, else the cause on stderr, exit 2. */
export function failureOf(name: string, err: unknown): { code: number; stdout?: string; stderr?: string } {
  if (err instanceof HelpRequested) return { code: 0, stdout: `${err.usage}\n` };
  return { code: 2, stderr: `${name}: ${causeOf(err)}\n` };
}

/**
 * Runs a tool's `main` as the process: its exit code, or (`failureOf`) the usage for `--help`, or exit
 * 2 with the usage or the error's cause (prefixed with the tool's name) on stderr.
 */
export function runCli(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      const failure = failureOf(name, err);
      if (failure.stdout) process.stdout.write(failure.stdout);
      if (failure.stderr) process.stderr.write(failure.stderr);
      process.exitCode = failure.code;
    },
  );
}
