/**
 * The public reference data in test/fixtures: every file is listed in SOURCES.md with its source and
 * sha256, and matches it; reference() finds them; a missing one fails under CI instead of skipping.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { neededUnderCi, reference, REFERENCE, underCi } from "./helpers";

/** Every file below a folder, relative to it, sorted. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** The SOURCES.md table: file → sha256. */
function listed(): Map<string, string> {
  const text = readFileSync(join(REFERENCE, "SOURCES.md"), "utf8");
  const rows = [...text.matchAll(/^\| `([^`]+)` \| `([0-9a-f]{64})` \| .+ \|$/gm)];
  return new Map(rows.map((m) => [m[1] ?? "", m[2] ?? ""]));
}

describe("test/fixtures", () => {
  it("lists every fixture in SOURCES.md with its sha256, and each file matches its digest", () => {
    const table = listed();
    expect(filesBelow(REFERENCE).filter((f) => f !== "SOURCES.md")).toEqual([...table.keys()].sort());
    for (const [file, sha] of table) {
      expect(
        createHash("sha256")
          .update(readFileSync(join(REFERENCE, file)))
          .digest("hex"),
        file,
      ).toBe(sha);
    }
  });

  it("holds the Cilium chart archive helm.cilium.io publishes (its index.yaml digest, contract 1)", () => {
    expect(listed().get("charts/cilium-1.20.0.tgz")).toBe(
      "c5f013912360d1a334f44ef25f36da59ba3414cdb48f466ee12d0c4fdff27883",
    );
  });

  it("reference() reads a fixture from the repository", () => {
    const r = reference("talos-v1.13.9/config.schema.json", {});
    expect([r.path, r.present]).toEqual([join(REFERENCE, "talos-v1.13.9/config.schema.json"), true]);
    expect(JSON.parse(r.read())).toMatchObject({ $schema: "https://json-schema.org/draft/2020-12/schema" });
  });

  it("a missing fixture skips outside CI and fails under CI, naming the file", () => {
    const path = join(REFERENCE, "cilium-9.9.9/values.yaml");
    expect(reference("cilium-9.9.9/values.yaml", {}).present).toBe(false);
    expect(() => reference("cilium-9.9.9/values.yaml", { CI: "true" })).toThrow(
      `the test fixture ${path} is missing, and CI is set: the tests that need it fail instead of skipping. Fix: restore it (test/fixtures/SOURCES.md says where each fixture comes from), or install the tool.`,
    );
  });

  it("a missing tool fails under CI too; CI means CI set to anything but empty or false", () => {
    expect(neededUnderCi("helm on PATH", undefined, { CI: "" })).toBeUndefined();
    expect(neededUnderCi("helm on PATH", "v3.21.4", { CI: "true" })).toBe("v3.21.4");
    expect(() => neededUnderCi("helm on PATH", undefined, { CI: "1" })).toThrow(
      /^helm on PATH is missing, and CI is set/,
    );
    expect([underCi({}), underCi({ CI: "false" }), underCi({ CI: "true" }), underCi({ CI: "1" })]).toEqual([
      false,
      false,
      true,
      true,
    ]);
  });
});
