/**
 * The Talos cluster on the servers: machine secrets, one generated config per machine type, the config
 * pushed to every node over the Talos API, etcd bootstrapped once on the first control plane, then the
 * admin kubeconfig and the talosconfig (platform.md: getConfiguration → ConfigurationApply → Bootstrap →
 * Kubeconfig). Every credential stays a secret Output end to end.
 *
 * The applies roll (`components/rolling`): one control plane at a time, then the workers in batches of
 * `workerBatchSize`, each node's apply followed by its health gate (`upgrades/gate.ts`: a reboot when
 * its config waits for one, then `talosctl health`, only when its applied config changed), and each
 * batch after the gates of the one before. A gate checks nothing on its node's first config (the
 * first deployment, a new node), so the bootstrap, which follows the first apply, is never held up;
 * downstream components depend on `bootstrap`, the Cilium release waits for its own readiness.
 */
import type * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec, NodePlan } from "../config/spec";
import { withServer } from "../hetzner/access";
import { KUBERNETES_API_PORT } from "../hetzner/rules";
import { NodeRoll } from "../rolling/component";
import { planRoll } from "../rolling/plan";
import {
  gateEnvironment,
  gateReboots,
  GATE_CREATE,
  gateUpdateScript,
  providerApplyMode,
} from "../upgrades/gate";
import { healthTargets } from "../upgrades/plan";
import { kubectlRange, SHELL, talosctlRange, type HealthTargets } from "../upgrades/scripts";
import { nodePatches, rolePatches, toYaml, type PatchDocument, type Role } from "./patches";
import * as talos from "./provider";

/**
 * A server to configure, as `TalosNodes.nodes` gives it: its plan (`planNodes`: the name is the Talos
 * hostname and the Kubernetes node name, the pool gives its labels and taints) and its address.
 */
export interface TalosClusterNode extends Pick<NodePlan, "name" | "role" | "pool" | "privateIp"> {
  /** Where the runner reaches the node's Talos API (port 50000). */
  readonly publicAddress: pulumi.Input<string>;
  /**
   * The node's server: a replaced server boots in maintenance mode and needs its config pushed again,
   * even when no input of the apply changed (the first control plane keeps its address through its
   * Primary IP). @default none: the apply is not tied to a server
   */
  readonly server?: pulumi.Resource;
}

/** Arguments of {@link TalosCluster}. */
export interface TalosClusterArgs {
  /** The resolved cluster spec. @default none, required */
  readonly spec: ClusterSpec;
  /** The control-plane endpoint: `host` for the API URL, `addresses` for certificate SANs. @default none, required */
  readonly endpoint: { readonly host: pulumi.Input<string>; readonly addresses: pulumi.Input<string[]> };
  /** The servers, control planes first (plan order). @default none, required */
  readonly nodes: readonly TalosClusterNode[];
  /** The Image Factory installer image (`TalosImage.installerImage`). @default none, required */
  readonly installerImage: pulumi.Input<string>;
  /** Run kubelets with an external cloud provider (hcloud cloud-controller-manager). @default false */
  readonly externalCloudProvider?: boolean;
  /**
   * The Kubernetes version the machine config carries. Pass the version the cluster runs: a new one
   * applied through the config would reach every node at once; `talosctl upgrade-k8s` moves it one
   * component at a time instead, and the next deployment's config then carries it.
   * @default spec.settings.kubernetesVersion
   */
  readonly kubernetesVersion?: pulumi.Input<string>;
  /** Pulumi `protect` on the machine secrets (the cluster CA): production sets it. @default false */
  readonly protect?: boolean;
  /**
   * Where the runner reaches the Kubernetes API: the server of the kubeconfig the gates drain nodes
   * with before a reboot (the cluster endpoint is the private load balancer). @default the cluster endpoint
   */
  readonly apiServer?: pulumi.Input<string>;
}

/** One config patch per document: each shows up as its own entry in a preview's diff. */
const patchStrings = (docs: readonly PatchDocument[]): string[] => docs.map((doc) => toYaml([doc]));

/** What the per-role and per-node steps share. */
interface Context {
  readonly name: string;
  readonly spec: ClusterSpec;
  readonly parent: pulumi.Resource;
  readonly secrets: talos.machine.Secrets;
  readonly endpoint: pulumi.Output<string>;
}

/** The generated machine configuration (secret) of each machine type, with the role patches in it. */
function machineConfigurations(ctx: Context, args: TalosClusterArgs): Record<Role, pulumi.Output<string>> {
  const { spec, secrets } = ctx;
  const patches = pulumi
    .all([args.endpoint.addresses, args.installerImage])
    .apply(([sans, installerImage]) =>
      rolePatches(spec, { sans, installerImage, externalCloudProvider: args.externalCloudProvider }),
    );
  const generate = (machineType: Role) =>
    talos.machine.getConfigurationOutput(
      {
        clusterName: spec.stack,
        machineType,
        clusterEndpoint: ctx.endpoint,
        machineSecrets: secrets.machineSecrets,
        talosVersion: spec.settings.talosVersion,
        kubernetesVersion: args.kubernetesVersion ?? spec.settings.kubernetesVersion,
        configPatches: patches.apply((p) => patchStrings(p[machineType])),
      },
      { parent: ctx.parent },
    ).machineConfiguration;
  return { controlplane: generate("controlplane"), worker: generate("worker") };
}

