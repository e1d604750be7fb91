/**
 * The offline plan: what `pulumi up` would declare for a stack, computed by running the real
 * `index.ts` under the mock engine (no Pulumi CLI, no cloud account, no network). A stable JSON
 * interface (architecture.md): stack, problems, warnings, knobs, resources (each with `protect`),
 * ciliumValues, talos; then serverTypes (which catalogue the pools were checked against) and exposure
 * (the firewall's rules, the load balancer's services, the path to the Kubernetes API).
 */
import { join, resolve } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, type Problem } from "../components/core/define";
import { resolveStackConfig } from "../components/config/resolve";
import type { HelmValues } from "../components/cilium/values";
import type { Knobs } from "../components/knobs/catalogue";
import type { ClusterSpec } from "../components/config/spec";
import { declareOffline, startEngine, type EngineRecord, registrationsOf } from "./mock-engine";
import { loadStackConfig, type StackConfig } from "./stack-files";
import { projectKeys, SECRET_PLACEHOLDER } from "../components/config/stack-file";
import { HETZNER_LIMITS } from "../components/config/cluster-rules";
import { plaintextTokenProblem, TOKEN_CONFIG_KEY } from "../components/config/token-rule";
import { checkAgainstSnapshot } from "../components/hetzner/server-type-lookup";
import { exposureOf, serverTypePlan, type ExposurePlan, type ServerTypePlan } from "./plan-exposure";
import { agentRollOf, type AgentRollJson } from "./plan-agent-roll";

export type { ExposurePlan, PlannedService, ServerTypePlan } from "./plan-exposure";
export type { AgentRollJson, AgentRollStep } from "./plan-agent-roll";
import { patchDocuments } from "../components/talos/patch-yaml";

const GET_CONFIGURATION = "talos:machine/getConfiguration:getConfiguration";
const CONFIGURATION_APPLY = "talos:machine/configurationApply:ConfigurationApply";
const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** One declared resource. `parent` is the parent's name ("" at the root); `protect` is Pulumi's. */
export interface PlannedResource {
  readonly type: string;
  readonly name: string;
  readonly parent: string;
  readonly protect: boolean;
}

/** The Talos patch documents the program declared: per role, and each node's own. */
export interface TalosPlan {
  readonly controlplane: readonly unknown[];
  readonly worker: readonly unknown[];
  readonly nodes: Readonly<Record<string, readonly unknown[]>>;
}

/** The plan of one stack. */
export interface Plan {
  readonly stack: string;
  readonly problems: readonly Problem[];
  readonly warnings: readonly Problem[];
  readonly knobs: Partial<Knobs>;
  readonly resources: readonly PlannedResource[];
  readonly ciliumValues: HelmValues;
  readonly talos: TalosPlan;
  readonly serverTypes: ServerTypePlan;
  /** What the stack exposes; absent when it has problems (nothing would be declared). */
  readonly exposure?: ExposurePlan;
  /** The Cilium agent roll: update strategy, settings, steps, batches, deadlines; absent with problems. */
  readonly agentRoll?: AgentRollJson;
}

/** Where the program lives. */
export const ROOT = resolve(__dirname, "..");

/** The name part of a URN (`…::name`), "" for none. */
const nameOfUrn = (urn: string): string => (urn ? urn.slice(urn.lastIndexOf("::") + 2) : "");

/** What one run of the program declared, and what `index.ts` exported (the stack outputs). */
export interface ProgramRun {
  readonly record: EngineRecord;
  readonly outputs: Readonly<Record<string, unknown>>;
}

/**
 * The offline run never sees a real Hetzner token: when the stack sets none, `hcloud:token` is a
 * placeholder secret (so the program neither fails nor falls back to the HCLOUD_TOKEN variable).
 */
export function withTokenPlaceholder(cfg: StackConfig): StackConfig {
  if (cfg.config["hcloud:token"] !== undefined) return cfg;
  return {
    config: { ...cfg.config, "hcloud:token": SECRET_PLACEHOLDER },
    secretKeys: [...cfg.secretKeys, "hcloud:token"],
  };
}

/** Loads `index.ts` afresh, so that its top level (the program) runs again; returns its exports. */
export type ProgramLoader = (entry: string) => Promise<Record<string, unknown>>;

/** The loader for node (tools/ts-loader.cjs) and vitest: drop the cached module, require it again. */
export const requireFresh: ProgramLoader = (entry) => {
  const resolved = require.resolve(entry);
  delete require.cache[resolved];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return Promise.resolve(require(resolved) as Record<string, unknown>);
};

/**
 * Runs `declare` under a fresh mock engine with a stack's config (a placeholder Hetzner token when it
 * has none) and stack capture off; returns what it declared and what `declare` returned.
 */
export async function runOffline<T>(
  stack: string,
  cfg: StackConfig,
  declare: () => T | Promise<T>,
): Promise<{ record: EngineRecord; result: T }> {
  const record = await startEngine({ project: PROJECT, stack });
  const offline = withTokenPlaceholder(cfg);
  pulumi.runtime.setAllConfig(offline.config, offline.secretKeys);
  // Without an engine the SDK prints `pulumi.log.info` with console.log, on stdout, where the plan's
  // JSON goes; the program's info lines (the access path, the server types) go to stderr instead.
  const log = console.log;
  console.log = console.error;
  try {
    const result = await declareOffline(declare);
    return { record, result };
  } finally {
    console.log = log;
  }
}

