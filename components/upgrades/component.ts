/**
 * Rolling upgrades with `talosctl`, run by `pulumi up` on the runner: one command per node, a node
 * roll (`components/rolling`) of one node per batch (control planes first, then workers), each
 * upgrading its node to the Image Factory installer of the stack's schematic and Talos version unless
 * it already runs it, and in every case waiting for `talosctl health`; then one `talosctl
 * upgrade-k8s`. A command runs only when its triggers change (Talos version and schematic; the
 * Kubernetes version) or when it is first created. Servers are never replaced for an upgrade (their
 * image is ignored after creation).
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec } from "../config/spec";
import { NodeRoll } from "../rolling/component";
import { planUpgrades, type UpgradeNode } from "./plan";
import {
  kubectlRange,
  kubernetesUpgradeScript,
  NO_OP_UPDATE,
  SHELL,
  talosctlRange,
  talosHealthArgs,
  talosStepEnvironment,
  talosUpgradeScript,
} from "./scripts";

/** Arguments of {@link TalosUpgrades}. */
export interface TalosUpgradesArgs {
  /** The resolved stack (target Talos and Kubernetes versions). @default none, required */
  readonly spec: ClusterSpec;
  /** The nodes in plan order, with the address the runner reaches their Talos API at. @default none, required */
  readonly nodes: readonly UpgradeNode<pulumi.Input<string>>[];
  /** The Image Factory schematic ID (`TalosImage.schematicId`). @default none, required */
  readonly schematicId: pulumi.Input<string>;
  /** The installer of that schematic and version (`factory.talos.dev/hcloud-installer/<id>:<version>`). @default none, required */
  readonly installerImage: pulumi.Input<string>;
  /**
   * A talosconfig with the admin credentials (secret; `TalosCluster.controlPlaneTalosconfig`): the
   * scripts name every node and endpoint themselves. @default none, required
   */
  readonly talosconfig: pulumi.Input<string>;
  /**
   * The admin kubeconfig the runner reaches the Kubernetes API with (secret): each step drains its
   * node with kubectl before the upgrade and uncordons it after. @default none, required
   */
  readonly kubeconfig: pulumi.Input<string>;
  /** What the first step waits for: the config applies, the cluster's releases. @default [] */
  readonly after?: readonly pulumi.Resource[];
}

/** The rolling Talos upgrade of every node, then the Kubernetes upgrade. */
export class TalosUpgrades extends pulumi.ComponentResource {
  /** One command per node, in execution order. */
  declare readonly steps: readonly command.local.Command[];
  /** `talosctl upgrade-k8s`, after the last step. */
  declare readonly kubernetes: command.local.Command;
  /** The Talos version every node runs, known once every step has run (or had nothing to do). */
  declare readonly talosVersion: pulumi.Output<string>;
  /** The Kubernetes version of the cluster, known once `upgrade-k8s` has run. */
  declare readonly kubernetesVersion: pulumi.Output<string>;
  /** talosctl's arguments for the health check each step runs (`talosHealthArgs`), for the deploy gate. */
  declare readonly healthArgs: pulumi.Output<string[]>;

  constructor(name: string, args: TalosUpgradesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hcloud-talos-cilium:upgrades:TalosUpgrades", name, {}, opts);
    const { spec } = args;
    const { talosVersion, kubernetesVersion } = spec.settings;
    const talosctl = talosctlRange(spec);
    const plan = planUpgrades(args.nodes);
    const talosconfig = pulumi.secret(args.talosconfig);
    const kubeconfig = pulumi.secret(args.kubeconfig);
    const target = {
      version: talosVersion,
      schematicId: args.schematicId,
      installerImage: args.installerImage,
    };

    // A roll of one node per batch: each step after the one before; each step checks health itself.
    const roll = new NodeRoll(
      `${name}-roll`,
      {
        plan: plan.roll,
        after: args.after,
        action: (node, dependsOn) =>
          new command.local.Command(
            `${name}-${node.name}`,
            {
              interpreter: [...SHELL],
              create: talosUpgradeScript(talosctl, kubectlRange(spec)),
              update: NO_OP_UPDATE,
              environment: {
                ...talosStepEnvironment({ node: node.name, address: node.address }, plan, target),
                TALOSCONFIG_CONTENT: talosconfig,
                KUBECONFIG_CONTENT: kubeconfig,
              },
              // Only these re-run a step (as a replacement, which runs `create`).
              triggers: [talosVersion, args.schematicId],
            },
            // The commands stay children of this component: a roll around them moves no URN.
            { parent: this, dependsOn: [...dependsOn] },
          ),
      },
      { parent: this },
    );
    const steps = roll.actions;
    const previous = roll.done;
    const kubernetes = new command.local.Command(
      `${name}-kubernetes`,
      {
        interpreter: [...SHELL],
        create: kubernetesUpgradeScript(talosctl),
        update: NO_OP_UPDATE,
        environment: {
          HEALTH_ADDRESS: plan.healthAddress,
          KUBERNETES_VERSION: kubernetesVersion,
          TALOSCONFIG_CONTENT: talosconfig,
        },
        triggers: [kubernetesVersion],
      },
      { parent: this, dependsOn: [...previous] },
    );

    this.steps = steps;
    this.kubernetes = kubernetes;
    this.talosVersion = pulumi.all(steps.map((s) => s.id)).apply(() => talosVersion);
    this.kubernetesVersion = kubernetes.id.apply(() => kubernetesVersion);
    this.healthArgs = pulumi
      .output(plan.healthAddress)
      .apply((healthAddress) => talosHealthArgs({ ...plan, healthAddress }));
    this.registerOutputs({
      talosVersion: this.talosVersion,
      kubernetesVersion: this.kubernetesVersion,
      healthArgs: this.healthArgs,
    });
  }
}
