/**
 * `node --require ./tools/ts-loader.cjs tools/pr-cost.ts --stack <name> --config-file <path> --pricing <file>
 * --priced-at <ISO date> --hours <n>`: the cost estimate the PR comment gives for an ephemeral
 * cluster. What is billed comes from what the program declares for the stack (run offline under the
 * mock engine: every `hcloud.Server` with its type, location and public IPv4, every
 * `hcloud.LoadBalancer` with its type and location), the prices from Hetzner's own price list
 * (`GET https://api.hetzner.cloud/v1/pricing`, fetched by the workflow with the stack's token at the
 * date given; its shape: hetznercloud/hcloud-go `hcloud/schema/pricing.go`). Prices are gross
 * (the project owner's VAT included, as the API returns them). Hetzner bills hourly up to the monthly
 * price, so a cluster that lives at most `hours` costs at most `hours` × the hourly sum.
 */
import "./defer-sdk";
import { readFileSync } from "node:fs";
import type { EngineRecord } from "./mock-engine";
import { registrationsOf } from "./mock-engine";
import { fromCaller, parseCli, runCli, UsageError } from "./cli";
import { offlineLog, withSdkLog } from "./offline-log";
import { ROOT, runProgram } from "./planner";
import { loadStackConfig } from "./stack-files";

/** A price as the API gives it: decimal strings. */
interface Price {
  readonly net: string;
  readonly gross: string;
}

/** A priced type at one location (server types, load balancer types, primary IPs). */
interface LocationPrice {
  readonly location: string;
  readonly price_hourly: Price;
}

/** The parts of `GET /v1/pricing`'s `pricing` object the estimate reads (hcloud-go schema.Pricing). */
export interface Pricing {
  readonly currency: string;
  readonly vat_rate: string;
  readonly server_types: readonly { readonly name: string; readonly prices: readonly LocationPrice[] }[];
  readonly load_balancer_types: readonly {
    readonly name: string;
    readonly prices: readonly LocationPrice[];
  }[];
  readonly primary_ips: readonly { readonly type: string; readonly prices: readonly LocationPrice[] }[];
}

/** One billed thing the stack declares. */
export interface Billed {
  readonly kind: "server" | "load balancer" | "primary IPv4";
  /** The server or load balancer type, or "ipv4". */
  readonly type: string;
  readonly location: string;
  readonly count: number;
}

const SERVER = "hcloud:index/server:Server";
const LOAD_BALANCER = "hcloud:index/loadBalancer:LoadBalancer";

/** What a stack's program declares that Hetzner bills by the hour, grouped by kind, type and location. */
export function billedResources(record: EngineRecord): Billed[] {
  const items: Omit<Billed, "count">[] = [];
  for (const s of registrationsOf(record, SERVER)) {
    const location = String(s.inputs.location);
    items.push({ kind: "server", type: String(s.inputs.serverType), location });
    const nets = (s.inputs.publicNets ?? []) as { ipv4Enabled?: boolean }[];
    if (nets.some((n) => n.ipv4Enabled !== false))
      items.push({ kind: "primary IPv4", type: "ipv4", location });
  }
  for (const lb of registrationsOf(record, LOAD_BALANCER)) {
    items.push({
      kind: "load balancer",
      type: String(lb.inputs.loadBalancerType),
      location: String(lb.inputs.location),
    });
  }
  const grouped = new Map<string, Billed>();
  for (const i of items) {
    const key = `${i.kind}|${i.type}|${i.location}`;
    grouped.set(key, { ...i, count: (grouped.get(key)?.count ?? 0) + 1 });
  }
  return [...grouped.values()];
}

/** One line of the estimate. */
export interface CostLine extends Billed {
  /** Gross price per hour of one, as the price list says it. */
  readonly hourly: string;
}

/** The estimate, or what the price list lacks. */
export type Estimate =
  | {
      readonly ok: true;
      readonly lines: readonly CostLine[];
      readonly perHour: number;
      readonly total: number;
    }
  | { readonly ok: false; readonly missing: readonly string[] };

/** The hourly gross price of a billed item, from the price list; undefined when it has none. */
function hourlyOf(item: Billed, pricing: Pricing): string | undefined {
  const list =
    item.kind === "server"
      ? pricing.server_types.find((t) => t.name === item.type)?.prices
      : item.kind === "load balancer"
        ? pricing.load_balancer_types.find((t) => t.name === item.type)?.prices
        : pricing.primary_ips.find((t) => t.type === item.type)?.prices;
  return list?.find((p) => p.location === item.location)?.price_hourly.gross;
}

