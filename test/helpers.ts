/**
 * Test helpers: the real stack files resolved, specs with overrides, and the public reference files
 * in test/fixtures (see test/fixtures/SOURCES.md). A test that needs a file or a tool that is
 * missing skips with a message naming it, except under `CI`, where it fails instead.
 */
import { spawn, spawnSync } from "node:child_process";
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "vitest";
import { registrationsOf, type EngineRecord, type Registration } from "../tools/mock-engine";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { resolveStackConfig, type RawConfig, type Resolution } from "../components/config/resolve";
import type { ClusterSpec } from "../components/config/spec";
import { pathToFileURL } from "node:url";
import { ROOT, runProgram, type ProgramLoader, type ProgramRun } from "../tools/planner";
import { projectKeys } from "../components/config/stack-file";
import { loadStackConfig } from "../tools/stack-files";
import { helmVersion } from "../tools/helm-template";
import { deepFreeze } from "./shared-state";

export { ROOT };

/**
 * The prod stack's servers as its stack file plans them (Pulumi.prod.yaml: three cpx32 control planes,
 * one pool of three cpx42 workers; addresses from 11 and 21), in plan order: the one spelled-out list the
 * tests compare the node plan, the program and the plan's JSON with.
 */
export const PROD_SERVERS = [
  { name: "prod-cp-1", role: "controlplane", pool: "cp", type: "cpx32", ip: "10.0.1.11" },
  { name: "prod-cp-2", role: "controlplane", pool: "cp", type: "cpx32", ip: "10.0.1.12" },
  { name: "prod-cp-3", role: "controlplane", pool: "cp", type: "cpx32", ip: "10.0.1.13" },
  { name: "prod-workers-1", role: "worker", pool: "workers", type: "cpx42", ip: "10.0.1.21" },
  { name: "prod-workers-2", role: "worker", pool: "workers", type: "cpx42", ip: "10.0.1.22" },
  { name: "prod-workers-3", role: "worker", pool: "workers", type: "cpx42", ip: "10.0.1.23" },
] as const;

/** The prod servers' names, in plan order. */
export const PROD_NODE_NAMES: readonly string[] = PROD_SERVERS.map((s) => s.name);

/** The raw config of a real stack file (with Pulumi.yaml's defaults), without the namespace. */
export function stackRaw(stack: "ci" | "prod"): RawConfig {
  return projectKeys(loadStackConfig(ROOT, join(ROOT, `Pulumi.${stack}.yaml`)).config);
}

/** Resolves a real stack file with some keys overridden (YAML-typed values, as in a stack file). */
export function resolveWith(overrides: RawConfig, stack: "ci" | "prod" = "ci"): Resolution {
  return resolveStackConfig({ ...stackRaw(stack), ...overrides }, stack);
}

/** The spec of a real stack, with overrides; throws with the problems when invalid. */
export function specOf(stack: "ci" | "prod", overrides: RawConfig = {}): ClusterSpec {
  const r = resolveWith(overrides, stack);
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join("\n"));
  return r.spec;
}

/** The messages of a resolution's problems. */
export function problemsOf(r: Resolution): string[] {
  return r.ok ? [] : r.problems.map((p) => p.message);
}

/** The public reference data the tests read, in the repository (each file's source: SOURCES.md there). */
export const REFERENCE = resolve(ROOT, "test/fixtures");

/**
 * Whether the environment is a CI run: `CI` set to anything but "" or "false". GitHub Actions sets
 * `CI=true` on every runner (docs.github.com, "Store information in variables", default variables);
 * our CI runs `.ci/run` with `CI=true`.
 */
export function underCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== "" && ci.toLowerCase() !== "false";
}

/**
 * `value` when present; when absent, undefined (the test skips and says why), or, under `CI`, an
 * error naming what is missing: a CI run never passes by skipping the test that needed it.
 */
export function neededUnderCi<T>(
  what: string,
  value: T | undefined,
  env: NodeJS.ProcessEnv = process.env,
): T | undefined {
  if (value === undefined && underCi(env)) {
    throw new Error(
      `${what} is missing, and CI is set: the tests that need it fail instead of skipping. Fix: restore it (test/fixtures/SOURCES.md says where each fixture comes from), or install the tool.`,
    );
  }
  return value;
}

