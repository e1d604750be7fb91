/**
 * `helm template` of a local chart archive, as data: the rendered objects, or the chart's own error.
 * The one place the project runs Helm. The real `helm` on PATH does the job on users' machines and in
 * the workflows (pinned there); where none is installed, `../shared/bin/helm` (an offline stand-in with
 * Helm 3's output) can be put on PATH. Nothing here reads `../shared` itself.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

/** A rendered Kubernetes object (only what every object has is typed). */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [field: string]: unknown;
}

/** What `helm template` made of a chart and values: the objects in Helm's order, or Helm's error. */
export type Rendered =
  | { readonly ok: true; readonly objects: readonly K8sObject[] }
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
}

/** The helm on PATH (or `helm`), and its version line; `undefined` when it cannot be run. */
export function helmVersion(helm = "helm"): string | undefined {
  const run = spawnSync(helm, ["version", "--short"], { encoding: "utf8" });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

/** The sha256 of a file, hex: what a Helm repository's index.yaml publishes as a chart's `digest`. */
export function sha256File(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** The objects of a multi-document YAML stream, skipping empty documents. */
export function objectsOf(yaml: string): K8sObject[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as unknown)
    .filter((o): o is K8sObject => typeof o === "object" && o !== null && "kind" in o);
}

/**
 * Renders `chart` (a local archive or directory) with `values`. The values go through a private
 * temporary file (umask-independent 0600, deleted afterwards), never the command line.
 */
export function helmTemplate(chart: string, values: unknown, opts: TemplateOptions): Rendered {
  const dir = mkdtempSync(join(tmpdir(), "htc-helm-"));
  try {
    const file = join(dir, "values.json");
    writeFileSync(file, JSON.stringify(values ?? {}), { mode: 0o600 });
    const args = ["template", opts.release, chart, "--namespace", opts.namespace, "--values", file];
    if (opts.kubeVersion) args.push("--kube-version", opts.kubeVersion);
    for (const api of opts.apiVersions ?? []) args.push("--api-versions", api);
    const run = spawnSync(opts.helm ?? "helm", args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (run.error) return { ok: false, error: `helm could not be run: ${run.error.message}` };
    if (run.status !== 0) return { ok: false, error: run.stderr.trim() || `helm exited ${run.status}` };
    return { ok: true, objects: objectsOf(run.stdout) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