/** Prices each item; the total is for `hours` hours (Hetzner bills hourly, capped at the monthly price). */
export function estimate(items: readonly Billed[], pricing: Pricing, hours: number): Estimate {
  const missing: string[] = [];
  const lines: CostLine[] = [];
  for (const item of items) {
    const hourly = hourlyOf(item, pricing);
    if (hourly === undefined || !Number.isFinite(Number(hourly))) {
      missing.push(`${item.kind} ${item.type} in ${item.location}`);
    } else lines.push({ ...item, hourly });
  }
  if (missing.length > 0) return { ok: false, missing };
  const perHour = lines.reduce((sum, l) => sum + Number(l.hourly) * l.count, 0);
  return { ok: true, lines, perHour, total: perHour * hours };
}

const money = (n: number, currency: string): string => `${n.toFixed(4)} ${currency}`;

/** The PR comment's cost section. */
export function renderEstimate(
  e: Estimate,
  meta: {
    readonly stack: string;
    readonly currency: string;
    readonly vatRate: string;
    readonly pricedAt: string;
    readonly hours: number;
  },
): string {
  const source = `Hetzner Cloud price list (\`GET https://api.hetzner.cloud/v1/pricing\`, ${meta.pricedAt}), gross incl. ${meta.vatRate} % VAT`;
  if (!e.ok) {
    return `#### Cost estimate of \`${meta.stack}\`\n\nNo estimate: the price list has no hourly price for ${e.missing.join(", ")} (${source}).\n`;
  }
  const rows = e.lines.map(
    (l) =>
      `| ${l.kind} | \`${l.type}\` | ${l.location} | ${l.count} | ${money(Number(l.hourly), meta.currency)} |`,
  );
  return [
    `#### Cost estimate of \`${meta.stack}\`: at most ${money(e.total, meta.currency)} for ${meta.hours} h`,
    "",
    "| what | type | location | count | per hour each |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    `${money(e.perHour, meta.currency)} per hour while it runs; it is destroyed when the PR closes or after ${meta.hours} h, whichever comes first. Prices: ${source}. Traffic beyond the included volume and snapshots are not counted.`,
    "",
  ].join("\n");
}

const USAGE =
  "usage: node --require ./tools/ts-loader.cjs tools/pr-cost.ts --stack <name> --config-file <path> --pricing <file> --priced-at <ISO date> --hours <n>";

const OPTIONS = {
  stack: { type: "string" },
  "config-file": { type: "string" },
  pricing: { type: "string" },
  "priced-at": { type: "string" },
  hours: { type: "string" },
} as const;

/** Every option's value; each is required. Paths resolve against the caller's directory. */
function parse(argv: readonly string[]): Record<keyof typeof OPTIONS, string> {
  const { values } = parseCli(argv, OPTIONS, USAGE);
  const missing = Object.keys(OPTIONS).filter((k) => values[k as keyof typeof OPTIONS] === undefined);
  if (missing.length > 0)
    throw new UsageError(`${missing.map((k) => `--${k}`).join(", ")} required\n${USAGE}`);
  return values as Record<keyof typeof OPTIONS, string>;
}

/** The command: prints the Markdown section; exits 1 when the price list lacks an item, 2 on a bad command line. */
export async function main(argv: readonly string[]): Promise<number> {
  const args = parse(argv);
  const stack = args.stack;
  const cfg = loadStackConfig(ROOT, fromCaller(args["config-file"]));
  const pricing = (JSON.parse(readFileSync(fromCaller(args.pricing), "utf8")) as { pricing: Pricing })
    .pricing;
  const hours = Number(args.hours);
  if (!Number.isFinite(hours) || hours <= 0)
    throw new UsageError(`--hours ${JSON.stringify(args.hours)}: a number of hours above 0\n${USAGE}`);
  const run = await withSdkLog(() => runProgram(stack, cfg));
  for (const line of offlineLog(run.lines, run.result !== undefined)) process.stderr.write(`${line}\n`);
  if (run.result === undefined) throw run.error;
  const { record } = run.result;
  const e = estimate(billedResources(record), pricing, hours);
  const meta = {
    stack,
    currency: pricing.currency,
    vatRate: pricing.vat_rate,
    pricedAt: args["priced-at"],
    hours,
  };
  process.stdout.write(renderEstimate(e, meta));
  return e.ok ? 0 : 1;
}

if (require.main === module) runCli("pr-cost", () => main(process.argv.slice(2)));
