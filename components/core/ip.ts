/**
 * IPv4 and IPv6 addresses and prefixes as numbers (pure), for allow-lists: a real parser for both
 * families (RFC 4291 §2.2 text forms for IPv6, RFC 4632 prefixes), the canonical text of an IPv6
 * address (RFC 5952), and whether a set of prefixes covers a whole address space. Network planning
 * (IPv4 only) stays in `cidr.ts`.
 */

/** An address family and its width in bits. */
export type Family = 4 | 6;

const BITS: Readonly<Record<Family, number>> = { 4: 32, 6: 128 };

/** A parsed address: its family and value. */
export interface Address {
  readonly family: Family;
  readonly value: bigint;
}

/** A parsed prefix: the network address (host bits clear), its length and family. */
export interface Prefix {
  readonly family: Family;
  readonly base: bigint;
  readonly length: number;
}

const DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEXTET = /^[0-9a-fA-F]{1,4}$/;

/** A dotted quad (`10.0.0.1`); undefined when malformed or an octet exceeds 255. */
export function parseIpv4Address(text: string): bigint | undefined {
  const m = DOTTED.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
}

/** The 16-bit groups of one side of `::`, an embedded IPv4 address allowed last; undefined when malformed. */
function hextets(part: string, ipv4Allowed: boolean): bigint[] | undefined {
  if (part === "") return [];
  const fields = part.split(":");
  const out: bigint[] = [];
  for (const [i, field] of fields.entries()) {
    if (HEXTET.test(field)) out.push(BigInt(`0x${field}`));
    else if (ipv4Allowed && i === fields.length - 1 && field.includes(".")) {
      const v4 = parseIpv4Address(field);
      if (v4 === undefined) return undefined;
      out.push(v4 >> 16n, v4 & 0xffffn);
    } else return undefined;
  }
  return out;
}

/**
 * An IPv6 address in any RFC 4291 §2.2 text form: eight groups of 1–4 hex digits, at most one `::`
 * standing for one or more zero groups, an IPv4 dotted quad as the last 32 bits. No zone index
 * (`%eth0`): a firewall rule has none. Undefined when malformed (`1:::::::::`, `1::2::3`, `12345::`).
 */
export function parseIpv6Address(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const [head = "", tail] = halves;
  const left = hextets(head, tail === undefined);
  const right = tail === undefined ? [] : hextets(tail, true);
  if (!left || !right) return undefined;
  const groups = left.length + right.length;
  // `::` stands for at least one group (RFC 4291 §2.2 note 2); without it there must be exactly eight.
  if (tail === undefined ? groups !== 8 : groups > 7) return undefined;
  const all = [...left, ...Array<bigint>(8 - groups).fill(0n), ...right];
  return all.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** A bare IPv4 or IPv6 address; undefined when it is neither. */
export function parseAddress(text: string): Address | undefined {
  const v4 = parseIpv4Address(text);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = text.includes(":") ? parseIpv6Address(text) : undefined;
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

/** Why a prefix's text was refused, or the prefix. */
export type PrefixParse =
  | { readonly ok: true; readonly prefix: Prefix }
  | { readonly ok: false; readonly why: string; readonly network?: string };

/**
 * Parses `address/length`. Refuses a missing or out-of-range length, an address that is not IPv4 or
 * IPv6, and host bits set (`10.0.1.5/24`): for those it names the network the text probably meant.
 */
export function parsePrefix(text: string): PrefixParse {
  const slash = text.indexOf("/");
  if (slash < 0) {
    const bare = parseAddress(text);
    const network = bare ? formatPrefix(hostPrefix(bare)) : undefined;
    return network
      ? { ok: false, why: "a bare address, not a prefix (no /length)", network }
      : { ok: false, why: "no /length, and not an IPv4 or IPv6 address either" };
  }
  const address = parseAddress(text.slice(0, slash));
  const lengthText = text.slice(slash + 1);
  if (!address) return { ok: false, why: "not an IPv4 or IPv6 address before the /" };
  const bits = BITS[address.family];
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > bits) {
    return { ok: false, why: `the prefix length must be 0 to ${bits} for IPv${address.family}` };
  }
  const length = Number(lengthText);
  const hostMask = (1n << BigInt(bits - length)) - 1n;
  const base = address.value & ~hostMask;
  if (base !== address.value) {
    const network = `${formatAddress({ family: address.family, value: base })}/${length}`;
    return { ok: false, why: "host bits are set", network };
  }
  return { ok: true, prefix: { family: address.family, base, length } };
}

/** The IPv4-mapped IPv6 prefix `::ffff:0:0/96` (RFC 4291 §2.5.5.2), written with a dotted quad (RFC 5952 §5). */
const MAPPED = 0xffffn << 32n;

/**
 * `10.0.0.1`, or an IPv6 address in RFC 5952 form: lower case, zeros compressed, `::` for the longest
 * run of two or more zero groups, an IPv4-mapped address as `::ffff:a.b.c.d`.
 */
export function formatAddress(a: Address): string {
  if (a.family === 4) return [24n, 16n, 8n, 0n].map((s) => String((a.value >> s) & 0xffn)).join(".");
  if (a.value >> 32n === MAPPED >> 32n)
    return `::ffff:${formatAddress({ family: 4, value: a.value & 0xffffffffn })}`;
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => (a.value >> s) & 0xffffn);
  // The longest run of two or more zero groups, the first one on a tie (RFC 5952 §4.2).
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (gs: bigint[]) => gs.map((g) => g.toString(16)).join(":");
  if (best.start < 0) return hex(groups);
  return `${hex(groups.slice(0, best.start))}::${hex(groups.slice(best.start + best.length))}`;
}

/** The prefix as text in canonical form (`::/0` for `0::0/0`). */
export function formatPrefix(p: Prefix): string {
  return `${formatAddress({ family: p.family, value: p.base })}/${p.length}`;
}

/** The host prefix of one address: `/32` for IPv4, `/128` for IPv6. */
export function hostPrefix(a: Address): Prefix {
  return { family: a.family, base: a.value, length: BITS[a.family] };
}

/** The first and last address of a prefix. */
function range(p: Prefix): readonly [bigint, bigint] {
  return [p.base, p.base + (1n << BigInt(BITS[p.family] - p.length)) - 1n];
}

/** Whether `outer` contains all of `inner` (same family). */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  if (outer.family !== inner.family || outer.length > inner.length) return false;
  const [lo, hi] = range(outer);
  return inner.base >= lo && inner.base <= hi;
}

/**
 * Whether the prefixes of one family, together, cover every address of it: `::/0`, or `0.0.0.0/1`
 * with `128.0.0.0/1`, or any other tiling. Merges the sorted ranges and looks for a gap.
 */
export function coversFamily(prefixes: readonly Prefix[], family: Family): boolean {
  const ranges = prefixes
    .filter((p) => p.family === family)
    .map(range)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let next = 0n;
  for (const [lo, hi] of ranges) {
    if (lo > next) return false;
    if (hi + 1n > next) next = hi + 1n;
  }
  return next === 1n << BigInt(BITS[family]);
}
