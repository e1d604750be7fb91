/** Dotted versions: one parser and one comparison for every version rule. */
import { describe, expect, it } from "vitest";
import { compareVersions, minorOf, parseVersion } from "../components/core/version";
import { parseTalosVersion } from "../components/core/kernel";

describe("parseVersion", () => {
  it.each([
    ["1.36.3", [1, 36, 3]],
    ["v1.13.9", [1, 13, 9]],
    ["1.31", [1, 31, 0]],
    ["6.18.44", [6, 18, 44]],
  ] as const)("reads %s as %j", (raw, version) => {
    expect(parseVersion(raw)).toEqual(version);
  });

  it.each(["", "1", "1.36.3.1", "1.x", "V1.13.9", " 1.2.3", "1.36.3-rc.1"])("refuses %j", (raw) => {
    expect(parseVersion(raw)).toBeUndefined();
  });
});

describe("compareVersions and minorOf", () => {
  it("orders by major, then minor, then patch", () => {
    expect([
      compareVersions([1, 9, 9], [1, 10, 0]) < 0,
      compareVersions([1, 10, 1], [1, 10, 0]) > 0,
      compareVersions([2, 0, 0], [2, 0, 0]),
    ]).toEqual([true, true, 0]);
  });

  it("compares minors alone once the patch is dropped", () => {
    expect(compareVersions(minorOf([1, 36, 3]), minorOf([1, 36, 0]))).toBe(0);
  });
});

describe("parseTalosVersion", () => {
  it("needs the leading v of Talos tags and all three parts", () => {
    expect(parseTalosVersion("v1.13.9")).toEqual({ raw: "v1.13.9", major: 1, minor: 13, patch: 9 });
    expect([parseTalosVersion("1.13.9"), parseTalosVersion("v1.13")]).toEqual([undefined, undefined]);
  });
});
