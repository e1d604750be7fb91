/**
 * Test helpers: the real stack files resolved, specs with overrides, and the reference files of
 * ../shared (tests that need them skip with a message naming the missing file).
 */
import { spawn } from "node:child_process";
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

export { ROOT };

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

/** The shared reference folder (beside the project in CI and every working copy). */
export const REFERENCE = resolve(ROOT, "../shared/reference");

/** A reference file's path and whether it is present. */
export function reference(relative: string): { path: string; present: boolean; read: () => string } {
  const path = join(REFERENCE, relative);
  return { path, present: existsSync(path), read: () => readFileSync(path, "utf8") };
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

/** What a command-line run printed and how it exited. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one of the project's tools as `npm run` does (`node --require tsx/cjs tools/<tool>.ts`), in its
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
      ["--require", "tsx/cjs", join(ROOT, "tools", `${tool}.ts`), ...args],
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
