/**
 * IPv4 CIDR arithmetic for network planning: parsing, containment, overlap, and the n-th address.
 * Allow-lists (IPv4 and IPv6 prefixes, a real IPv6 parser) are `ip.ts`'s.
 */

/** A parsed IPv4 CIDR: the network address as an unsigned 32-bit number, and the prefix length. */
export interface Cidr4 {
  readonly base: number;
  readonly prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** `10.0.0.1` → 167772161; undefined when not a dotted quad. */
export function parseIpv4(ip: string): number | undefined {
  const m = IPV4.exec(ip);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

/** 167772161 → `10.0.0.1` */
export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** The number of addresses in a prefix. */
function size(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** Parses `a.b.c.d/p`; undefined when malformed or when host bits are set (`10.0.1.5/24`). */
export function parseCidr4(cidr: string): Cidr4 | undefined {
  const [ip, p, ...rest] = cidr.split("/");
  if (ip === undefined || p === undefined || rest.length > 0 || !/^\d{1,2}$/.test(p)) return undefined;
  const base = parseIpv4(ip);
  const prefix = Number(p);
  if (base === undefined || prefix > 32 || base % size(prefix) !== 0) return undefined;
  return { base, prefix };
}

/** Whether `outer` contains all of `inner`. */
export function contains(outer: Cidr4, inner: Cidr4): boolean {
  return (
    outer.prefix <= inner.prefix &&
    Math.floor(inner.base / size(outer.prefix)) * size(outer.prefix) === outer.base
  );
}

/** Whether two CIDRs share any address. */
export function overlaps(a: Cidr4, b: Cidr4): boolean {
  return contains(a, b) || contains(b, a);
}

/** Whether the CIDR lies inside RFC 1918 private space (Hetzner networks must). */
export function isPrivate(c: Cidr4): boolean {
  return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].some((p) => contains(parseCidr4(p) as Cidr4, c));
}

/** The address at `offset` from the network address (offset 1 is the first host). */
export function hostAt(c: Cidr4, offset: number): string {
  if (offset <= 0 || offset >= size(c.prefix) - 1) {
    throw new RangeError(`offset ${offset} is outside the usable hosts of /${c.prefix}`);
  }
  return formatIpv4(c.base + offset);
}

/** The usable host count of a CIDR (network and broadcast excluded). */
export function usableHosts(c: Cidr4): number {
  return Math.max(0, size(c.prefix) - 2);
}
