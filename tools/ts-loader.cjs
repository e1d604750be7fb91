/**
 * How the command-line tools run TypeScript: `node --require ./tools/ts-loader.cjs tools/<tool>.ts`
 * (package.json's scripts). It teaches Node's CommonJS loader the `.ts` extension: each file is
 * transpiled by esbuild (types stripped, imports to `require`, nothing type-checked: `npm run
 * typecheck` does that) and the result is cached on disk, so a second run compiles nothing.
 *
 * Why not tsx, which the tools used before: tsx hooks every `require`, the SDK's ~1,000 JavaScript
 * files included, and reads each of them to decide whether it is ESM. A fresh `npm run plan` of the ci
 * stack spent 1.9 s of CPU under tsx and 1.3 s with this loader on the same loaded machine, the same
 * plan byte for byte (`npm run bench` prints the figure; issue 17's budget is 1 s). This loader
 * touches `.ts` files only and leaves every `.js` file to Node.
 *
 * The cache: one file per source path (its name the sha256 of the path), holding the transpiled code
 * under a first line with the sha256 of the source, the esbuild version and the Node target; a changed
 * source, esbuild or Node major version rewrites it, so the cache never holds more files than the checkouts have. Writes go to a
 * temporary file and are renamed into place, so two runs at once never read half a file. A cache that
 * cannot be written costs time, not correctness. `HTC_TS_CACHE=off` turns it off; the folder follows
 * `$XDG_CACHE_HOME` as the render cache does (tools/helm-template.ts).
 *
 * On Node 22.1 and later it also turns on Node's compile cache (below), in the same cache folder.
 *
 * Stack traces: the code carries an inline source map; Node applies it with `--enable-source-maps`,
 * or when PLAN_STACK_TRACES is set (the offline engine's switch for a crash inside the program).
 */
"use strict";
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const { homedir } = require("node:os");
const { join } = require("node:path");

/** esbuild, loaded on the first cache miss only (a warm run needs none of it). */
let esbuild;
const loadEsbuild = () => (esbuild ??= require("esbuild"));

const cacheDir = (() => {
  const set = process.env.HTC_TS_CACHE;
  if (set === "off") return undefined;
  if (set) return set;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "hcloud-talos-cilium", "ts");
})();

/** The installed esbuild's version, from its package.json (cheaper than loading esbuild). */
const ESBUILD_VERSION = require("esbuild/package.json").version;

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

/** The syntax esbuild emits for: this Node's major version (part of the cache stamp). */
const TARGET = `node${process.versions.node.split(".")[0]}`;

/** The transpiled code of `source` (the file at `filename`). */
function transpile(source, filename) {
  return loadEsbuild().transformSync(source, {
    loader: "ts",
    format: "cjs",
    target: TARGET,
    sourcefile: filename,
    sourcemap: "inline",
  }).code;
}

/** The cached code of `filename` when its stamp matches, else transpiles it and caches the result. */
function compiled(source, filename) {
  if (!cacheDir) return transpile(source, filename);
  const stamp = `// ${sha256(source)} esbuild ${ESBUILD_VERSION} ${TARGET}\n`;
  const slot = join(cacheDir, `${sha256(filename)}.js`);
  try {
    const cached = fs.readFileSync(slot, "utf8");
    if (cached.startsWith(stamp)) return cached.slice(stamp.length);
  } catch {
    // Not cached yet.
  }
  const code = transpile(source, filename);
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const temporary = `${slot}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, stamp + code);
    fs.renameSync(temporary, slot);
  } catch {
    // A cache that cannot be written costs time, not correctness.
  }
  return code;
}

if (process.env.PLAN_STACK_TRACES) process.setSourceMapsEnabled(true);

// Node 22.1+ keeps V8's compiled code of every module it loads from here on (the SDKs' ~1,000 files
// and ours) and reuses it while the file's content is the same (nodejs.org/api/module.html,
// module.enableCompileCache): a fresh run compiles next to nothing. Node 20 has no such API.
const { enableCompileCache } = require("node:module");
if (cacheDir && typeof enableCompileCache === "function") enableCompileCache(join(cacheDir, "..", "v8"));

require.extensions[".ts"] = function loadTypeScript(module, filename) {
  module._compile(compiled(fs.readFileSync(filename, "utf8"), filename), filename);
};
