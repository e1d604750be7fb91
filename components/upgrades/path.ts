/**
 * Which version changes a deployment may make (pure): Talos and Kubernetes move at most one minor per
 * deployment, and never down a minor. Measured against what the stack's last deployment ran.
 *
 * Facts: Talos "Upgrading Talos Linux" (v1.13): config migration is tested only between adjacent
 * minors; the path is the latest patch of every intermediate minor. Talos "Upgrading Kubernetes":
 * `talosctl upgrade-k8s` moves one minor at a time (Kubernetes' version skew policy), patch changes
 * either way.
 */
import { describe, type Finding, type Problem } from "../core/define";
import type { Settings } from "../config/spec";
import { parseVersion } from "../core/version";
import { parseTalosVersion, SUPPORTED_TALOS, type TalosVersion } from "../core/kernel";

/** The versions the stack's last deployment left the nodes on; absent on a first deployment. */
export interface DeployedVersions {
  readonly talosVersion?: string;
  readonly kubernetesVersion?: string;
}

/**
 * The supported path from one Talos version to another: the latest patch of every minor from the
 * running one up to the target's, then the target (e.g. `v1.11.5 → v1.11.x → v1.12.x → v1.13.9`).
 */
export function talosUpgradePath(from: TalosVersion, to: TalosVersion): string[] {
  const minors = Array.from({ length: Math.max(0, to.minor - from.minor) }, (_, i) => from.minor + i);
  return [from.raw, ...minors.map((m) => `v${from.major}.${m}.x`), to.raw];
}

/** The minors this program's machine config cannot target, among those a path passes through. */
function unsupportedMinors(path: readonly string[]): string[] {
  return path.slice(1, -1).filter((step) => !(step.slice(1, -2) in SUPPORTED_TALOS));
}

function talosFinding(from: TalosVersion, to: TalosVersion): Finding | undefined {
  const since = `the nodes run ${from.raw} (this stack's last deployment)`;
  if (from.major !== to.major || to.minor < from.minor) {
    return {
      why: `${since}, and Talos documents and tests upgrades forward only, one minor at a time; going back is \`talosctl rollback\`'s job`,
      allowed: `v${from.major}.${from.minor}.x or v${from.major}.${from.minor + 1}.x`,
      fix: `set talosVersion back to ${from.raw}; to undo an upgrade, run \`talosctl rollback\` on each node (the previous image is kept), then set the version it rolled back to`,
    };
  }
  if (to.minor - from.minor <= 1) return undefined;
  const path = talosUpgradePath(from, to);
  const byHand = unsupportedMinors(path);
  const how =
    byHand.length > 0
      ? `; this program's machine config targets ${Object.keys(SUPPORTED_TALOS)
          .map((m) => `v${m}.x`)
          .join(
            ", ",
          )} only, so take the ${byHand.join(", ")} steps by hand with \`talosctl upgrade\` (README, "Day-2") and deploy ${to.raw} last`
      : ", one deployment per step";
  return {
    why: `${since}, and Talos migrates its configuration only between adjacent minors`,
    allowed: `v${from.major}.${from.minor}.x or v${from.major}.${from.minor + 1}.x`,
    fix: `upgrade one minor at a time, each to its latest patch: ${path.join(" → ")}${how}`,
  };
}

function kubernetesFinding(fromRaw: string, toRaw: string): Finding | undefined {
  const from = parseVersion(fromRaw);
  const to = parseVersion(toRaw);
  if (!from || !to) return undefined;
  const [fMajor, fMinor] = from;
  const [tMajor, tMinor] = to;
  const since = `the cluster runs Kubernetes ${fromRaw} (this stack's last deployment)`;
  const allowed = `${fMajor}.${fMinor}.x or ${fMajor}.${fMinor + 1}.x`;
  if (fMajor !== tMajor || tMinor < fMinor) {
    return {
      why: `${since}, and Kubernetes cannot go back a minor (objects are stored in the newer API versions)`,
      allowed,
      fix: `set kubernetesVersion back to ${fromRaw}, or a later ${fMajor}.${fMinor} patch`,
    };
  }
  if (tMinor - fMinor <= 1) return undefined;
  const steps = Array.from({ length: tMinor - fMinor - 1 }, (_, i) => `${fMajor}.${fMinor + 1 + i}.x`);
  return {
    why: `${since}, and \`talosctl upgrade-k8s\` moves one minor at a time (the version skew policy)`,
    allowed,
    fix: `deploy one minor at a time: ${[fromRaw, ...steps, toRaw].join(" → ")}`,
  };
}

/** Every refused version change of a deployment; none on a first deployment. */
export function upgradeProblems(
  settings: Pick<Settings, "talosVersion" | "kubernetesVersion">,
  deployed: DeployedVersions,
): Problem[] {
  const out: Problem[] = [];
  const from = deployed.talosVersion === undefined ? undefined : parseTalosVersion(deployed.talosVersion);
  const to = parseTalosVersion(settings.talosVersion);
  const talos = from && to && talosFinding(from, to);
  if (talos) out.push(describe("talosVersion", settings.talosVersion, talos));
  const k8s =
    deployed.kubernetesVersion !== undefined &&
    kubernetesFinding(deployed.kubernetesVersion, settings.kubernetesVersion);
  if (k8s) out.push(describe("kubernetesVersion", settings.kubernetesVersion, k8s));
  return out;
}
