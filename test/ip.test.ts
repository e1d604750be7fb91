/**
 * The IPv4/IPv6 parser of the allow-lists (components/core/ip.ts): every RFC 4291 §2.2 text form
 * accepted, every malformed one refused, RFC 5952's canonical text, prefixes with host bits refused,
 * and whether a set of prefixes covers a whole address space.
 */
import { describe, expect, it } from "vitest";
import {
  coversFamily,
  formatAddress,
  formatPrefix,
  parseAddress,
  parseIpv6Address,
  parsePrefix,
  prefixContains,
  type Prefix,
} from "../components/core/ip";

const prefix = (text: string): Prefix => {
  const p = parsePrefix(text);
  if (!p.ok) throw new Error(`${text}: ${p.why}`);
  return p.prefix;
};

describe("IPv6 addresses (RFC 4291 §2.2)", () => {
  it.each([
    ["2001:db8:0:0:0:0:0:1", 0x2001_0db8_0000_0000_0000_0000_0000_0001n],
    ["2001:DB8::1", 0x2001_0db8_0000_0000_0000_0000_0000_0001n],
    ["::", 0n],
    ["::1", 1n],
    ["0::0", 0n],
    ["1::", 1n << 112n],
    ["fe80::1:2", (0xfe80n << 112n) | (1n << 16n) | 2n],
    ["::ffff:192.0.2.1", (0xffffn << 32n) | 0xc000_0201n],
    ["64:ff9b::198.51.100.7", (0x64n << 112n) | (0xff9bn << 96n) | 0xc633_6407n],
    ["0:0:0:0:0:0:192.0.2.1", 0xc000_0201n],
    ["1:2:3:4:5:6:7::", 0x0001_0002_0003_0004_0005_0006_0007_0000n],
    ["::2:3:4:5:6:7:8", 0x0000_0002_0003_0004_0005_0006_0007_0008n],
  ])("parses %s", (text, value) => {
    expect(parseIpv6Address(text)).toBe(value);
  });

  it.each([
    "1:::::::::",
    "1::2::3",
    ":::",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8::",
    "12345::",
    "g::1",
    ":1::",
    "1::2:",
    "::1.2.3",
    "::256.0.0.1",
    "1.2.3.4::",
    "::1.2.3.4:5",
    "fe80::1%eth0",
    "",
  ])("refuses %j", (text) => {
    expect(parseIpv6Address(text)).toBeUndefined();
  });

  it("tells the two families apart and refuses what is neither", () => {
    expect(parseAddress("198.51.100.7")).toEqual({ family: 4, value: 0xc633_6407n });
    expect(parseAddress("2001:db8::7")?.family).toBe(6);
    expect([parseAddress("198.51.100"), parseAddress("256.1.1.1"), parseAddress("runner")]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe("canonical text (RFC 5952)", () => {
  it.each([
    ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1:0:0:0:1", "2001:0:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["0::0", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["::ffff:192.0.2.1", "::ffff:192.0.2.1"],
  ])("writes %s as %s", (text, canonical) => {
    expect(formatAddress(parseAddress(text) ?? { family: 6, value: -1n })).toBe(canonical);
  });
});

describe("prefixes", () => {
  it("parses both families and writes them canonically", () => {
    expect(formatPrefix(prefix("0::0/0"))).toBe("::/0");
    expect(formatPrefix(prefix("2001:DB8::/32"))).toBe("2001:db8::/32");
    expect(formatPrefix(prefix("203.0.113.0/24"))).toBe("203.0.113.0/24");
  });

  it.each([
    ["10.0.1.5/24", { ok: false, why: "host bits are set", network: "10.0.1.0/24" }],
    ["2001:db8::1/32", { ok: false, why: "host bits are set", network: "2001:db8::/32" }],
    ["10.0.0.0/33", { ok: false, why: "the prefix length must be 0 to 32 for IPv4" }],
    ["::/129", { ok: false, why: "the prefix length must be 0 to 128 for IPv6" }],
    ["::/-1", { ok: false, why: "the prefix length must be 0 to 128 for IPv6" }],
    ["1:::::::::/64", { ok: false, why: "not an IPv4 or IPv6 address before the /" }],
    [
      "198.51.100.7",
      { ok: false, why: "a bare address, not a prefix (no /length)", network: "198.51.100.7/32" },
    ],
    [
      "2001:db8::7",
      { ok: false, why: "a bare address, not a prefix (no /length)", network: "2001:db8::7/128" },
    ],
    ["runner", { ok: false, why: "no /length, and not an IPv4 or IPv6 address either" }],
  ])("refuses %j", (text, result) => {
    expect(parsePrefix(text)).toEqual(result);
  });

  it("knows which prefix contains which, within one family only", () => {
    expect(prefixContains(prefix("2001:db8::/32"), prefix("2001:db8:1::/48"))).toBe(true);
    expect(prefixContains(prefix("2001:db8:1::/48"), prefix("2001:db8::/32"))).toBe(false);
    expect(prefixContains(prefix("::/0"), prefix("0.0.0.0/0"))).toBe(false);
  });
});

describe("covering a whole address space", () => {
  const covers = (texts: string[], family: 4 | 6) => coversFamily(texts.map(prefix), family);

  it.each([
    [["0.0.0.0/0"], 4],
    [["0.0.0.0/1", "128.0.0.0/1"], 4],
    [["128.0.0.0/1", "0.0.0.0/2", "64.0.0.0/2"], 4],
    [["::/0"], 6],
    [["0::0/0"], 6],
    [["::/1", "8000::/1"], 6],
    [["0.0.0.0/1", "0.0.0.0/1", "128.0.0.0/1"], 4],
  ] as const)("%j covers IPv%i", (texts, family) => {
    expect(covers([...texts], family)).toBe(true);
  });

  it.each([
    [["0.0.0.0/1"], 4],
    [["0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3"], 4],
    [["0.0.0.0/0"], 6],
    [["::/1", "8000::/2"], 6],
    [[], 4],
  ] as const)("%j leaves part of IPv%i out", (texts, family) => {
    expect(covers([...texts], family)).toBe(false);
  });
});
