/**
 * The offline tools use a few of the Pulumi SDK's internals (tools/sdk-internals.ts: the promise helper and
 * runtime state; tools/defer-sdk.ts: the closure-serialization module paths), read in @pulumi/pulumi
 * 3.270.0. This fails on any other version: package.json must pin exactly that one, and it must be the one
 * installed, once. Upgrading the SDK means re-reading those internals in the new version, then moving
 * `SDK_CHECKED`, the pin and this test's version together.
 */
import { readFileSync } from "node:fs";
import Module from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SDK_CHECKED, SDK_INSTALLED, SDK_IS_CHECKED } from "../tools/sdk-internals";
import { ROOT } from "./helpers";

const json = (file: string): unknown => JSON.parse(readFileSync(join(ROOT, file), "utf8"));

describe("the Pulumi SDK the offline tools were checked against: @pulumi/pulumi 3.270.0", () => {
  it("is the version the internals were read in", () => {
    expect(SDK_CHECKED).toBe("3.270.0");
  });

  it("is pinned exactly in package.json and the lockfile", () => {
    const pkg = json("package.json") as { dependencies: Record<string, string> };
    const lock = json("package-lock.json") as {
      packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
    };
    expect(pkg.dependencies["@pulumi/pulumi"]).toBe("3.270.0");
    expect(lock.packages[""]?.dependencies?.["@pulumi/pulumi"]).toBe("3.270.0");
    expect(lock.packages["node_modules/@pulumi/pulumi"]?.version).toBe("3.270.0");
  });

  it("is installed, and only once (a second copy would have internals of its own)", () => {
    const lock = json("package-lock.json") as { packages: Record<string, unknown> };
    expect(Object.keys(lock.packages).filter((p) => p.endsWith("node_modules/@pulumi/pulumi"))).toEqual([
      "node_modules/@pulumi/pulumi",
    ]);
    expect([SDK_INSTALLED, SDK_IS_CHECKED]).toEqual(["3.270.0", true]);
  });

  it("has the internals as they were read: the promise helper and the leak report's set", () => {
    const sdk = Module.createRequire(__filename);
    const debuggable = sdk("@pulumi/pulumi/runtime/debuggable") as Record<string, unknown>;
    const state = sdk("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: unknown } };
    expect([typeof debuggable.debuggablePromise, typeof debuggable.debugPromiseLeaks]).toEqual([
      "function",
      "boolean",
    ]);
    expect(state.getStore().leakCandidates).toBeInstanceOf(Set);
  });
});