/**
 * A node's config apply, straight to its public address: a fresh node is in maintenance mode, where
 * apid proxies to no other node, so going through the load balancer (→ a control plane) would never
 * reach a worker's first boot. The provider gets a mode in which Talos never reboots on its own
 * (`providerApplyMode`): the node's gate reboots it when its config waits for that.
 */
function applyConfiguration(
  ctx: Context,
  node: TalosClusterNode,
  configs: Record<Role, pulumi.Output<string>>,
  dependsOn: readonly pulumi.Resource[],
): talos.machine.ConfigurationApply {
  return new talos.machine.ConfigurationApply(
    `${ctx.name}-apply-${node.name}`,
    {
      node: node.publicAddress,
      endpoint: node.publicAddress,
      clientConfiguration: ctx.secrets.clientConfiguration,
      machineConfigurationInput: configs[node.role],
      configPatches: patchStrings(nodePatches(node)),
      applyMode: providerApplyMode(ctx.spec.settings.talosApplyMode),
    },
    {
      parent: ctx.parent,
      dependsOn: [...dependsOn],
      // A replaced server must get its config again: replaceWith replaces the apply (its create pushes
      // the config) whenever the server is replaced (pulumi.com/docs/iac/concepts/resources/options/replacewith).
      replaceWith: node.server ? [node.server] : undefined,
    },
  );
}

/** The health gate after a node's apply: its command's scripts and environment (`upgrades/gate.ts`). */
function gateArgs(
  ctx: Context,
  node: TalosClusterNode,
  apply: talos.machine.ConfigurationApply,
  gate: {
    targets: HealthTargets<pulumi.Input<string>>;
    talosconfig: pulumi.Output<string>;
    kubeconfig: () => pulumi.Output<string>;
  },
): command.local.CommandArgs {
  const mode = ctx.spec.settings.talosApplyMode;
  const reboot = apply.resolvedApplyMode.apply((resolved) => (gateReboots(mode, resolved) ? "yes" : "no"));
  const env = gateEnvironment(
    { node: node.name, address: node.publicAddress, configHash: apply.machineConfigurationHash, reboot },
    gate.targets,
  );
  return {
    interpreter: [...SHELL],
    create: GATE_CREATE,
    update: gateUpdateScript(talosctlRange(ctx.spec), kubectlRange(ctx.spec)),
    environment: { ...env, TALOSCONFIG_CONTENT: gate.talosconfig, KUBECONFIG_CONTENT: gate.kubeconfig() },
  };
}

/**
 * etcd's bootstrap on the first control plane, then the admin kubeconfig from it. Bootstrap must run
 * once per cluster: the provider's Update, Read and Delete are no-ops, so only a new URN (rename,
 * re-parent, `--replace`) calls it again; on a node already running etcd that fails, on a fresh
 * replacement of the first server it would start a second, empty etcd. Its inputs matter at creation
 * only: ignoring them keeps a replaced first server or a renewed client certificate out of the diff.
 */
function bootstrapOn(ctx: Context, first: TalosClusterNode, firstApply: pulumi.Resource) {
  const clientConfiguration = ctx.secrets.clientConfiguration;
  const target = { node: first.publicAddress, endpoint: first.publicAddress, clientConfiguration };
  const bootstrap = new talos.machine.Bootstrap(`${ctx.name}-bootstrap`, target, {
    parent: ctx.parent,
    dependsOn: [firstApply],
    ignoreChanges: ["node", "endpoint", "clientConfiguration"],
  });
  const kubeconfig = new talos.cluster.Kubeconfig(`${ctx.name}-kubeconfig`, target, {
    parent: ctx.parent,
    dependsOn: [bootstrap],
  });
  return { bootstrap, kubeconfig };
}

/** Secrets, machine configs, per-node config apply, bootstrap, kubeconfig and talosconfig of a cluster. */
export class TalosCluster extends pulumi.ComponentResource {
  /** The admin kubeconfig as Talos hands it out (its server the cluster endpoint); secret. */
  declare readonly kubeconfig: pulumi.Output<string>;
  /**
   * The admin kubeconfig pointing at `apiServer`, where the runner reaches the Kubernetes API (the
   * gates drain with it; the program outputs it and manages Kubernetes through it); secret.
   */
  declare readonly apiKubeconfig: pulumi.Output<string>;
  /** The talosconfig for talosctl (control planes as endpoints, every node as a node); secret. */
  declare readonly talosconfig: pulumi.Output<string>;
  /**
   * A talosconfig with the control planes as endpoints and no default nodes, for commands that name
   * their node (`--nodes`); secret. It does not change when a worker is added, replaced or removed, so
   * a command holding it stays out of such a change's diff, and it depends on the control planes only
   * (holding `talosconfig` makes every command depend on every server: measured, that made a plan's
   * cost grow with the square of the nodes).
   */
  declare readonly controlPlaneTalosconfig: pulumi.Output<string>;
  /** The Talos API admin client credentials; secret. */
  declare readonly clientConfiguration: talos.machine.Secrets["clientConfiguration"];
  /** etcd's bootstrap: depend on it for anything that needs the Kubernetes API. */
  declare readonly bootstrap: talos.machine.Bootstrap;
  /** The config apply of every node, in roll order: control planes, then workers (plan order). */
  declare readonly applies: readonly talos.machine.ConfigurationApply[];
  /** The health gate after each apply, in the same order. */
  declare readonly gates: readonly command.local.Command[];
  /** The gates of the last batch: depend on them to run after the whole config roll. */
  declare readonly rolled: readonly pulumi.Resource[];
  /** `https://<endpoint host>:6443`. */
  declare readonly kubernetesEndpoint: pulumi.Output<string>;

