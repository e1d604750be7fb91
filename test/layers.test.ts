/**
 * The imports between folders run one way: every `.ts` file belongs to a layer (`LAYERS`, lowest
 * first), and may import from its own layer and from layers below it, never from one above. So a fact
 * has one owner below everything that uses it: the vocabulary (definitions, problems and their
 * messages, versions, CIDR/IP maths, the Talos kernel table) at the bottom, then the knob catalogue
 * and its rules, config resolution, the components, the knob change check, the program, the tools and
 * the tests. The README's "How it works" draws the same list.
 *
 * Imports are read with TypeScript's own pre-processor (`ts.preProcessFile`): `import … from`,
 * `export … from`, `import type`, `import("…")` and `require("…")` alike.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import * as ts from "typescript";
import { describe, expect, it } from "vitest";

/** The layers, lowest first: a path prefix each (a folder ends in `/`), with what it holds. */
const LAYERS: readonly { readonly path: string; readonly holds: string }[] = [
  {
    path: "components/core/",
    holds: "config definitions, problems and their messages, versions, CIDR/IP maths, the Talos kernel table",
  },
  {
    path: "components/knobs/",
    holds: "the knob catalogue, the datapath rules, their sources, the kernel rule",
  },
  {
    path: "components/config/",
    holds:
      "the settings table, pools, the cluster rules, config resolution and reading, change facts, footprint, quorum",
  },
  { path: "components/rolling/", holds: "the node-by-node roll" },
  { path: "components/hetzner/", holds: "network, firewall, endpoint, servers, server types" },
  { path: "components/upgrades/", holds: "the upgrade path, the health gates, the upgrade commands" },
  { path: "components/agent-roll/", holds: "the guarded Cilium agent roll: its plan, scripts and commands" },
  { path: "components/cilium/", holds: "the Cilium Helm values and release" },
  { path: "components/cloud-controller/", holds: "the hcloud cloud-controller-manager" },
  { path: "components/talos/", holds: "the Talos patches, image and cluster, the Talos binding" },
  {
    path: "components/datapath/",
    holds: "the knob change check: soak gate, history, the rendered rollout report",
  },
  { path: "components/program.ts", holds: "the program" },
  { path: "index.ts", holds: "the Pulumi entry point" },
  { path: "tools/", holds: "the CLIs, the offline engine and its mocks" },
  { path: "test/", holds: "the tests" },
];

const ROOT = join(__dirname, "..");

/** The layer a file belongs to (the longest matching prefix), as an index into `LAYERS`. */
function layerOf(file: string): number | undefined {
  let best: number | undefined;
  LAYERS.forEach((l, i) => {
    const match = l.path.endsWith("/") ? file.startsWith(l.path) : file === l.path;
    if (
      match &&
      (best === undefined || l.path.length > (LAYERS[best] as (typeof LAYERS)[number]).path.length)
    )
      best = i;
  });
  return best;
}

/** The repository file a relative import names, as a path from the root (`.ts` or `/index.ts`). */
function target(from: string, spec: string, exists: (path: string) => boolean): string {
  const base = normalize(join(dirname(from), spec));
  return [`${base}.ts`, join(base, "index.ts"), base].find(exists) ?? base;
}

/** One import against the direction. */
interface Violation {
  readonly file: string;
  readonly imports: string;
  readonly message: string;
}

/**
 * Every import that runs upward, and every file outside the layers. `files` maps a path from the
 * root to its text; `exists` says whether a path is a file (of `files`, by default).
 */
function violations(
  files: ReadonlyMap<string, string>,
  exists: (path: string) => boolean = (p) => files.has(p),
): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of files) {
    const from = layerOf(file);
    if (from === undefined) {
      out.push({ file, imports: "", message: `${file} is in no layer: add its folder to LAYERS` });
      continue;
    }
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      if (!ref.fileName.startsWith(".")) continue;
      const imported = target(file, ref.fileName, exists);
      const to = layerOf(imported);
      if (to !== undefined && to <= from) continue;
      const where =
        to === undefined ? "outside every layer" : `in ${(LAYERS[to] as (typeof LAYERS)[number]).path}`;
      out.push({
        file,
        imports: imported,
        message: `${file} (${(LAYERS[from] as (typeof LAYERS)[number]).path}) imports ${imported}, ${where}: a lower layer must not import a higher one`,
      });
    }
  }
  return out;
}

/** Every `.ts` file of the repository (not node_modules, not the fixtures). */
function sources(dir = ""): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory())
      return e.name === "node_modules" || e.name.startsWith(".") || path === "test/fixtures"
        ? []
        : sources(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

describe("the layers", () => {
  it("fail on a lower folder importing a higher one, and on a file in no layer", () => {
    const planted = new Map([
      ["components/core/define.ts", 'import type { Settings } from "../config/spec";\n'],
      ["components/config/spec.ts", 'import { show } from "../core/define";\n'],
      [
        "components/knobs/check.ts",
        'export { talosMinor } from "../core/kernel";\nconst m = require("../talos");\n',
      ],
      ["components/talos/index.ts", ""],
      ["components/core/kernel.ts", ""],
      ["scripts/x.ts", ""],
    ]);
    expect(violations(planted).map((v) => v.message)).toEqual([
      "components/core/define.ts (components/core/) imports components/config/spec.ts, in components/config/: a lower layer must not import a higher one",
      "components/knobs/check.ts (components/knobs/) imports components/talos/index.ts, in components/talos/: a lower layer must not import a higher one",
      "scripts/x.ts is in no layer: add its folder to LAYERS",
    ]);
  });

  it("hold for every file of the repository", () => {
    const files = new Map(sources().map((f) => [f, readFileSync(join(ROOT, f), "utf8")]));
    expect(files.size).toBeGreaterThan(150);
    expect(violations(files, (p) => existsSync(join(ROOT, p)))).toEqual([]);
    // Every layer holds a file: the list says where things are, not where they might go.
    expect(LAYERS.filter((_, i) => ![...files.keys()].some((f) => layerOf(f) === i))).toEqual([]);
  });

  it("are the README's drawing, lowest last", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const drawing = readme.slice(
      readme.indexOf("<!-- layers:begin -->"),
      readme.indexOf("<!-- layers:end -->"),
    );
    const drawn = [...drawing.matchAll(/^\s*([\w./-]+\/|[\w./-]+\.ts)\s{2,}/gm)].map((m) => m[1]);
    expect(drawn).toEqual([...LAYERS.map((l) => l.path)].reverse());
  });
});
