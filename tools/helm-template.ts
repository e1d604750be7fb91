/**
 * `helm template` of a local chart archive, as data: the rendered objects with the template each came
 * from, or the chart's own error; and the chart archive itself, from a folder or `helm pull`, checked
 * against its pinned sha256. The one place the project runs Helm. The real `helm` on PATH does the job
 * on users' machines and in the workflows (pinned there); where none is installed, `../shared/bin/helm`
 * (an offline stand-in with Helm 3's output, which refuses `pull`) can be put on PATH. Nothing here
 * reads `../shared` itself.
 *
 * Renders of an archive are cached by content (see `renderKey`): a repeated render is a file read.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { canonicalJson, type K8sObject } from "../components/datapath/render-diff";

export type { K8sObject };

/** What `helm template` made of a chart and values: the objects in Helm's order, or Helm's error. */
export type Rendered =
  | {
      readonly ok: true;
      readonly objects: readonly K8sObject[];
      /** Parallel to `objects`: the template each came from (Helm's `# Source:` line). */
      readonly sources: readonly string[];
    }
  | { readonly ok: false; readonly error: string };

/** How to render. */
export interface TemplateOptions {
  /** The release name (`.Release.Name`). */
  readonly release: string;
  /** The release namespace. */
  readonly namespace: string;
  /** `--kube-version`, e.g. "1.36.3" (`.Capabilities.KubeVersion`). @default Helm's own */
  readonly kubeVersion?: string;
  /** `--api-versions`, e.g. "gateway.networking.k8s.io/v1/GatewayClass". @default none */
  readonly apiVersions?: readonly string[];
  /** The helm executable. @default "helm" (from PATH) */
  readonly helm?: string;
  /** The render cache folder, or false for none. @default `renderCacheDir()` */
  readonly cache?: string | false;
}

const versions = new Map<string, string | undefined>();

/** The helm on PATH (or `helm`), and its version line (`helm version --short`); `undefined` when it cannot be run. */
export function helmVersion(helm = "helm"): string | undefined {
  if (!versions.has(helm)) {
    const run = spawnSync(helm, ["version", "--short"], { encoding: "utf8" });
    versions.set(helm, run.status === 0 ? run.stdout.trim() : undefined);
  }
  return versions.get(helm);
}

/** The sha256 of a file, hex: what a Helm repository's index.yaml publishes as a chart's `digest`. */
export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * The documents of a `helm template` stream with their `# Source:` template, skipping empty ones.
 * Helm separates documents with a `---` line; a `---` inside a block scalar is indented, so a line
 * that is exactly `---` always starts a document.
 */
export function documentsOf(yaml: string): { objects: K8sObject[]; sources: string[] } {
  const objects: K8sObject[] = [];
  const sources: string[] = [];
  for (const doc of yaml.split(/^---[ \t]*$/m)) {
    const o = parse(doc, { prettyErrors: false }) as unknown;
    if (typeof o !== "object" || o === null || !("kind" in o)) continue;
    objects.push(o as K8sObject);
    sources.push(/^# Source: (.+)$/m.exec(doc)?.[1]?.trim() ?? "");
  }
  return { objects, sources };
}

/** The objects of a multi-document YAML stream, skipping empty documents. */
export function objectsOf(yaml: string): K8sObject[] {
  return documentsOf(yaml).objects;
}

/**
 * The default render cache: `$HTC_RENDER_CACHE` (`off` for none), else
 * `$XDG_CACHE_HOME/hcloud-talos-cilium/helm-template` (`~/.cache/...`). Outside the checkout on
 * purpose, so a fresh clone on the same machine (CI's) finds the renders of earlier runs.
 */
export function renderCacheDir(env: NodeJS.ProcessEnv = process.env): string | false {
  const set = env.HTC_RENDER_CACHE;
  if (set === "off") return false;
  if (set) return set;
  return join(cacheRoot(env), "helm-template");
}

const cacheRoot = (env: NodeJS.ProcessEnv): string =>
  join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "hcloud-talos-cilium");

/** Where `helm pull` keeps verified chart archives: `$XDG_CACHE_HOME/hcloud-talos-cilium/charts`. */
export function pullCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), "charts");
}

