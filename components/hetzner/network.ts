/**
 * The cluster's private network, its node subnet, the Cloud Firewall of the servers' public
 * interfaces, and the spread placement groups of every pool.
 */
import * as pulumi from "@pulumi/pulumi";
import * as hcloud from "@pulumi/hcloud";
import type { ClusterSpec } from "../config/spec";
import { clusterLabels } from "./labels";
import { placementGroups } from "../config/placement";
import { protectionOf } from "./protection";
import { firewallRules } from "./rules";

/** Arguments of {@link PrivateNetwork}. */
export interface PrivateNetworkArgs {
  /** The resolved cluster spec (network CIDRs, zone, pools, admin CIDRs, runner, production). @default none, required */
  readonly spec: ClusterSpec;
}

/** Hetzner network, node subnet, firewall and placement groups of one cluster. */
export class PrivateNetwork extends pulumi.ComponentResource {
  /** The network's ID (Hetzner IDs are integers). */
  declare readonly networkId: pulumi.Output<number>;
  /** The node subnet: servers and the load balancer depend on it to attach to the network. */
  declare readonly subnet: hcloud.NetworkSubnet;
  /** The Cloud Firewall every server is created with. */
  declare readonly firewallId: pulumi.Output<number>;
  /**
   * The firewall's URN: the deploy workflow closes the firewall again after the run with
   * `pulumi up --target <firewallUrn>` and `DEPLOY_RUNNER_IP` unset (contract 2).
   */
  declare readonly firewallUrn: pulumi.Output<string>;
  /** Spread placement group IDs by key `<pool>-<k>` (see `placementGroupOf`). */
  declare readonly placementGroupIds: Readonly<Record<string, pulumi.Output<number>>>;

  constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hcloud-talos-cilium:hetzner:PrivateNetwork", name, {}, opts);
    const { stack, settings } = args.spec;
    const labels = clusterLabels(stack);
    const { protect, deleteProtection } = protectionOf(settings);

    const network = new hcloud.Network(
      `${name}-network`,
      { ipRange: settings.networkCidr, labels, deleteProtection },
      { parent: this, protect },
    );
    const networkId = network.id.apply(Number);
    // Hetzner has no delete protection for subnets or firewalls: Pulumi's protect guards them.
    const subnet = new hcloud.NetworkSubnet(
      `${name}-subnet`,
      { networkId, type: "cloud", networkZone: settings.networkZone, ipRange: settings.nodeSubnetCidr },
      { parent: this, protect },
    );
    // Attached to each server at creation (firewallIds), not afterwards: a fresh Talos node sits in
    // maintenance mode and accepts an unauthenticated config on port 50000 until the first apply.
    const firewall = new hcloud.Firewall(
      `${name}-firewall`,
      { labels, rules: firewallRules(settings.adminCidrs, args.spec.runnerCidr) },
      { parent: this, protect },
    );

    const pools = [settings.controlPlane, ...settings.workerPools];
    const placementGroupIds: Record<string, pulumi.Output<number>> = {};
    for (const group of placementGroups(pools)) {
      const pg = new hcloud.PlacementGroup(
        `${name}-pg-${group.key}`,
        { type: "spread", labels: { ...labels, pool: group.pool } },
        { parent: this },
      );
      placementGroupIds[group.key] = pg.id.apply(Number);
    }

    this.networkId = networkId;
    this.subnet = subnet;
    this.firewallId = firewall.id.apply(Number);
    this.firewallUrn = firewall.urn;
    this.placementGroupIds = placementGroupIds;
    this.registerOutputs({
      networkId,
      firewallId: this.firewallId,
      firewallUrn: this.firewallUrn,
      placementGroupIds,
    });
  }
}