/**
 * Loads `index.ts` and waits for its outputs: the program is async (it asks about the server types
 * before it declares anything), so a loaded module has not declared its resources yet.
 */
async function loadAndSettle(load: ProgramLoader): Promise<Record<string, unknown>> {
  const exports = await load(join(ROOT, "index.ts"));
  // An output's isSecret settles with its value and rejects with it (the SDK's OutputImpl lifts
  // both from one promise), so a program that fails rejects here instead of leaving this waiting.
  const settled = (v: unknown) => (pulumi.Output.isInstance(v) ? pulumi.isSecret(v) : Promise.resolve(false));
  await Promise.all(Object.values(exports).map(settled));
  return exports;
}

/** Runs `index.ts` under the mock engine with a stack's config; returns what it declared and exported. */
export async function runProgram(
  stack: string,
  cfg: StackConfig,
  load: ProgramLoader = requireFresh,
): Promise<ProgramRun> {
  const { record, result } = await runOffline(stack, cfg, () => loadAndSettle(load));
  return { record, outputs: result };
}

const EMPTY_TALOS: TalosPlan = { controlplane: [], worker: [], nodes: {} };

/** Every YAML document of a list of patch strings. */
const documents = (patches: unknown): unknown[] =>
  (Array.isArray(patches) ? patches : []).flatMap((p) => patchDocuments(String(p)));

/** The Talos patches as declared: role patches from `getConfiguration`, node patches from each apply. */
function talosPatches(record: EngineRecord): TalosPlan {
  const role = (type: string) =>
    record.invokes.find((i) => i.token === GET_CONFIGURATION && i.inputs.machineType === type);
  const applies = registrationsOf(record, CONFIGURATION_APPLY);
  return {
    controlplane: documents(role("controlplane")?.inputs.configPatches),
    worker: documents(role("worker")?.inputs.configPatches),
    nodes: Object.fromEntries(
      applies.map((a) => [a.name.replace(/^talos-apply-/, ""), documents(a.inputs.configPatches)]),
    ),
  };
}

/** The exact values the `cilium` release was declared with. */
function releaseValues(record: EngineRecord): HelmValues {
  const release = registrationsOf(record, HELM_RELEASE).find((r) => r.inputs.name === "cilium");
  return (release?.inputs.values ?? {}) as HelmValues;
}

/** The plan of a resolved stack from what its program declared. */
export function planOf(
  resolved: { readonly spec: ClusterSpec; readonly warnings: readonly Problem[] },
  record: EngineRecord,
): Plan {
  const types = checkAgainstSnapshot(resolved.spec.settings).architectures;
  const ciliumValues = releaseValues(record);
  return {
    stack: resolved.spec.stack,
    problems: [],
    warnings: resolved.warnings,
    knobs: resolved.spec.knobs,
    resources: record.resources.map((r) => ({
      type: r.type,
      name: r.name,
      parent: nameOfUrn(r.parent),
      protect: r.protect,
    })),
    ciliumValues,
    talos: talosPatches(record),
    serverTypes: serverTypePlan(types),
    exposure: exposureOf(resolved.spec, record),
    agentRoll: agentRollOf(resolved.spec, record, ciliumValues),
  };
}

/** The plan of a stack that has problems: nothing would be declared. */
function refused(
  stack: string,
  problems: readonly Problem[],
  warnings: readonly Problem[],
  types = {},
): Plan {
  return {
    stack,
    problems,
    warnings,
    knobs: {},
    resources: [],
    ciliumValues: {},
    talos: EMPTY_TALOS,
    serverTypes: serverTypePlan(types),
  };
}

/**
 * Every problem the engine and the program would refuse the stack for, offline: the config's, a
 * plain-text `hcloud:token` in the stack file, and the server types against the snapshot.
 */
function offlineProblems(cfg: StackConfig, stack: string, env: NodeJS.ProcessEnv) {
  const resolved = resolveStackConfig(projectKeys(cfg.config), stack, HETZNER_LIMITS, env);
  const tokenSet = cfg.config[TOKEN_CONFIG_KEY] !== undefined;
  const token = plaintextTokenProblem({ set: tokenSet, secret: cfg.secretKeys.includes(TOKEN_CONFIG_KEY) });
  const types = resolved.ok ? checkAgainstSnapshot(resolved.spec.settings) : undefined;
  const problems = [
    ...(token ? [token] : []),
    ...(resolved.ok ? [] : resolved.problems),
    ...(types?.problems ?? []),
  ];
  return { resolved, problems, types: types?.architectures ?? {} };
}

/**
 * Builds the plan of a stack from its stack file (or `configFile` in the same format), in the
 * process's environment (`DEPLOY_RUNNER_IP`), as the program itself reads it.
 */
export async function buildPlan(
  stack: string,
  configFile?: string,
  load: ProgramLoader = requireFresh,
): Promise<Plan> {
  const cfg = loadStackConfig(ROOT, configFile ?? join(ROOT, `Pulumi.${stack}.yaml`));
  const { resolved, problems, types } = offlineProblems(cfg, stack, process.env);
  if (!resolved.ok || problems.length > 0) return refused(stack, problems, resolved.warnings, types);
  const { record } = await runProgram(stack, cfg, load);
  return planOf(resolved, record);
}
