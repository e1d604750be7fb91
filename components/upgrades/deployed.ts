/**
 * What the stack's last deployment ran, read back from the stack's own outputs (`talosVersion`,
 * `kubernetesVersion`) through a StackReference to itself, and the check of a deployment's version
 * change against it. The I/O edge of the upgrades. A stack that was never deployed has no outputs:
 * nothing to check.
 */
import * as pulumi from "@pulumi/pulumi";
import { formatProblems } from "../config/read";
import type { Settings } from "../config/spec";
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

/** The versions the last deployment exported; empty on a first deployment. */
export function deployedVersions(name: string): pulumi.Output<DeployedVersions> {
  const self = new pulumi.StackReference(name, { name: selfReferenceName() });
  return pulumi
    .all(DEPLOYED_OUTPUTS.map((key) => self.getOutput(key)))
    .apply(([talosVersion, kubernetesVersion]) => ({
      talosVersion: asVersion(talosVersion),
      kubernetesVersion: asVersion(kubernetesVersion),
    }));
}

/**
 * The deployed versions, once the stack's version change is known to be a supported one; rejects with
 * a RunError naming every refused key otherwise. Whatever pushes Talos config or upgrades a node takes
 * its input through this, so a refused change fails `pulumi preview` and never reaches a node.
 */
export function checkedUpgradePath(
  settings: Pick<Settings, "talosVersion" | "kubernetesVersion">,
  deployed: pulumi.Output<DeployedVersions>,
): pulumi.Output<DeployedVersions> {
  return deployed.apply((previous) => {
    const problems = upgradeProblems(settings, previous);
    if (problems.length > 0) {
      throw new pulumi.RunError(
        `The version change is not a supported upgrade; no node was touched:\n${formatProblems(problems)}`,
      );
    }
    return previous;
  });
}
