/**
 * `npm run plan -- --stack <name> [--config-file <path>] [--json] [--out <file>]`: prints what
 * `pulumi up` would declare for a stack, offline. Exits 1 when the stack's config is invalid, listing
 * every problem; 2 on a bad command line or a program that fails (its cause once, on stderr).
 *
 * The JSON goes to stdout, or into `--out <file>`; `npm run` prints its `> script` banner on stdout
 * unless npm runs silent (`npm run --silent plan -- --json`, or NPM_CONFIG_LOGLEVEL=silent: npm 11
 * lib/utils/display.js:316-321 drops the banner @npmcli/run-script writes, run-script-pkg.js:50-62).
 * What the program logs (the SDK prints its log on the console offline) goes to stderr once: the
 * config warnings only in the plan's own list, an error only as the plan's failure.
 */
// First: keeps the SDK's closure serialization (TypeScript, arborist) out of the start-up.
import "./defer-sdk";
import { resolve } from "node:path";
import { stringify } from "yaml";
import { callerDir, emit, parseCli, runCli, UsageError } from "./cli";
import { offlineLog, withSdkLog } from "./offline-log";
import { buildPlan, type Plan, type PlannedResource } from "./planner";

export { withSdkLog } from "./offline-log";

/** The parsed command line. Paths are absolute: resolved against the directory the command ran in. */
export interface Args {
  readonly stack: string;
  readonly configFile?: string;
  readonly json: boolean;
  readonly out?: string;
}

const USAGE = "usage: npm run plan -- --stack <name> [--config-file <path>] [--json] [--out <file>]";

const OPTIONS = {
  stack: { type: "string" },
  "config-file": { type: "string" },
  json: { type: "boolean" },
  out: { type: "string" },
} as const;

/**
 * Parses the command line (`util.parseArgs`: `--stack=ci` and `--stack ci` alike); throws the usage on
 * anything unexpected. `caller`: where relative paths start (npm's INIT_CWD under `npm run`).
 */
export function parseArgs(argv: readonly string[], caller: string = callerDir()): Args {
  const { values } = parseCli(argv, OPTIONS, USAGE);
  if (!values.stack) throw new UsageError(`--stack is required\n${USAGE}`);
  const path = (p: string | undefined) => (p === undefined ? undefined : resolve(caller, p));
  return {
    stack: values.stack,
    configFile: path(values["config-file"]),
    json: values.json ?? false,
    out: path(values.out),
  };
}

/**
 * The program's log as the plan prints it (stderr), each line once: the config warnings are left to
 * the plan's list (text) or its `warnings` (JSON), errors to the plan's failure, and the server-type
 * line says that the offline snapshot answered, not the provider.
 */
export function planLog(lines: readonly string[], plan: Plan | undefined): string[] {
  const warnings = new Set((plan?.warnings ?? []).map((w) => `warning: [runtime] ${w.message}`));
  return offlineLog(lines, plan !== undefined).filter((l) => !warnings.has(l));
}

/** The resource tree, two spaces per level; protected resources are marked. */
function tree(resources: readonly PlannedResource[]): string {
  const children = (parent: string): PlannedResource[] => resources.filter((r) => r.parent === parent);
  const lines: string[] = [];
  const walk = (parent: string, depth: number): void => {
    for (const r of children(parent)) {
      lines.push(`${"  ".repeat(depth)}${r.type}  ${r.name}${r.protect ? "  [protected]" : ""}`);
      walk(r.name, depth + 1);
    }
  };
  walk("", 0);
  return lines.join("\n");
}

/** What the stack exposes, for a person: firewall rules, load balancer services, the API path. */
function exposure(plan: Plan): string[] {
  if (!plan.exposure) return [];
  const { firewall, loadBalancer, access } = plan.exposure;
  const rule = (r: (typeof firewall)[number]) =>
    `  ${r.direction} ${r.protocol}${r.port ? ` ${r.port}` : ""} from ${r.sourceIps.join(", ")}  (${r.description})`;
  const service = (v: (typeof loadBalancer.services)[number]) =>
    `  ${v.protocol} ${v.listenPort} -> ${v.destinationPort}`;
  return [
    "\nFirewall (the servers' public interfaces; everything else inbound is denied):",
    ...firewall.map(rule),
    `\nLoad balancer (${loadBalancer.publicInterface ? "PUBLIC: reachable from the whole Internet, no firewall applies" : "private network only"}):`,
    ...loadBalancer.services.map(service),
    `\nKubernetes API: ${access.kubernetesApi}${access.apiNode ? ` (${access.apiNode})` : ""}; runnerAccess: ${access.runnerAccess}${access.runnerCidr ? `, runner ${access.runnerCidr}` : ""}`,
  ];
}

/** The plan for a person. */
export function render(plan: Plan): string {
  const out: string[] = [`Stack ${plan.stack}`];
  if (plan.problems.length > 0) {
    out.push(
      `\n${plan.problems.length} problem(s); nothing would be created or changed:`,
      ...plan.problems.map((p) => `  ✗ ${p.message}`),
    );
  }
  if (plan.warnings.length > 0)
    out.push(`\n${plan.warnings.length} warning(s):`, ...plan.warnings.map((w) => `  ! ${w.message}`));
  out.push(`\nServer types checked against ${plan.serverTypes.description}.`);
  if (plan.problems.length === 0) {
    out.push(`\nResources (${plan.resources.length}):`, tree(plan.resources));
    out.push(...exposure(plan));
    out.push("\nCilium Helm values:", stringify(plan.ciliumValues).trimEnd());
    out.push("\nTalos patches (controlplane):", stringify(plan.talos.controlplane).trimEnd());
    out.push("\nTalos patches (worker):", stringify(plan.talos.worker).trimEnd());
  }
  return out.join("\n");
}

/** The command: resolves to the exit code (1: the stack has problems). */
export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  const run = await withSdkLog(() => buildPlan(args.stack, args.configFile));
  for (const line of planLog(run.lines, run.result)) process.stderr.write(`${line}\n`);
  if (run.result === undefined) throw run.error;
  const plan = run.result;
  emit(args.json ? JSON.stringify(plan, null, 2) : render(plan), args.out);
  return plan.problems.length > 0 ? 1 : 0;
}

if (require.main === module) runCli("plan", () => main(process.argv.slice(2)));
