/**
 * `node --require ./tools/ts-loader.cjs tools/deploy-inputs.ts --stack <name>`: checks, before `pulumi up`, the
 * artifacts the program fetches from the Internet at deploy time: the Helm chart archives of its
 * releases (by repository, name and version) and the Gateway API CRD manifest (by URL). Each is
 * downloaded and its sha256 compared with the digest pinned here, and a chart's also with the
 * `digest` its repository's index.yaml publishes (Helm's chart repository index: the archive's
 * sha256). A mismatch, or a chart version the index does not list, exits 1 and names it.
 *
 * The program's releases and the provider fetch the same URLs again during `up`; this check runs
 * minutes before, so it catches a republished or tampered artifact, not a swap in between.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { parse } from "yaml";
import { CILIUM_CHART_DIGESTS, CILIUM_REPO } from "../components/cilium/release";
import { gatewayApiManifest } from "../components/cilium/gateway-api";
import { CCM_CHART, CCM_REPO } from "../components/cloud-controller/release";
import { resolveStackConfig } from "../components/config/resolve";
import { projectKeys } from "../components/config/stack-file";
import type { ClusterSpec } from "../components/config/spec";
import { parseCli, runCli, UsageError } from "./cli";
import { ROOT } from "./planner";
import { loadStackConfig } from "./stack-files";

/**
 * Digests pinned in the repository, by chart (`<repo> <name> <version>`) or URL.
 * - cilium: CILIUM_CHART_DIGESTS (components/cilium/release.ts), the `digest` helm.cilium.io's
 *   index.yaml publishes (test/fixtures/charts holds the 1.20.0 archive and a test checks it).
 * - Gateway API v1.5.1 standard-install.yaml: the file kubernetes-sigs/gateway-api builds with
 *   `hack/build-install-yaml.sh` at tag v1.5.1 (commit e7677b70ae75): rebuilt from that tag it has
 *   this sha256, and an independent project pins the same digest for the release asset.
 */
export const PINNED_SHA256: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    Object.entries(CILIUM_CHART_DIGESTS).map(([version, digest]) => [
      `${CILIUM_REPO} cilium ${version}`,
      digest,
    ]),
  ),
  [gatewayApiManifest("v1.5.1")]: "751002b3b91a87f7ae3bd2517c79a47a8d7ed6702901808a1cf9bd97d284f9b8",
};

/** One artifact the deploy fetches. */
export type DeployInput =
  | { readonly kind: "chart"; readonly repo: string; readonly name: string; readonly version: string }
  | { readonly kind: "manifest"; readonly url: string };

/** The key of an input in {@link PINNED_SHA256}. */
export const inputKey = (i: DeployInput): string =>
  i.kind === "chart" ? `${i.repo} ${i.name} ${i.version}` : i.url;

/** What a stack's deploy fetches: both charts at the stack's versions, the CRDs when Gateway API is on. */
export function deployInputs(spec: ClusterSpec): DeployInput[] {
  return [
    { kind: "chart", repo: CILIUM_REPO, name: "cilium", version: spec.settings.ciliumVersion },
    { kind: "chart", repo: CCM_REPO, name: CCM_CHART, version: spec.settings.hcloudCcmVersion },
    ...(spec.knobs.gatewayAPI ? [{ kind: "manifest" as const, url: gatewayApiManifest() }] : []),
  ];
}

/** A chart version's entry in a repository index.yaml: its published digest and archive URL. */
export function indexEntry(
  indexYaml: string,
  repo: string,
  name: string,
  version: string,
): { digest: string; url: string } | undefined {
  // failsafe: every scalar a string (a digest of decimal digits, or a version like 1.20, stays as written)
  const index = parse(indexYaml, { schema: "failsafe" }) as {
    entries?: Record<string, { version?: string; digest?: string; urls?: string[] }[]>;
  };
  const entry = index.entries?.[name]?.find((e) => e.version === version);
  const first = entry?.urls?.[0];
  if (!entry?.digest || !first) return undefined;
  return { digest: entry.digest, url: new URL(first, `${repo.replace(/\/?$/, "/")}`).href };
}

/** Fetches a URL's bytes. */
export type Fetch = (url: string) => Promise<Buffer>;

const defaultFetch: Fetch = async (url) => {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
};

const sha256 = (b: Buffer): string => createHash("sha256").update(b).digest("hex");

/** Checks one input; returns a line for the log, or throws with what is wrong. */
export async function verifyInput(input: DeployInput, get: Fetch = defaultFetch): Promise<string> {
  const pinned = PINNED_SHA256[inputKey(input)];
  if (input.kind === "manifest") {
    if (!pinned)
      throw new Error(
        `${input.url}: no sha256 is pinned for it. Fix: add its digest to PINNED_SHA256 (tools/deploy-inputs.ts) with its source.`,
      );
    const got = sha256(await get(input.url));
    if (got !== pinned)
      throw new Error(
        `${input.url}: sha256 ${got}, but ${pinned} is pinned. Fix: find out why the release asset changed before deploying.`,
      );
    return `✓ ${input.url} sha256 ${got} (pinned)`;
  }
  const what = `chart ${input.name} ${input.version} from ${input.repo}`;
  const entry = indexEntry(
    (await get(`${input.repo.replace(/\/$/, "")}/index.yaml`)).toString("utf8"),
    input.repo,
    input.name,
    input.version,
  );
  if (!entry)
    throw new Error(
      `${what}: the repository's index.yaml lists no such version with a digest. Fix: use a published version.`,
    );
  if (pinned && entry.digest !== pinned)
    throw new Error(
      `${what}: the index publishes digest ${entry.digest}, but ${pinned} is pinned. Fix: find out why the chart was republished before deploying.`,
    );
  const got = sha256(await get(entry.url));
  if (got !== entry.digest)
    throw new Error(
      `${what}: the archive ${entry.url} has sha256 ${got}, but the index publishes ${entry.digest}.`,
    );
  return `✓ ${what} sha256 ${got} (${pinned ? "pinned, and " : ""}the index's published digest)`;
}

const USAGE = "usage: node --require ./tools/ts-loader.cjs tools/deploy-inputs.ts --stack <name>";

/** The command: checks every input of a stack's deploy; exit 1 when one fails, 2 on a bad command line. */
export async function main(argv: readonly string[]): Promise<number> {
  const { stack } = parseCli(argv, { stack: { type: "string" } }, USAGE).values;
  if (!stack) throw new UsageError(`--stack is required\n${USAGE}`);
  const cfg = loadStackConfig(ROOT, join(ROOT, `Pulumi.${stack}.yaml`));
  const r = resolveStackConfig(projectKeys(cfg.config), stack);
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join("\n"));
  let failed = 0;
  for (const input of deployInputs(r.spec)) {
    try {
      process.stdout.write(`${await verifyInput(input)}\n`);
    } catch (err) {
      failed++;
      process.stdout.write(`::error::${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}

if (require.main === module) runCli("deploy-inputs", () => main(process.argv.slice(2)));
