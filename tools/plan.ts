/**
 * `npm run plan -- --stack <name> [--config-file <path>] [--json]`: prints what `pulumi up` would
 * declare for a stack, offline. Exits 1 when the stack's config is invalid, listing every problem.
 */
// First: keeps the SDK's closure serialization (TypeScript, arborist) out of the start-up.
import "./defer-sdk";
import { stringify } from "yaml";
import { buildPlan, type Plan, type PlannedResource } from "./planner";

interface Args {
  readonly stack: string;
  readonly configFile?: string;
  readonly json: boolean;
}

const USAGE = "usage: npm run plan -- --stack <name> [--config-file <path>] [--json]";

/** Parses the command line; throws the usage on anything unexpected. */
export function parseArgs(argv: readonly string[]): Args {
  let stack: string | undefined;
  let configFile: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--json") json = true;
    else if (a === "--stack" && argv[i + 1]) stack = argv[++i];
    else if (a === "--config-file" && argv[i + 1]) configFile = argv[++i];
    else throw new Error(`unexpected argument ${JSON.stringify(a)}\n${USAGE}`);
  }
  if (!stack) throw new Error(`--stack is required\n${USAGE}`);
  return { stack, configFile, json };
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

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const plan = await buildPlan(args.stack, args.configFile);
  process.stdout.write(`${args.json ? JSON.stringify(plan, null, 2) : render(plan)}\n`);
  process.exitCode = plan.problems.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  });
}
