/**
 * The program: config → server types (asked before anything is declared) → image → network →
 * endpoint → servers → Talos cluster → Cilium and the cloud controller → rolling upgrades → outputs.
 * `index.ts` exports what this resolves to; the plan command, the benchmark and the tests run the
 * same function under the mock engine.
 */
import * as pulumi from "@pulumi/pulumi";
import { AgentRoll } from "./agent-roll";
import { Cilium } from "./cilium";
import { CloudControllerManager, hcloudToken } from "./cloud-controller";
import { loadClusterSpec } from "./config/read";
import type { ClusterSpec } from "./config/spec";
import {
  accessPlan,
  accessStatement,
  apiUrl,
  checkedServerTypes,
  ControlPlaneEndpoint,
  PrivateNetwork,
  protectionOf,
  TalosNodes,
  talosImages,
  type ServerTypeArchitectures,
  type TalosNode,
} from "./hetzner";
import { TalosCluster, TalosImage } from "./talos";
import { footprintOf } from "./config/footprint";
import { EtcdMembers } from "./upgrades/etcd-member";
import { checkedNodeChanges, checkedUpgradePath, selfReference, TalosUpgrades } from "./upgrades";
import { talosctlRange } from "./upgrades/scripts";

/** The Hetzner layer: network, firewall, endpoint and servers, each server on its type's image. */
function hetznerLayer(
  spec: ClusterSpec,
  serverTypes: ServerTypeArchitectures,
  schematicId: pulumi.Input<string>,
) {
  const network = new PrivateNetwork(spec.stack, { spec });
  const endpoint = new ControlPlaneEndpoint(`${spec.stack}-api`, {
    spec,
    networkId: network.networkId,
    subnet: network.subnet,
  });
  const servers = new TalosNodes("nodes", {
    spec,
    networkId: network.networkId,
    subnet: network.subnet,
    firewallId: network.firewallId,
    placementGroupIds: network.placementGroupIds,
    images: talosImages(spec, serverTypes, schematicId),
    serverTypes,
  });
  return { network, endpoint, servers };
}

/**
 * Where the runner and operators reach the Kubernetes API (contract 2): the public load balancer when
 * `publicApiEndpoint`, else the first control plane's public address, which the certificate SANs
 * must then hold too.
 */
function kubernetesApi(spec: ClusterSpec, endpoint: ControlPlaneEndpoint, first: TalosNode) {
  if (accessPlan(spec).kubernetesApi === "public-load-balancer") {
    return { host: endpoint.host, sans: endpoint.addresses };
  }
  const sans = pulumi.all([endpoint.addresses, first.publicAddress]).apply(([lb, node]) => [...lb, node]);
  return { host: first.publicAddress, sans };
}

/**
 * Declares every resource of the stack and resolves to the stack outputs. `spec` defaults to the stack's
 * config, read and validated before anything is declared; the benchmark passes one it resolved itself.
 */