/**
 * The cache key of a render: the sha256 of everything that decides `helm template`'s output. The
 * archive by its sha256 (content, not path); the helm build by its version line (real Helm prints
 * its git commit there); the release name, namespace, `--kube-version` and `--api-versions` (each is
 * a template input: `.Release`, `.Capabilities`); the values as canonical JSON (Helm coalesces them
 * into maps, so key order cannot matter). Nothing else reaches the templates: `helm template` has no
 * cluster, so `lookup` returns nothing, and the chart's only other varying inputs are the generated
 * certificates, which the diff does not compare (components/datapath/render-diff.ts).
 */
export function renderKey(input: {
  readonly digest: string;
  readonly helm: string;
  readonly release: string;
  readonly namespace: string;
  readonly kubeVersion?: string;
  readonly apiVersions?: readonly string[];
  readonly values: unknown;
}): string {
  const fields = [
    "hcloud-talos-cilium helm-template cache 1",
    input.digest,
    input.helm,
    input.release,
    input.namespace,
    input.kubeVersion ?? "",
    canonicalJson(input.apiVersions ?? []),
    canonicalJson(input.values ?? {}),
  ];
  return createHash("sha256").update(fields.join("\n")).digest("hex");
}

/** A chart's failure (template `fail`, schema violation) is as deterministic as a render: cache both. */
const CHART_ERROR = /^Error: (execution error at |values don't meet the specifications of the schema)/;

/**
 * Entries read in this process, by file, frozen, while the file is unchanged (its size and
 * modification time): the same render is asked for again and again (the prod baseline is the base
 * side of every knob's check), and reading it is a 0.5 MB JSON parse where a stat is a system call.
 */
const readEntries = new Map<string, { readonly stamp: string; readonly rendered: Rendered }>();

const deepFreeze = <T>(value: T): T => {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
};

function readEntry(file: string, key: string): Rendered | undefined {
  let stamp: string;
  try {
    const { size, mtimeMs, ino } = statSync(file);
    stamp = `${size}:${mtimeMs}:${ino}`;
  } catch {
    return undefined;
  }
  const known = readEntries.get(file);
  if (known?.stamp === stamp) return known.rendered;
  const read = readEntryFile(file, key);
  if (read) {
    // Bounded: each entry is a whole render; a miss only costs the file read again.
    if (readEntries.size >= 64) readEntries.clear();
    readEntries.set(file, { stamp, rendered: deepFreeze(read) });
  }
  return read;
}

function readEntryFile(file: string, key: string): Rendered | undefined {
  try {
    const entry = JSON.parse(readFileSync(file, "utf8")) as { key?: unknown; rendered?: Rendered };
    // A truncated, foreign or corrupt entry is a miss, and is overwritten by the fresh render.
    return entry.key === key && typeof entry.rendered?.ok === "boolean" ? entry.rendered : undefined;
  } catch {
    return undefined;
  }
}

function writeEntry(dir: string, file: string, key: string, rendered: Rendered): void {
  try {
    mkdirSync(dir, { recursive: true });
    // Write then rename: a reader (another test worker) sees the old entry or the whole new one.
    const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    // 0600: a render holds the throwaway CA and TLS keys helm template generates (never deployed).
    writeFileSync(tmp, JSON.stringify({ key, rendered }), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // A cache that cannot be written costs time, not correctness.
  }
}

/** What one `helm template` process returned. */
interface Run {
  readonly error?: Error;
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `helm template` through `exec`; the values go through a private temporary file (0600), never
 * the command line.
 */
function withValuesFile<R>(
  chart: string,
  values: unknown,
  opts: TemplateOptions,
  exec: (helm: string, args: string[]) => R,
  cleanup: (r: R, done: () => void) => R,
): R {
  const dir = mkdtempSync(join(tmpdir(), "htc-helm-"));
  const done = () => rmSync(dir, { recursive: true, force: true });
  try {
    const file = join(dir, "values.json");
    writeFileSync(file, JSON.stringify(values ?? {}), { mode: 0o600 });
    const args = ["template", opts.release, chart, "--namespace", opts.namespace, "--values", file];
    if (opts.kubeVersion) args.push("--kube-version", opts.kubeVersion);
    for (const api of opts.apiVersions ?? []) args.push("--api-versions", api);
    return cleanup(exec(opts.helm ?? "helm", args), done);
  } catch (err) {
    done();
    throw err;
  }
}

function renderedOf(run: Run): Rendered {
  if (run.error) return { ok: false, error: `helm could not be run: ${run.error.message}` };
  if (run.status !== 0) return { ok: false, error: run.stderr.trim() || `helm exited ${run.status}` };
  return { ok: true, ...documentsOf(run.stdout) };
}

const MAX_OUTPUT = 64 * 1024 * 1024;

function runTemplate(chart: string, values: unknown, opts: TemplateOptions): Rendered {
  const run = withValuesFile(
    chart,
    values,
    opts,
    (helm, args) => spawnSync(helm, args, { encoding: "utf8", maxBuffer: MAX_OUTPUT }),
    (r, done) => (done(), r),
  );
  return renderedOf(run);
}

function runTemplateAsync(chart: string, values: unknown, opts: TemplateOptions): Promise<Rendered> {
  const run = withValuesFile(
    chart,
    values,
    opts,
    (helm, args) =>
      new Promise<Run>((resolve) => {
        execFile(helm, args, { encoding: "utf8", maxBuffer: MAX_OUTPUT }, (error, stdout, stderr) => {
          const status = error ? (typeof error.code === "number" ? error.code : null) : 0;
          resolve({ error: status === null ? (error ?? undefined) : undefined, status, stdout, stderr });
        });
      }),
    (p, done) => p.finally(done),
  );
  return run.then(renderedOf);
}

/** Where a render is cached, or undefined when it is not (no cache, no helm, a chart folder). */
function cacheSlot(chart: string, values: unknown, opts: TemplateOptions) {
  const cache = opts.cache ?? renderCacheDir();
  const helm = cache === false ? undefined : helmVersion(opts.helm);
  const archive = existsSync(chart) && statSync(chart).isFile();
  if (cache === false || helm === undefined || !archive) return undefined;
  const { release, namespace, kubeVersion, apiVersions } = opts;
  const key = renderKey({
    digest: sha256File(chart),
    helm,
    release,
    namespace,
    kubeVersion,
    apiVersions,
    values,
  });
  const dir = join(cache, key.slice(0, 2));
  const file = join(dir, `${key}.json`);
  return {
    hit: () => readEntry(file, key),
    keep: (rendered: Rendered): Rendered => {
      if (rendered.ok || CHART_ERROR.test(rendered.error)) writeEntry(dir, file, key, rendered);
      return rendered;
    },
  };
}

/**
 * Renders `chart` (a local archive or directory) with `values`. Renders of an archive are cached
 * under `opts.cache` by `renderKey`; a directory's content has no digest, so it is never cached.
 */
export function helmTemplate(chart: string, values: unknown, opts: TemplateOptions): Rendered {
  const slot = cacheSlot(chart, values, opts);
  if (!slot) return runTemplate(chart, values, opts);
  return slot.hit() ?? slot.keep(runTemplate(chart, values, opts));
}

/**
 * `helmTemplate` for many value sets, `concurrency` helm processes at a time (cache hits cost none):
 * for a test that renders dozens of changes, so that a cold cache uses every core.
 */
export async function helmTemplateAll(
  chart: string,
  jobs: readonly { readonly values: unknown; readonly opts: TemplateOptions }[],
  concurrency = 2,
): Promise<Rendered[]> {
  const out: Rendered[] = new Array<Rendered>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < jobs.length; i = next++) {
      const { values, opts } = jobs[i] as (typeof jobs)[number];
      const slot = cacheSlot(chart, values, opts);
      const hit = slot?.hit();
      out[i] = hit ?? (await runTemplateAsync(chart, values, opts).then((r) => (slot ? slot.keep(r) : r)));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return out;
}

/** Why there is no verified chart archive to render. */
export type ArchiveProblem = "no-helm" | "no-archive" | "digest-mismatch" | "unknown-version";

/** A verified chart archive, or why there is none (in words, with the fix). */
export type Archive =
  | { readonly ok: true; readonly path: string; readonly digest: string; readonly helm: string }
  | { readonly ok: false; readonly reason: ArchiveProblem; readonly message: string };

/** Where to find a chart and how to check it. */
export interface ArchiveRequest {
  /** The chart name, e.g. "cilium"; the archive is `<name>-<version>.tgz`. */
  readonly name: string;
  readonly version: string;
  /** The repository `helm pull --repo` uses. */
  readonly repo: string;
  /** The sha256 pinned in code for this version (the repository index's `digest`); undefined: none. */
  readonly digest: string | undefined;
  /** A folder holding `<name>-<version>.tgz` (`--charts`); without it, `helm pull` into `pullCache`. */
  readonly charts?: string;
  /** Where pulled archives are kept. */
  readonly pullCache: string;
  readonly helm?: string;
}

function verified(path: string, req: ArchiveRequest, helm: string, from: string): Archive {
  const digest = sha256File(path);
  if (digest === req.digest) return { ok: true, path, digest, helm };
  return {
    ok: false,
    reason: "digest-mismatch",
    message: `${from} has sha256 ${digest}, not the ${req.digest} pinned for ${req.name} ${req.version}; refusing to render it. Fix: use the archive ${req.repo} publishes`,
  };
}

/**
 * The chart archive to render: `<charts>/<name>-<version>.tgz` when a folder is given, else the one
 * `helm pull` brought into the pull cache earlier, else `helm pull <name> --repo <repo> --version <v>`.
 * Always checked against the pinned digest; a mismatch is refused (a pulled archive that does not
 * match is not kept).
 */
export function chartArchive(req: ArchiveRequest): Archive {
  // A pull that failed fails again in the same process (no helm, no network): ask once.
  const key = canonicalJson(req);
  const known = failedPulls.get(key);
  if (known) return known;
  const found = findArchive(req);
  if (!found.ok && found.reason === "no-archive" && req.charts === undefined) failedPulls.set(key, found);
  return found;
}

const failedPulls = new Map<string, Archive>();

function findArchive(req: ArchiveRequest): Archive {
  const helm = helmVersion(req.helm);
  if (helm === undefined)
    return {
      ok: false,
      reason: "no-helm",
      message: `no helm on PATH. Fix: install Helm 3 (https://helm.sh/docs/intro/install/)`,
    };
  if (req.digest === undefined) {
    return {
      ok: false,
      reason: "unknown-version",
      message: `no sha256 is pinned for ${req.name} ${req.version}, so no archive of it is trusted. Fix: add the digest ${req.repo}/index.yaml publishes for it to CILIUM_CHART_DIGESTS (components/cilium/release.ts)`,
    };
  }
  const file = `${req.name}-${req.version}.tgz`;
  if (req.charts !== undefined) {
    const path = join(req.charts, file);
    if (!existsSync(path))
      return {
        ok: false,
        reason: "no-archive",
        message: `--charts ${req.charts} has no ${file}. Fix: put the archive there, or leave out --charts to pull it`,
      };
    return verified(path, req, helm, path);
  }
  const kept = join(req.pullCache, file);
  if (existsSync(kept)) {
    const checked = verified(kept, req, helm, kept);
    if (checked.ok) return checked;
    rmSync(kept, { force: true });
  }
  mkdirSync(req.pullCache, { recursive: true });
  const dir = mkdtempSync(join(req.pullCache, "pull-"));
  try {
    const args = ["pull", req.name, "--repo", req.repo, "--version", req.version, "--destination", dir];
    const run = spawnSync(req.helm ?? "helm", args, { encoding: "utf8" });
    const pulled = join(dir, file);
    if (run.status !== 0 || !existsSync(pulled)) {
      // The offline stand-in refuses `pull` with exit 64 (../shared/README.md).
      const why =
        run.status === 64
          ? "the helm on PATH cannot pull (offline stand-in)"
          : (run.stderr || run.error?.message || "").trim();
      return {
        ok: false,
        reason: "no-archive",
        message: `helm pull ${req.name} --repo ${req.repo} --version ${req.version} failed: ${why}. Fix: pass --charts <folder with ${file}>`,
      };
    }
    const checked = verified(pulled, req, helm, `the pulled ${file}`);
    if (checked.ok) renameSync(pulled, kept);
    return checked.ok ? { ...checked, path: kept } : checked;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
