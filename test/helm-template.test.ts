/**
 * tools/helm-template.ts: `helm template` of the real Cilium 1.20.0 archive (objects, sources, the
 * chart's own `fail`), what differs between two renders of the same values and why that is safe to
 * ignore, the content-addressed render cache (through a helm wrapper that counts its runs), and the
 * chart archive: a folder, `helm pull`, the pinned digest.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CILIUM_CHART_DIGESTS, CILIUM_REPO } from "../components/cilium/release";
import { canonicalJson, renderDiff, showRef, NON_IDEMPOTENT_LABEL } from "../components/datapath/render-diff";
import { ciliumValues } from "../components/cilium/values";
import {
  chartArchive,
  documentsOf,
  helmTemplate,
  helmTemplateAll,
  renderCacheDir,
  renderKey,
  sha256File,
  type Rendered,
} from "../tools/helm-template";
import { tempRepos } from "./git-repos";
import { helmOnPath, reference, specOf } from "./helpers";

const chart = reference("charts/cilium-1.20.0.tgz");
const helm = helmOnPath();
const DIGEST = "c5f013912360d1a334f44ef25f36da59ba3414cdb48f466ee12d0c4fdff27883";

const { tempDir: temp } = tempRepos("helm-template-test");

/** The path of the helm on PATH (the wrappers below run it). */
const realHelm = (): string => spawnSync("sh", ["-c", "command -v helm"], { encoding: "utf8" }).stdout.trim();

/** A helm wrapper that logs each call's first argument, answers `version` itself and runs the rest. */
function countingHelm(dir: string, version = "v3.99.0+counting"): { helm: string; runs: () => string[] } {
  const log = join(dir, "calls.log");
  const helm = join(dir, "helm");
  writeFileSync(
    helm,
    `#!/bin/sh\necho "$1" >> '${log}'\nif [ "$1" = version ]; then echo '${version}'; exit 0; fi\nexec '${realHelm()}' "$@"\n`,
  );
  chmodSync(helm, 0o755);
  return { helm, runs: () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : []) };
}

