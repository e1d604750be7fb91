/**
 * What the stack's last deployment ran, read back from the stack's own outputs (`talosVersion`,
 * `kubernetesVersion`, `clusterFootprint`) through a StackReference to itself, and the checks of a
 * deployment against it: the version change, and what the change does to every server (the quorum
 * rule, config/quorum.ts). The I/O edge of the upgrades and of the change check at preview. A stack
 * that was never deployed has no outputs: nothing to check.
 */
import * as pulumi from "@pulumi/pulumi";
import { footprintImpacts, footprintOf, isFootprint, type Footprint } from "../config/footprint";
import { acceptedKeys, quorumVerdict } from "../config/quorum";
import { formatProblems } from "../config/read";
import type { ClusterSpec, Settings } from "../config/spec";
import { upgradeProblems, type DeployedVersions } from "./path";

/** The stack outputs the check reads; `index.ts` exports them under these names. */
export const DEPLOYED_OUTPUTS = ["talosVersion", "kubernetesVersion"] as const;

/** The organization of the stack; a DIY backend's stacks live in the literal `organization`. */
function organization(): string {
  try {
    return pulumi.getOrganization();
  } catch {
    return "organization";
  }
}

/** `<organization>/<project>/<stack>`: this stack. */
export function selfReferenceName(): string {
  return `${organization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

const asVersion = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The stack's reference to itself (a read: it changes nothing). */
export function selfReference(name: string): pulumi.StackReference {
  return new pulumi.StackReference(name, { name: selfReferenceName() });
}

/** The versions the last deployment exported; empty on a first deployment. */
export async function deployedVersions(self: pulumi.StackReference): Promise<DeployedVersions> {
  const [talosVersion, kubernetesVersion] = await Promise.all(
    DEPLOYED_OUTPUTS.map(async (key) => {
      const details = await self.getOutputDetails(key);
      return details.value ?? details.secretValue;
    }),
  );
  return { talosVersion: asVersion(talosVersion), kubernetesVersion: asVersion(kubernetesVersion) };
}

/**
 * The deployed versions, once the stack's version change is known to be a supported one; rejects with
 * a RunError naming every refused key otherwise. Awaited before the first resource, so a refused change
 * declares nothing and its message reaches the user once, as written: a RunError thrown inside an
 * apply that feeds a resource's or an invoke's inputs comes out prefixed with `error serializing
 * property "<name>": ` for every level it passed through (@pulumi/pulumi 3.270.0 runtime/rpc.js:137-145;
 * six levels from the config apply's inputs down to its patches), and logged again by each invoke.
 */
export async function checkedUpgradePath(
  settings: Pick<Settings, "talosVersion" | "kubernetesVersion">,
  self: pulumi.StackReference,
): Promise<DeployedVersions> {
  const previous = await deployedVersions(self);
  const problems = upgradeProblems(settings, previous);
  if (problems.length > 0) {
    throw new pulumi.RunError(
      `The version change is not a supported upgrade; nothing was created or changed:\n${formatProblems(problems)}`,
    );
  }
  return previous;
}

/** The stack output the footprint is exported as (`index.ts`); the next preview reads it back. */
export const FOOTPRINT_OUTPUT = "clusterFootprint";

/** The footprint the last deployment exported, or why there is none to compare with. */
export async function deployedFootprint(
  self: pulumi.StackReference,
): Promise<{ readonly footprint: Footprint } | { readonly none: string }> {
  const details = await self.getOutputDetails(FOOTPRINT_OUTPUT);
  const value = details.value ?? details.secretValue;
  if (value === undefined)
    return {
      none: `the last deployment exported no ${FOOTPRINT_OUTPUT} (a stack never deployed, or deployed before this check existed)`,
    };
  if (!isFootprint(value))
    return {
      none: `the last deployment's ${FOOTPRINT_OUTPUT} is of another version than this program compares`,
    };
  return { footprint: value };
}

/**
 * The quorum rule at preview: what this deployment does to every server, against the footprint the
 * last deployment exported. Awaited before any resource is declared, so a refused change creates and
 * changes nothing; rejects with a RunError naming every refused key. Logs what it compared, or why
 * nothing was (a first deployment, or one before the footprint was exported).
 */
export async function checkedNodeChanges(
  spec: ClusterSpec,
  self: pulumi.StackReference,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  const last = await deployedFootprint(self);
  if ("none" in last) {
    void pulumi.log.info(`Server changes: not checked against the last deployment: ${last.none}.`);
    return;
  }
  const impacts = footprintImpacts(last.footprint, footprintOf(spec));
  const verdict = quorumVerdict(
    impacts,
    last.footprint.settings,
    spec.settings,
    spec.stack,
    acceptedKeys(env),
  );
  for (const w of verdict.warnings) void pulumi.log.warn(w.message);
  if (verdict.refusals.length > 0) {
    throw new pulumi.RunError(
      `The change would take down a quorum; nothing was created or changed:\n${formatProblems(verdict.refusals)}`,
    );
  }
  const touched = impacts.map((i) => `${i.node}: ${i.effect}`).join(", ");
  void pulumi.log.info(`Server changes against the last deployment: ${touched === "" ? "none" : touched}.`);
}
