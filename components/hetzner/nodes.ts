/**
 * The cluster's servers: one Hetzner server per planned node, on the private network with its fixed
 * address, behind the Cloud Firewall, spread over placement groups, booting the Talos image of its
 * server type's architecture. The first control plane's public IPv4 is a Primary IP of its own: it is
 * the Kubernetes API endpoint of the runner and the operators (access.ts), and it survives a
 * replacement of that server, so the kubeconfig, the certificate SANs and the Kubernetes provider stay
 * as they are (pulumi-kubernetes replaces its provider, and every release it manages, when the
 * kubeconfig's server changes: provider.go DiffConfig).
 */
import * as pulumi from "@pulumi/pulumi";
import * as hcloud from "@pulumi/hcloud";
import { planNodes, type ClusterSpec, type NodePlan } from "../config/spec";
import { archOf, type ServerTypeArchitectures } from "./image";
import { clusterLabels, nodeLabels, type Arch } from "./labels";
import { placementGroupOf } from "../config/placement";
import { protectionOf, serverProtection, type Protection } from "./protection";

/** Arguments of {@link TalosNodes}. */
export interface TalosNodesArgs {
  /** The resolved cluster spec (pools, public addressing). @default none, required */
  readonly spec: ClusterSpec;
  /** The private network (`PrivateNetwork.networkId`). @default none, required */
  readonly networkId: pulumi.Input<number>;
  /** The node subnet; servers attach to the network only once it exists. @default none, required */
  readonly subnet: pulumi.Resource;
  /** The Cloud Firewall of the public interfaces (`PrivateNetwork.firewallId`). @default none, required */
  readonly firewallId: pulumi.Input<number>;
  /** Placement group IDs by `placementGroupOf(node).key` (`PrivateNetwork.placementGroupIds`). @default none, required */
  readonly placementGroupIds: Readonly<Record<string, pulumi.Input<number>>>;
  /** The Talos image ID per architecture the pools use (`talosImages`). @default none, required */
  readonly images: Readonly<Partial<Record<Arch, pulumi.Input<string | number>>>>;
  /** The architecture of each pool's server type (`checkedServerTypes`). @default none, required */
  readonly serverTypes: ServerTypeArchitectures;
  /**
   * User data per role. Hetzner caps it at 32 KiB, so the full machine config is pushed later over
   * the Talos API; at most small network documents belong here. @default {} (no user data)
   */
  readonly userData?: Readonly<Partial<Record<NodePlan["role"], pulumi.Input<string>>>>;
}

/** One created node, in plan order: its plan (`planNodes`: name, role, pool, index, private address) and its server. */
export interface TalosNode extends NodePlan {
  /** Where the runner reaches the Talos API: the public IPv4 when enabled, else the public IPv6. */
  readonly publicAddress: pulumi.Output<string>;
  readonly serverId: pulumi.Output<number>;
  /** The server itself: what a node's config apply is replaced with (`replaceWith`). */
  readonly server: pulumi.Resource;
}

/** Looks up a value a node needs, failing loudly on a wiring mistake instead of creating a broken server. */
function required<T>(table: Readonly<Record<string, T | undefined>>, key: string, what: string): T {
  const value = table[key];
  if (value === undefined) throw new Error(`TalosNodes: no ${what} for "${key}"`);
  return value;
}

/**
 * The first control plane's Primary IPv4, kept when its server is replaced (`autoDelete: false`), or
 * undefined without public IPv4. Hetzner requires a name, unique in the project like server names.
 */
function apiAddress(
  parent: pulumi.Resource,
  name: string,
  node: NodePlan,
  spec: ClusterSpec,
  guard: Protection,
): hcloud.PrimaryIp | undefined {
  if (!spec.settings.publicIPv4) return undefined;
  return new hcloud.PrimaryIp(
    `${name}-${node.name}-ipv4`,
    {
      name: `${node.name}-api`,
      type: "ipv4",
      location: node.pool.location,
      assigneeType: "server",
      autoDelete: false,
      labels: { ...clusterLabels(spec.stack), role: "kube-api" },
      deleteProtection: guard.deleteProtection,
    },
    { parent, protect: guard.protect },
  );
}

/** The Hetzner servers of every planned node. */
export class TalosNodes extends pulumi.ComponentResource {
  /** The nodes in plan order (control planes first). */
  declare readonly nodes: readonly TalosNode[];

  constructor(name: string, args: TalosNodesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hcloud-talos-cilium:hetzner:TalosNodes", name, {}, opts);
    const { stack, settings } = args.spec;
    const guard = protectionOf(settings);
    const images: Partial<Record<Arch, pulumi.Output<string>>> = {};
    for (const [arch, image] of Object.entries(args.images) as [Arch, pulumi.Input<string | number>][]) {
      images[arch] = pulumi.output(image).apply(String);
    }
    const plan = planNodes(args.spec);
    const first = plan[0] as NodePlan;
    const primary = apiAddress(this, name, first, args.spec, guard);

    this.nodes = plan.map((node) => {
      const ipv4 = node === first && primary ? { ipv4: primary.id.apply(Number) } : {};
      const server = new hcloud.Server(
        `${name}-${node.name}`,
        {
          name: node.name,
          serverType: node.pool.serverType,
          location: node.pool.location,
          image: required(images, archOf(args.serverTypes, node.pool.serverType), "image for architecture"),
          userData: args.userData?.[node.role],
          placementGroupId: required(args.placementGroupIds, placementGroupOf(node).key, "placement group"),
          firewallIds: [args.firewallId],
          networks: [{ networkId: args.networkId, ip: node.privateIp }],
          publicNets: [{ ...ipv4, ipv4Enabled: settings.publicIPv4, ipv6Enabled: settings.publicIPv6 }],
          labels: nodeLabels(stack, node),
          ...serverProtection(guard),
        },
        {
          parent: this,
          protect: guard.protect,
          dependsOn: [args.subnet],
          // A new Talos version or user data must never replace a server (hcloud replaces on both):
          // upgrades go through `talosctl upgrade`, config through the Talos API (platform.md).
          ignoreChanges: ["image", "userData"],
          // Server names are unique per project and the private IP is fixed, so a replacement
          // created before the old server is deleted would fail on both; delete it first.
          deleteBeforeReplace: true,
        },
      );
      return {
        ...node,
        publicAddress: settings.publicIPv4 ? server.ipv4Address : server.ipv6Address,
        serverId: server.id.apply(Number),
        server,
      };
    });
    this.registerOutputs({ nodes: this.nodes });
  }
}