describe("documents of a helm template stream", () => {
  it("keeps each object's # Source template and skips empty documents", () => {
    const yaml =
      "---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: |\n    ---\n    y\n---\n# Source: c/templates/empty.yaml\n---\n# Source: c/templates/b.yaml\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n";
    const docs = documentsOf(yaml);
    expect(docs.sources).toEqual(["c/templates/a.yaml", "c/templates/b.yaml"]);
    expect(docs.objects.map((o) => [o.kind, o.metadata.name, o.data])).toEqual([
      ["ConfigMap", "a", { x: "---\ny\n" }],
      ["Secret", "b", undefined],
    ]);
  });

  it("uses $HTC_RENDER_CACHE, or the XDG cache, and 'off' for none", () => {
    expect(renderCacheDir({ HTC_RENDER_CACHE: "/c" })).toBe("/c");
    expect(renderCacheDir({ HTC_RENDER_CACHE: "off" })).toBe(false);
    expect(renderCacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/hcloud-talos-cilium/helm-template");
  });
});

describe.skipIf(!chart.present || helm === undefined)(
  "helm template of the real Cilium 1.20.0 archive",
  () => {
    const opts = { release: "cilium", namespace: "kube-system", kubeVersion: "1.36.3" };

    it("is the archive helm.cilium.io publishes (its index.yaml digest), the one pinned in code", () => {
      expect(sha256File(chart.path)).toBe(DIGEST);
      expect(CILIUM_CHART_DIGESTS["1.20.0"]).toBe(DIGEST);
    });

    it("renders the chart's objects in Helm's order, each with its template", () => {
      const r = helmTemplate(chart.path, {}, opts);
      if (!r.ok) throw new Error(r.error);
      const daemonSets = r.objects.flatMap((o, i) =>
        o.kind === "DaemonSet" ? [[o.metadata.name, r.sources[i]]] : [],
      );
      expect(daemonSets).toEqual([
        ["cilium", "cilium/templates/cilium-agent/daemonset.yaml"],
        ["cilium-envoy", "cilium/templates/cilium-envoy/daemonset.yaml"],
      ]);
    });

    it("returns the chart's own fail message", () => {
      const r = helmTemplate(chart.path, { hubble: { enabled: false, relay: { enabled: true } } }, opts);
      expect(r).toEqual({
        ok: false,
        error:
          "Error: execution error at (cilium/templates/validate.yaml:71:7): Hubble Relay requires .Values.hubble.enabled=true",
      });
    });

    describe("two renders of prod's values", () => {
      let first: Rendered;
      let second: Rendered;
      beforeAll(() => {
        // One from the cache (the costs test renders the same key), one fresh: two separate helm runs.
        const values = ciliumValues(specOf("prod"));
        first = helmTemplate(chart.path, values, opts);
        second = helmTemplate(chart.path, values, { ...opts, cache: false });
      });

      it("differ in the generated CA and Hubble certificates only, each labelled non-idempotent by the chart", () => {
        if (!first.ok || !second.ok) throw new Error("render failed");
        const differ = first.objects
          .filter((o, i) => canonicalJson(o) !== canonicalJson(second.ok ? second.objects[i] : undefined))
          .map((o) => [
            showRef({ ...o.metadata, kind: o.kind }),
            (o.metadata.labels as Record<string, string>)[NON_IDEMPOTENT_LABEL],
          ]);
        expect(differ).toEqual([
          ["Secret kube-system/cilium-ca", "true"],
          ["Secret kube-system/hubble-relay-client-certs", "true"],
          ["Secret kube-system/hubble-server-certs", "true"],
        ]);
      });

      it("compare equal: nothing rolls between two renders of the same values", () => {
        if (!first.ok || !second.ok) throw new Error("render failed");
        const d = renderDiff(first, second);
        expect([
          d.identical,
          d.workloads.filter((w) => w.fate !== "unchanged" && w.fate !== "absent"),
        ]).toEqual([true, []]);
      });

      it("come from templates that reuse the cluster's Secrets through lookup, so a real upgrade keeps them", () => {
        const template = (path: string) =>
          spawnSync("tar", ["-xzOf", chart.path, `cilium/templates/${path}`], { encoding: "utf8" }).stdout;
        expect(template("_helpers.tpl")).toContain(
          '{{- with lookup "v1" "Secret" (include "cilium.namespace" .) $secretName }}',
        );
        expect(template("_helpers.tpl")).toContain('{{- $secretName := "cilium-ca" -}}');
        expect(template("hubble/tls-helm/server-secret.yaml")).toContain(
          'lookup "v1" "Secret" (include "cilium.namespace" .) "hubble-server-certs"',
        );
        expect(template("hubble/tls-helm/relay-client-secret.yaml")).toContain(
          'lookup "v1" "Secret" (include "cilium.namespace" .) "hubble-relay-client-certs"',
        );
      });
    });
  },
);

describe.skipIf(!chart.present || helm === undefined)("the render cache", () => {
  /** A tiny chart: renders in milliseconds, fails on demand. */
  let tiny = "";
  beforeAll(() => {
    const dir = temp();
    mkdirSync(join(dir, "tiny", "templates"), { recursive: true });
    writeFileSync(join(dir, "tiny", "Chart.yaml"), "apiVersion: v2\nname: tiny\nversion: 0.1.0\n");
    writeFileSync(join(dir, "tiny", "values.yaml"), "x: a\n");
    writeFileSync(
      join(dir, "tiny", "templates", "cm.yaml"),
      '{{- if .Values.fail }}{{ fail "told to fail" }}{{- end }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\ndata:\n  x: {{ .Values.x | quote }}\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n',
    );
    expect(spawnSync("tar", ["-czf", "tiny-0.1.0.tgz", "tiny"], { cwd: dir }).status).toBe(0);
    tiny = join(dir, "tiny-0.1.0.tgz");
  });
  const opts = { release: "r", namespace: "n", kubeVersion: "1.36.3" };

  it("renders once per key: a repeated render does not run helm template", () => {
    const { helm, runs } = countingHelm(temp());
    const cache = temp();
    const a = helmTemplate(tiny, { x: "b" }, { ...opts, helm, cache });
    const b = helmTemplate(tiny, { x: "b" }, { ...opts, helm, cache });
    expect(b).toEqual(a);
    expect(a.ok && a.objects[0]?.data).toEqual({ x: "b", kube: "v1.36.3" });
    expect(runs()).toEqual(["version", "template"]);
    const key = renderKey({
      digest: sha256File(tiny),
      helm: "v3.99.0+counting",
      values: { x: "b" },
      ...opts,
    });
    expect(statSync(join(cache, key.slice(0, 2), `${key}.json`)).mode & 0o777).toBe(0o600);
  });

  it("renders again when anything that decides the output changes", () => {
    const { helm, runs } = countingHelm(temp());
    const cache = temp();
    helmTemplate(tiny, { x: "b" }, { ...opts, helm, cache });
    helmTemplate(tiny, { x: "c" }, { ...opts, helm, cache });
    helmTemplate(tiny, { x: "c" }, { ...opts, release: "s", helm, cache });
    helmTemplate(tiny, { x: "c" }, { ...opts, namespace: "m", helm, cache });
    helmTemplate(tiny, { x: "c" }, { ...opts, kubeVersion: "1.35.0", helm, cache });
    helmTemplate(tiny, { x: "c" }, { ...opts, apiVersions: ["v1/Foo"], helm, cache });
    expect(runs().filter((r) => r === "template")).toHaveLength(6);
    const other = countingHelm(temp(), "v3.99.1+other");
    helmTemplate(tiny, { x: "b" }, { ...opts, helm: other.helm, cache });
    expect(other.runs()).toEqual(["version", "template"]);
  });

  it("keys archives by content and values by meaning, not by path or key order", () => {
    const key = (o: Partial<Parameters<typeof renderKey>[0]>) =>
      renderKey({
        digest: "d",
        helm: "h",
        release: "r",
        namespace: "n",
        values: { a: 1, b: { c: 2, d: 3 } },
        ...o,
      });
    expect(key({ values: { b: { d: 3, c: 2 }, a: 1 } })).toBe(key({}));
    expect(
      new Set([
        key({}),
        key({ digest: "e" }),
        key({ helm: "i" }),
        key({ kubeVersion: "1.36.3" }),
        key({ values: { a: 2 } }),
      ]).size,
    ).toBe(5);
    const { helm, runs } = countingHelm(temp());
    const cache = temp();
    const copy = join(temp(), "elsewhere.tgz");
    copyFileSync(tiny, copy);
    helmTemplate(tiny, { x: "b" }, { ...opts, helm, cache });
    helmTemplate(copy, { x: "b" }, { ...opts, helm, cache });
    expect(runs().filter((r) => r === "template")).toHaveLength(1);
  });

  it("renders many value sets in parallel processes with the same results and the same cache", async () => {
    const { helm, runs } = countingHelm(temp());
    const cache = temp();
    const o = { ...opts, helm, cache };
    helmTemplate(tiny, { x: "a" }, o);
    const jobs = [{ x: "a" }, { x: "b" }, { fail: true }, { x: "c" }, { x: "b" }].map((values) => ({
      values,
      opts: o,
    }));
    const all = await helmTemplateAll(tiny, jobs, 3);
    expect(all).toEqual(jobs.map((j) => helmTemplate(tiny, j.values, { ...opts, cache: false })));
    // One render before; then b, the fail and c (the second b may race the first: at most one more).
    const templates = runs().filter((r) => r === "template").length;
    expect([4, 5]).toContain(templates);
    helmTemplate(tiny, { x: "c" }, o);
    expect(runs().filter((r) => r === "template")).toHaveLength(templates);
  });

  it("treats a corrupt entry as a miss and replaces it", () => {
    const { helm, runs } = countingHelm(temp());
    const cache = temp();
    const first = helmTemplate(tiny, { x: "b" }, { ...opts, helm, cache });
    const key = renderKey({
      digest: sha256File(tiny),
      helm: "v3.99.0+counting",
      values: { x: "b" },
      ...opts,
    });
    const file = join(cache, key.slice(0, 2), `${key}.json`);
    writeFileSync(file, '{"key": "truncat');
    expect(helmTemplate(tiny, { x: "b" }, { ...opts, helm, cache })).toEqual(first);
    expect(JSON.parse(readFileSync(file, "utf8")).key).toBe(key);
    expect(runs().filter((r) => r === "template")).toHaveLength(2);
  });

  it("caches the chart's fail, never a helm that cannot run, and never a chart folder", () => {
    const { helm, runs } = countingHelm(temp());
    const cache = temp();
    const failed = helmTemplate(tiny, { fail: true }, { ...opts, helm, cache });
    expect(failed.ok ? "" : failed.error).toMatch(
      /^Error: execution error at \(tiny\/templates\/cm.yaml:1:25\): told to fail$/,
    );
    expect(helmTemplate(tiny, { fail: true }, { ...opts, helm, cache })).toEqual(failed);
    expect(runs().filter((r) => r === "template")).toHaveLength(1);
    expect(helmTemplate(tiny, {}, { ...opts, helm: join(temp(), "no-helm"), cache })).toEqual({
      ok: false,
      error: expect.stringMatching(/^helm could not be run: /) as unknown as string,
    });
    const folder = join(temp(), "tiny");
    spawnSync("tar", ["-xzf", tiny, "-C", join(folder, "..")]);
    helmTemplate(folder, {}, { ...opts, helm, cache });
    helmTemplate(folder, {}, { ...opts, helm, cache });
    expect(runs().filter((r) => r === "template")).toHaveLength(3);
  });
});

describe.skipIf(!chart.present || helm === undefined)("the chart archive", () => {
  const request = (over: Partial<Parameters<typeof chartArchive>[0]> = {}) =>
    chartArchive({
      name: "cilium",
      version: "1.20.0",
      repo: CILIUM_REPO,
      digest: CILIUM_CHART_DIGESTS["1.20.0"],
      pullCache: temp(),
      ...over,
    });
  const folder = () => join(chart.path, "..");

  it("takes <charts>/cilium-<version>.tgz when it matches the pinned digest", () => {
    expect(request({ charts: folder() })).toMatchObject({ ok: true, path: chart.path, digest: DIGEST, helm });
  });

  it("refuses an archive that does not match, naming both digests", () => {
    const dir = temp();
    writeFileSync(
      join(dir, "cilium-1.20.0.tgz"),
      Buffer.concat([readFileSync(chart.path), Buffer.from([0])]),
    );
    const got = sha256File(join(dir, "cilium-1.20.0.tgz"));
    expect(request({ charts: dir })).toEqual({
      ok: false,
      reason: "digest-mismatch",
      message: `${join(dir, "cilium-1.20.0.tgz")} has sha256 ${got}, not the ${DIGEST} pinned for cilium 1.20.0; refusing to render it. Fix: use the archive https://helm.cilium.io publishes`,
    });
  });

  it("says which archive is missing from --charts, and refuses a version with no pinned digest", () => {
    const dir = temp();
    expect(request({ charts: dir })).toEqual({
      ok: false,
      reason: "no-archive",
      message: `--charts ${dir} has no cilium-1.20.0.tgz. Fix: put the archive there, or leave out --charts to pull it`,
    });
    expect(request({ version: "1.20.1", digest: undefined, charts: folder() })).toEqual({
      ok: false,
      reason: "unknown-version",
      message:
        "no sha256 is pinned for cilium 1.20.1, so no archive of it is trusted. Fix: add the digest https://helm.cilium.io/index.yaml publishes for it to CILIUM_CHART_DIGESTS (components/cilium/release.ts)",
    });
  });

  it("says when there is no helm", () => {
    expect(request({ helm: join(temp(), "helm"), charts: folder() })).toEqual({
      ok: false,
      reason: "no-helm",
      message: "no helm on PATH. Fix: install Helm 3 (https://helm.sh/docs/intro/install/)",
    });
  });

  /** A helm whose `pull` writes `bytes` as the archive, logging its arguments. */
  function pullingHelm(bytes: Buffer): { helm: string; log: string } {
    const dir = temp();
    const payload = join(dir, "payload.tgz");
    writeFileSync(payload, bytes);
    const log = join(dir, "pull.log");
    const helm = join(dir, "helm");
    writeFileSync(
      helm,
      `#!/bin/sh\nif [ "$1" = version ]; then echo v3.99.0+pull; exit 0; fi\necho "$@" >> '${log}'\nwhile [ $# -gt 0 ]; do if [ "$1" = --destination ]; then cp '${payload}' "$2/cilium-1.20.0.tgz"; fi; shift; done\n`,
    );
    chmodSync(helm, 0o755);
    return { helm, log };
  }

  it("pulls by version from the repository, keeps a verified archive and does not pull it again", () => {
    const pullCache = temp();
    const { helm, log } = pullingHelm(readFileSync(chart.path));
    const first = request({ helm, pullCache });
    expect(first).toMatchObject({ ok: true, path: join(pullCache, "cilium-1.20.0.tgz"), digest: DIGEST });
    expect(request({ helm, pullCache })).toEqual(first);
    expect(readFileSync(log, "utf8").split("\n")[0]).toMatch(
      /^pull cilium --repo https:\/\/helm\.cilium\.io --version 1\.20\.0 --destination \S+$/,
    );
    expect(readFileSync(log, "utf8").trim().split("\n")).toHaveLength(1);
  });

  it("does not keep a pulled archive that fails the digest", () => {
    const pullCache = temp();
    const { helm } = pullingHelm(Buffer.from("not the chart"));
    expect(request({ helm, pullCache })).toMatchObject({ ok: false, reason: "digest-mismatch" });
    expect(existsSync(join(pullCache, "cilium-1.20.0.tgz"))).toBe(false);
  });

  it("falls back when the helm on PATH cannot pull (the offline stand-in exits 64)", () => {
    const dir = temp();
    const helm = join(dir, "helm");
    writeFileSync(
      helm,
      '#!/bin/sh\nif [ "$1" = version ]; then echo v3.19.0+offline; exit 0; fi\necho "Error: unsupported" >&2\nexit 64\n',
    );
    chmodSync(helm, 0o755);
    expect(request({ helm })).toEqual({
      ok: false,
      reason: "no-archive",
      message:
        "helm pull cilium --repo https://helm.cilium.io --version 1.20.0 failed: the helm on PATH cannot pull (offline stand-in). Fix: pass --charts <folder with cilium-1.20.0.tgz>",
    });
  });
});

if (!chart.present || helm === undefined) {
  it.skip(`needs ${chart.present ? "helm on PATH (../shared/bin/helm offline)" : chart.path}`, () => {});
}
