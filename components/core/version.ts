/**
 * Dotted versions (pure): `1.36.3`, `v1.13.9`, `6.18.44`, or a minor such as `1.31`. One parser and one
 * comparison for every version rule: the kernel table, the Kubernetes range, chart minimums, upgrades.
 */

/** A version as [major, minor, patch]; a missing patch is 0. */
export type Version = readonly [number, number, number];

/** Parses `1.36.3`, `v1.13.9` or `1.31`; undefined when malformed. */
export function parseVersion(raw: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?$/.exec(raw);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Negative when a < b, zero when equal, positive when a > b. */
export function compareVersions(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The same version with the patch dropped, for rules that speak in minors. */
export function minorOf(v: Version): Version {
  return [v[0], v[1], 0];
}