export async function program(spec: ClusterSpec = loadClusterSpec()) {
  // The cloud controller needs the Hetzner token in the cluster: a missing one fails before anything.
  const token = hcloudToken();
  // Asked before the first resource: a refused server type creates nothing (server-type-lookup.ts).
  const serverTypes = await checkedServerTypes(spec.settings);
  void pulumi.log.info(accessStatement(accessPlan(spec)));
  const { protect } = protectionOf(spec.settings);
  // The last deployment, read back through the stack's reference to itself (a read changes nothing).
  const self = selfReference(`${spec.stack}-deployed`);
  // Before the first resource: a change that would take down a quorum creates and changes nothing.
  await checkedNodeChanges(spec, self);
  // What the last deployment ran. Before the first resource too: a version change that skips a minor
  // creates and changes nothing, and its message is not wrapped in the SDK's serialization errors.
  const deployed = await checkedUpgradePath(spec.settings, self);
  // The Image Factory schematic comes first: the servers select the Talos snapshot labelled with its ID.
  const image = new TalosImage("talos-image", { spec, serverTypes });
  const { network, endpoint, servers } = hetznerLayer(spec, serverTypes, image.schematicId);
  const api = kubernetesApi(spec, endpoint, servers.nodes[0] as TalosNode);
  const apiServer = pulumi.output(api.host).apply(apiUrl);
  const cluster = new TalosCluster("talos", {
    spec,
    endpoint: { host: endpoint.host, addresses: api.sans },
    nodes: servers.nodes,
    installerImage: image.installerImage,
    // The hcloud cloud-controller-manager initializes the nodes (provider IDs, addresses, zones).
    externalCloudProvider: true,
    // The config carries the version the cluster runs; upgrade-k8s (below) moves it to the new one.
    kubernetesVersion: deployed.kubernetesVersion ?? spec.settings.kubernetesVersion,
    protect,
    // The gates drain a node before a reboot through the kubeconfig, pointed where the runner reaches.
    apiServer,
  });
  // Each control plane leaves etcd before its server is deleted (a replacement or a removal).
  new EtcdMembers("etcd", {
    controlPlanes: servers.nodes.filter((n) => n.role === "controlplane"),
    talosconfig: cluster.controlPlaneTalosconfig,
    talosctl: talosctlRange(spec),
  });
  // Talos writes the cluster endpoint (the load balancer's private address) into the kubeconfig; the
  // cluster's apiKubeconfig points at apiServer instead.
  const kubeconfig = cluster.apiKubeconfig;
  const cilium = new Cilium("cilium", { spec, kubeconfig, cluster: [cluster.bootstrap], protect });
  // After Cilium: the controller's pods need the CNI, and Cilium's pods tolerate the nodes'
  // uninitialized taint (values.ts), so a failing controller can never roll the CNI back.
  const ccm = new CloudControllerManager("hcloud-ccm", {
    spec,
    networkId: network.networkId,
    token,
    provider: cilium.provider,
    dependsOn: [cilium.release],
  });
  // The agents roll after the release and the config roll, node by node, each checked (issue 16);
  // the Talos upgrades wait for it: no node reboots while another's agent is being replaced.
  const agents = new AgentRoll("cilium-agents", {
    spec,
    nodes: servers.nodes,
    kubeconfig,
    revision: cilium.release.status.apply((s) => String(s?.revision ?? "")),
    after: [...cluster.rolled, cilium.release],
  });
  const upgrades = new TalosUpgrades("upgrades", {
    spec,
    nodes: servers.nodes.map((n) => ({ ...n, address: n.publicAddress })),
    schematicId: image.schematicId,
    installerImage: image.installerImage,
    talosconfig: cluster.controlPlaneTalosconfig,
    kubeconfig,
    after: [...cluster.applies, ...cluster.rolled, cilium.release, ccm.release, ...agents.done],
  });
  return {
    /** The cluster endpoint of the machine config (the load balancer). */
    endpoint: cluster.kubernetesEndpoint,
    /** Where the runner and operators reach the Kubernetes API: the kubeconfig's server. */
    apiServer,
    /** Admin kubeconfig (secret), pointing at `apiServer`. */
    kubeconfig,
    /** talosctl config for every node (secret). */
    talosconfig: cluster.talosconfig,
    /** The resolved datapath knobs (the values every Cilium agent runs with). */
    knobs: spec.knobs,
    /** The Image Factory installer for `talosctl upgrade`. */
    installerImage: image.installerImage,
    /** The Image Factory schematic ID (label `talos-schematic` of the snapshot: its first 32 characters). */
    talosSchematicId: image.schematicId,
    /** The Talos version every node runs (the next deployment's upgrade check starts from it). */
    talosVersion: upgrades.talosVersion,
    /** The Kubernetes version of the cluster (likewise). */
    kubernetesVersion: upgrades.kubernetesVersion,
    /** talosctl's arguments for the cluster health check (the deploy gate runs `talosctl <these>`). */
    talosHealthArgs: upgrades.healthArgs,
    /** The firewall's URN: `pulumi up --target <firewallUrn>` closes it again after a deploy (contract 2). */
    firewallUrn: network.firewallUrn,
    /** What decides every server (config/footprint.ts): the next preview's quorum check starts from it. */
    clusterFootprint: footprintOf(spec),
  };
}

/** The stack outputs `program()` resolves to. */
export type StackOutputs = Awaited<ReturnType<typeof program>>;