  constructor(name: string, args: TalosClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hcloud-talos-cilium:talos:TalosCluster", name, {}, opts);
    const { spec } = args;
    const { settings } = spec;
    const nodes = args.nodes;
    const controlPlanes = nodes.filter((n) => n.role === "controlplane");
    const first = controlPlanes[0];
    if (!first) throw new Error("TalosCluster: no control-plane node");
    this.kubernetesEndpoint = pulumi.interpolate`https://${args.endpoint.host}:${KUBERNETES_API_PORT}`;

    // The provider replaces Secrets (a new CA: every node cut off) when talosVersion goes DOWN (its plan
    // modifier); the contract the secrets were made for never needs to change, so later edits are ignored.
    const secrets = new talos.machine.Secrets(
      `${name}-secrets`,
      { talosVersion: settings.talosVersion },
      { parent: this, ignoreChanges: ["talosVersion"], protect: args.protect ?? false },
    );
    const clientConfiguration = secrets.clientConfiguration;
    const ctx: Context = { name, spec, parent: this, secrets, endpoint: this.kubernetesEndpoint };
    const talosconfigOf = (targets: readonly TalosClusterNode[]) =>
      talos.client.getConfigurationOutput(
        {
          clusterName: spec.stack,
          clientConfiguration,
          endpoints: controlPlanes.map((n) => n.publicAddress),
          nodes: targets.map((n) => n.publicAddress),
        },
        { parent: this },
      ).talosConfig;
    const talosconfig = talosconfigOf(nodes);
    const controlPlaneTalosconfig = pulumi.secret(talosconfigOf([]));

    const configs = machineConfigurations(ctx, args);
    // The bootstrap and the kubeconfig follow the first apply alone; they are declared with it, so the
    // gates (the first one's included) can drain through the kubeconfig.
    let booted:
      | {
          bootstrap: talos.machine.Bootstrap;
          apiKubeconfig: pulumi.Output<string>;
          raw: pulumi.Output<string>;
        }
      | undefined;
    const server = args.apiServer ?? this.kubernetesEndpoint;
    const gate = {
      targets: healthTargets(nodes.map((n) => ({ ...n, address: n.publicAddress }))),
      talosconfig: controlPlaneTalosconfig,
      kubeconfig: () => {
        if (!booted) throw new Error("TalosCluster: a gate before the first apply");
        return booted.apiKubeconfig;
      },
    };
    const roll = new NodeRoll(
      `${name}-roll`,
      {
        plan: planRoll(nodes, { workerBatch: settings.workerBatchSize }),
        action: (node, dependsOn) => {
          const apply = applyConfiguration(ctx, node, configs, dependsOn);
          if (node.name === first.name) {
            const { bootstrap, kubeconfig } = bootstrapOn(ctx, first, apply);
            const raw = kubeconfig.kubeconfigRaw;
            // One rewrite for every gate and the program (it parses the YAML): once, not once per node.
            const apiKubeconfig = pulumi.secret(
              pulumi.all([raw, server]).apply(([k, s]) => withServer(k, s)),
            );
            booted = { bootstrap, apiKubeconfig, raw };
          }
          return apply;
        },
        gate: (node, apply) => gateArgs(ctx, node, apply, gate),
      },
      { parent: this },
    );
    const applies = roll.actions;
    if (!booted) throw new Error(`TalosCluster: the roll never applied ${first.name}'s config`);
    const { bootstrap } = booted;

    this.kubeconfig = pulumi.secret(booted.raw);
    this.apiKubeconfig = booted.apiKubeconfig;
    this.talosconfig = pulumi.secret(talosconfig);
    this.controlPlaneTalosconfig = controlPlaneTalosconfig;
    this.clientConfiguration = pulumi.secret(clientConfiguration);
    this.bootstrap = bootstrap;
    this.applies = applies;
    this.gates = roll.gates;
    this.rolled = roll.done;
    this.registerOutputs({
      kubernetesEndpoint: this.kubernetesEndpoint,
      kubeconfig: this.kubeconfig,
      talosconfig: this.talosconfig,
    });
  }
}
