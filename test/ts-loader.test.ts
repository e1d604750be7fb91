/**
 * tools/ts-loader.cjs, the tools' TypeScript hook: a `.ts` file runs with its types stripped, its
 * transpiled code is cached per source path, and a changed source (or a cache turned off) is
 * transpiled again, never served stale.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempRepos } from "./git-repos";
import { ROOT } from "./helpers";

const { tempDir } = tempRepos("ts-loader");
const LOADER = join(ROOT, "tools", "ts-loader.cjs");

/** Runs `node --require ts-loader.cjs <file>` with the cache in `cache`: its stdout, or throws with stderr. */
function run(file: string, cache: string): string {
  const r = spawnSync(process.execPath, ["--require", LOADER, file], {
    encoding: "utf8",
    env: { ...process.env, HTC_TS_CACHE: cache },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

describe("the tools' TypeScript loader", () => {
  it("runs TypeScript, caches it per file, and transpiles a changed source again", () => {
    const dir = tempDir();
    const cache = join(dir, "cache");
    const file = join(dir, "hello.ts");
    writeFileSync(join(dir, "helper.ts"), "export const word: string = 'first';\n");
    writeFileSync(file, "import { word } from './helper';\nconst n: number = 1;\nconsole.log(word, n);\n");
    expect(run(file, cache)).toBe("first 1\n");
    expect(readdirSync(cache)).toHaveLength(2);
    const slot = readdirSync(cache).map((f) => readFileSync(join(cache, f), "utf8"));
    expect(slot.every((text) => /^\/\/ [0-9a-f]{64} esbuild \S+ node\d+\n/.test(text))).toBe(true);

    writeFileSync(join(dir, "helper.ts"), "export const word: string = 'second';\n");
    expect(run(file, cache)).toBe("second 1\n");
    expect(readdirSync(cache)).toHaveLength(2);
  });

  it("with HTC_TS_CACHE=off runs the same and writes nothing", () => {
    const dir = tempDir();
    const file = join(dir, "x.ts");
    writeFileSync(file, "const s: string = 'ok';\nconsole.log(s);\n");
    expect(run(file, "off")).toBe("ok\n");
    expect(readdirSync(dir)).toEqual(["x.ts"]);
  });
});
