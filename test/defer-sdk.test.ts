/**
 * The deferred SDK modules (tools/defer-sdk.ts): a stand-in loads nothing until a function is called,
 * then forwards to the real module, which takes its place; the SDK's own closure-serialization modules
 * are stand-ins in a CLI's process, so TypeScript and arborist stay unloaded there, and the tests run
 * the SDK as installed.
 */
import { spawn } from "node:child_process";
import Module from "node:module";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { DEFERRED, deferModule, isDeferred, isToolProcess, PULUMI_SDK } from "../tools/defer-sdk";
import { ROOT } from "./helpers";

const cache = (Module as unknown as { _cache: Record<string, { exports: unknown } | undefined> })._cache;
const load = Module.createRequire(__filename);

/** A CommonJS module that counts its loads in a global and exports two functions and a constant. */
function fixture(body = "") {
  const file = join(mkdtempSync(join(tmpdir(), "defer-")), "mod.js");
  const counter = `__deferLoads_${Math.random().toString(36).slice(2)}`;
  writeFileSync(
    file,
    [
      `globalThis.${counter} = (globalThis.${counter} ?? 0) + 1;`,
      body,
      "exports.double = (x) => x * 2;",
      "exports.name = function () { return 'real'; };",
      "exports.answer = 42;",
    ].join("\n"),
  );
  const loads = () => ((globalThis as Record<string, unknown>)[counter] as number | undefined) ?? 0;
  return { file, loads };
}

type Fixture = { double(x: number): number; name(): string; answer: number };

describe("deferModule", () => {
  it("loads nothing until a listed function is called, then forwards to the real module", () => {
    const { file, loads } = fixture();
    expect(deferModule(file, ["double", "name"])).toBe(true);
    const m = load(file) as Fixture;
    expect([typeof m.double, typeof m.name, loads(), isDeferred(file)]).toEqual([
      "function",
      "function",
      0,
      true,
    ]);
    expect(m.double(21)).toBe(42);
    expect([loads(), isDeferred(file)]).toEqual([1, false]);
    expect(m.name()).toBe("real");
    expect((load(file) as Fixture).answer).toBe(42);
    expect(loads()).toBe(1);
  });

  it("loads the real module at once for anything it does not list", () => {
    const { file, loads } = fixture();
    deferModule(file, ["double"]);
    const m = load(file) as Fixture;
    expect(m.answer).toBe(42);
    expect(loads()).toBe(1);
    expect(Object.keys(m).sort()).toEqual(["answer", "double", "name"]);
  });

  it("leaves an already loaded module alone", () => {
    const { file, loads } = fixture();
    load(file);
    expect(deferModule(file, ["double"])).toBe(false);
    expect([loads(), isDeferred(file)]).toEqual([1, false]);
  });

  it("keeps the stand-in when the real module fails to load, and passes the error on", () => {
    const { file } = fixture("throw new Error('broken module');");
    deferModule(file, ["double"]);
    const m = load(file) as Fixture;
    expect(() => m.double(1)).toThrow("broken module");
    expect(isDeferred(file)).toBe(true);
  });
});

/**
 * What `npm run plan` (the script's own node flags, from package.json) has in its module cache when it
 * exits, a probe loaded before the plan reports it. The stack does not exist, so the plan stops right
 * after its start-up, which has loaded the SDKs and every module the plan imports: what the deferral
 * is for, at the price of one process start.
 */
function planProcess(): Promise<{ deferred: boolean[]; heavy: string[] }> {
  const probe = join(mkdtempSync(join(tmpdir(), "defer-probe-")), "probe.js");
  writeFileSync(
    probe,
    [
      "process.on('exit', () => {",
      `  const { DEFERRED, isDeferred, PULUMI_SDK } = require(${JSON.stringify(join(ROOT, "tools/defer-sdk.ts"))});`,
      "  const deferred = Object.keys(DEFERRED).map((p) => isDeferred(require('node:path').join(PULUMI_SDK, p)));",
      "  const heavy = Object.keys(require.cache).filter((f) => /[/]node_modules[/](typescript|@npmcli[/]arborist)[/]/.test(f));",
      "  process.stderr.write('PROBE' + JSON.stringify({ deferred, heavy }) + '\\n');",
      "});",
    ].join("\n"),
  );
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { plan: string } };
  const [node, ...flags] = pkg.scripts.plan.split(/\s+/);
  const script = flags.pop() as string;
  expect([node, script]).toEqual(["node", "tools/plan.ts"]);
  return new Promise((resolve, reject) => {
    const args = [...flags, "--require", probe, script, "--stack", "no-such-stack"];
    const child = spawn(process.execPath, args, { cwd: ROOT });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = /^PROBE(.*)$/m.exec(err)?.[1];
      if (code === 2 && line && err.includes("Pulumi.no-such-stack.yaml")) resolve(JSON.parse(line) as never);
      else reject(new Error(`exit ${code}: ${err}`));
    });
  });
}

describe("the deferred Pulumi SDK modules", () => {
  it("are stand-ins in npm run plan's process: its start-up loads the SDK, not TypeScript or arborist", async () => {
    expect(await planProcess()).toEqual({ deferred: [true, true], heavy: [] });
  });

  it("are deferred only when a tool is the process's entry, not under a test runner", () => {
    expect(isToolProcess({ filename: join(ROOT, "tools/plan.ts") } as Module)).toBe(true);
    expect(isToolProcess({ filename: join(ROOT, "node_modules/vitest/vitest.mjs") } as Module)).toBe(false);
    expect(isToolProcess(undefined)).toBe(false);
  });

  it("are the real modules in the tests, which run the SDK as installed", () => {
    expect(typeof pulumi.runtime.serializeFunction).toBe("function");
    expect(Object.keys(DEFERRED).map((path) => isDeferred(join(PULUMI_SDK, path)))).toEqual([false, false]);
    expect(Object.keys(DEFERRED).map((path) => cache[join(PULUMI_SDK, path)] !== undefined)).toEqual([
      true,
      true,
    ]);
  });

  it("list every function the real modules export (read from their source, which is not loaded)", () => {
    for (const [path, functions] of Object.entries(DEFERRED)) {
      const source = readFileSync(join(PULUMI_SDK, path), "utf8");
      const exported = [...source.matchAll(/^exports\.(\w+) = \1;$/gm)].map((m) => m[1]);
      expect([path, [...functions].sort()]).toEqual([path, exported.sort()]);
    }
  });
});