/** A fixture's path and whether it is present; a missing one throws under `CI` (see {@link neededUnderCi}). */
export function reference(
  relative: string,
  env: NodeJS.ProcessEnv = process.env,
): { path: string; present: boolean; read: () => string } {
  const path = join(REFERENCE, relative);
  const present =
    neededUnderCi(`the test fixture ${path}`, existsSync(path) ? true : undefined, env) === true;
  return { path, present, read: () => readFileSync(path, "utf8") };
}

/** Helm's version when a `helm` is on PATH (a real Helm, or ../shared/bin/helm offline); under `CI` its absence fails. */
export function helmOnPath(): string | undefined {
  return neededUnderCi("helm on PATH (a real Helm, or ../shared/bin/helm offline)", helmVersion());
}

let runs = 0;

/** Under vitest, a new query string makes the module runner evaluate `index.ts` again. */
export const importFresh: ProgramLoader = (entry) =>
  import(/* @vite-ignore */ `${pathToFileURL(entry).href}?run=${++runs}`) as Promise<Record<string, unknown>>;

/** Runs the real `index.ts` under the mock engine with a real stack file (or overrides on top of it). */
export function runStack(stack: "ci" | "prod", overrides: Record<string, unknown> = {}): Promise<ProgramRun> {
  const cfg = loadStackConfig(ROOT, join(ROOT, `Pulumi.${stack}.yaml`));
  const extra = Object.fromEntries(
    Object.entries(overrides).map(([k, v]) => [
      `hcloud-talos-cilium:${k}`,
      typeof v === "string" ? v : JSON.stringify(v),
    ]),
  );
  return runProgram(stack, { config: { ...cfg.config, ...extra }, secretKeys: cfg.secretKeys }, importFresh);
}

const stackRuns = new Map<string, Promise<ProgramRun>>();

/**
 * {@link runStack} of a real stack file as it is (no overrides, no last deployment: the mocks'
 * default), once per test worker and `DEPLOY_RUNNER_IP`: the program is deterministic under the mock
 * engine, and several test files read the same ci and prod runs (the files share each worker's
 * modules: vitest.config.mts). Its record is frozen, so a test that changed it would throw rather
 * than change what the next file reads. A test that reads what the run logs runs its own.
 */
export function stackRun(stack: "ci" | "prod"): Promise<ProgramRun> {
  const key = JSON.stringify([stack, process.env.DEPLOY_RUNNER_IP ?? null]);
  let run = stackRuns.get(key);
  if (!run) {
    run = runStack(stack).then((r) => ({ ...r, record: deepFreeze(r.record) }));
    stackRuns.set(key, run);
  }
  return run;
}

/** What a command-line run printed and how it exited. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one of the project's tools as `npm run` does (`node --require ./tools/ts-loader.cjs tools/<tool>.ts`), in its
 * own process, without blocking: tests start their runs together.
 */
export function runTool(
  tool: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--require", join(ROOT, "tools", "ts-loader.cjs"), join(ROOT, "tools", `${tool}.ts`), ...args],
      {
        cwd: opts.cwd ?? ROOT,
        env: { ...(opts.env ?? process.env), NODE_PATH: join(ROOT, "node_modules") },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** The value of an Output, to await in a test (never assert inside an apply). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** The single registration of a type and name: asserts there is exactly one. */
export function one(record: EngineRecord, type: string, name: string): Registration {
  const found = registrationsOf(record, type).filter((r) => r.name === name);
  expect(found.map((r) => r.name)).toEqual([name]);
  return found[0] as Registration;
}

/** The script deploy.yml runs to record a deploy (.github/scripts/record-deploy.sh). */
export const RECORD_DEPLOY = join(ROOT, ".github", "scripts", "record-deploy.sh");

let recordRuns = 0;

/**
 * Records a deploy in the git repository `dir` exactly as deploy.yml does, by running its script
 * under bash, dated `date` (the tag's tagger date). Returns what the script printed and its status.
 */
export function recordDeploy(
  dir: string,
  record: { stack: string; outcome: string; commit: string; date: string },
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    "bash",
    ["--noprofile", "--norc", RECORD_DEPLOY, record.stack, record.outcome, record.commit],
    {
      cwd: dir,
      encoding: "utf8",
      env: {
        PATH: process.env.PATH ?? "",
        GIT_CONFIG_GLOBAL: "/dev/null",
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_COMMITTER_DATE: record.date,
        GITHUB_RUN_ID: String(9_000_000 + ++recordRuns),
        GITHUB_RUN_ATTEMPT: "1",
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_REPOSITORY: "example/hcloud-talos-cilium",
      },
    },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
