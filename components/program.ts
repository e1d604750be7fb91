/**
 * The program: config → image → network → endpoint → servers → Talos cluster → Cilium → outputs.
 * `index.ts` exports what this returns; the plan command, the benchmark and the tests run the same
 * function under the mock engine.
 */
import { Cilium } from "./cilium";
import { loadClusterSpec } from "./config/read";
import type { ClusterSpec } from "./config/spec";
import { ControlPlaneEndpoint, PrivateNetwork, TalosNodes, talosImages } from "./hetzner";
import { TalosCluster, TalosImage } from "./talos";

/**
 * Declares every resource of the stack and returns the stack outputs. `spec` defaults to the stack's
 * config, read and validated before anything is declared; the benchmark passes one it resolved itself.
 */
export function program(spec: ClusterSpec = loadClusterSpec()) {
  // The Image Factory schematic comes first: the servers select the Talos snapshot labelled with its ID.
  const image = new TalosImage("talos-image", { spec });
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
    images: talosImages(spec, image.schematicId),
  });
  const cluster = new TalosCluster("talos", {
    spec,
    endpoint: { host: endpoint.host, addresses: endpoint.addresses },
    nodes: servers.nodes,
    installerImage: image.installerImage,
  });
  new Cilium("cilium", { spec, kubeconfig: cluster.kubeconfig, cluster: [cluster.bootstrap] });
  return {
    /** The Kubernetes API endpoint. */
    endpoint: cluster.kubernetesEndpoint,
    /** Admin kubeconfig (secret). */
    kubeconfig: cluster.kubeconfig,
    /** talosctl config for every node (secret). */
    talosconfig: cluster.talosconfig,
    /** The resolved datapath knobs (the values every Cilium agent runs with). */
    knobs: spec.knobs,
    /** The Image Factory installer for `talosctl upgrade`. */
    installerImage: image.installerImage,
    /** The Image Factory schematic ID (label `talos-schematic` of the snapshot: its first 32 characters). */
    talosSchematicId: image.schematicId,
  };
}
