/**
 * The I/O edge of config: reads this project's keys from the Pulumi engine and resolves them. The
 * only module of `config/` that imports Pulumi. On an invalid stack it throws before any resource is
 * declared, with one line per problem.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Problem } from "../core/define";
import { projectKeys } from "./stack-file";
import { resolveStackConfig, type RawConfig } from "./resolve";
import type { ClusterSpec } from "./spec";
import { HETZNER_LIMITS } from "./cluster-rules";
import { plaintextTokenProblem, TOKEN_CONFIG_KEY } from "./token-rule";

/** This project's config keys from the engine, without the namespace. */
export function readRawConfig(): RawConfig {
  return projectKeys(pulumi.runtime.allConfig());
}

/** Formats problems for a person: one per line. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `  - ${p.message}`).join("\n");
}

/**
 * The SDK's own test of a secret config key (@pulumi/pulumi runtime/config.js `isConfigSecret`: the
 * engine's PULUMI_CONFIG_SECRET_KEYS). It is marked @internal in the typings, and no public API says
 * whether a key is secret; test/program-day2.test.ts holds it to the engine's behaviour.
 */
const isConfigSecret = (key: string): boolean =>
  (pulumi.runtime as unknown as { isConfigSecret(k: string): boolean }).isConfigSecret(key);

/** Whether the engine holds `hcloud:token`, and as a secret (a `secure:` value or `--secret`). */
function tokenConfig() {
  const set = pulumi.runtime.allConfig()[TOKEN_CONFIG_KEY] !== undefined;
  return { set, secret: set && isConfigSecret(TOKEN_CONFIG_KEY) };
}

/**
 * Reads and resolves the stack's config with the process environment (`DEPLOY_RUNNER_IP`); throws a
 * RunError listing every problem when invalid, a plain-text `hcloud:token` among them.
 */
export function loadClusterSpec(env: NodeJS.ProcessEnv = process.env): ClusterSpec {
  const result = resolveStackConfig(readRawConfig(), pulumi.getStack(), HETZNER_LIMITS, env);
  for (const w of result.warnings) void pulumi.log.warn(w.message);
  const token = plaintextTokenProblem(tokenConfig());
  const problems = [...(token ? [token] : []), ...(result.ok ? [] : result.problems)];
  if (!result.ok || problems.length > 0) {
    throw new pulumi.RunError(
      `The stack configuration is invalid; nothing was created or changed:\n${formatProblems(problems)}`,
    );
  }
  return result.spec;
}
