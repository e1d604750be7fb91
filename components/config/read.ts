/**
 * The I/O edge of config: reads this project's keys from the Pulumi engine and resolves them. The
 * only module of `config/` that imports Pulumi. On an invalid stack it throws before any resource is
 * declared, with one line per problem.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Problem } from "./define";
import { projectKeys } from "./stack-file";
import { resolveStackConfig, type RawConfig } from "./resolve";
import type { ClusterSpec } from "./spec";

/** This project's config keys from the engine, without the namespace. */
export function readRawConfig(): RawConfig {
  return projectKeys(pulumi.runtime.allConfig());
}

/** Formats problems for a person: one per line. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `  - ${p.message}`).join("\n");
}

/** Reads and resolves the stack's config; throws a RunError listing every problem when invalid. */
export function loadClusterSpec(): ClusterSpec {
  const result = resolveStackConfig(readRawConfig(), pulumi.getStack());
  for (const w of result.warnings) void pulumi.log.warn(w.message);
  if (!result.ok) {
    throw new pulumi.RunError(
      `The stack configuration is invalid; nothing was created or changed:\n${formatProblems(result.problems)}`,
    );
  }
  return result.spec;
}
