/**
 * Talos releases: the version format, the minors this program supports, the kernel each ships, and
 * kernel version arithmetic. Shared vocabulary: the cluster rules and the upgrade path check the
 * Talos version against it, and the knobs' kernel rule (`knobs/kernel-needs.ts`, the agent's own
 * minimums) compares against the kernel it names.
 *
 * Source: datapath.md §3 (the kernel each Talos minor ships at its latest patch).
 */

import { compareVersions, parseVersion, type Version } from "./version";

/** A kernel version as [major, minor, patch]. */
export type KernelVersion = Version;

/** The kernel of the latest patch of each Talos minor (Talos 1.x → kernel). */
export const TALOS_KERNELS: Readonly<Record<string, KernelVersion>> = {
  // datapath.md §3: "1.8 and older ship 6.6 or older"; the 6.6 series is all any rule needs.
  "1.8": [6, 6, 0],
  "1.9": [6, 12, 25],
  "1.10": [6, 12, 63],
  "1.11": [6, 12, 62],
  "1.12": [6, 18, 42],
  "1.13": [6, 18, 44],
};

/** A parsed Talos version `vMAJOR.MINOR.PATCH`. */
export interface TalosVersion {
  readonly raw: string;
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** Parses `v1.13.9` (the leading `v` is required, as in Talos image tags); undefined when malformed. */
export function parseTalosVersion(raw: string): TalosVersion | undefined {
  const v = /^v\d+\.\d+\.\d+$/.test(raw) ? parseVersion(raw) : undefined;
  return v && { raw, major: v[0], minor: v[1], patch: v[2] };
}

/** The minor series of a Talos version, e.g. `1.13`. */
export function talosMinor(v: TalosVersion): string {
  return `${v.major}.${v.minor}`;
}

/** The kernel a Talos version ships, or undefined when the table does not know the minor. */
export function kernelOf(v: TalosVersion): KernelVersion | undefined {
  return TALOS_KERNELS[talosMinor(v)];
}

/** Negative when a < b, zero when equal, positive when a > b. */
export const compareKernel = compareVersions;

/** `6.18.44` */
export function formatKernel(k: KernelVersion): string {
  return k.join(".");
}

/**
 * Talos minors whose machine-config documents this program generates (the Talos 1.13 schema: network
 * settings as separate documents), with the Kubernetes range each supports (platform.md).
 */
export const SUPPORTED_TALOS: Readonly<Record<string, { readonly kubernetes: readonly [string, string] }>> = {
  "1.13": { kubernetes: ["1.31", "1.36"] },
};

/** The oldest supported Talos minor whose kernel is at least `k`, as `v1.13.x`, for an error's fix. */
export function oldestTalosFor(k: KernelVersion): string | undefined {
  const minor = Object.keys(SUPPORTED_TALOS).find((m) => {
    const kernel = TALOS_KERNELS[m];
    return kernel !== undefined && compareKernel(kernel, k) >= 0;
  });
  return minor && `v${minor}.x`;
}
