/**
 * The Hetzner Cloud layer of the cluster: the private network, firewall and placement groups
 * (`PrivateNetwork`), the control-plane load balancer (`ControlPlaneEndpoint`), the Talos image
 * lookup (`talosImages`) and the servers (`TalosNodes`). Build them in that order.
 */
export { PrivateNetwork, type PrivateNetworkArgs } from "./network";
export { ControlPlaneEndpoint, type ControlPlaneEndpointArgs } from "./endpoint";
export { talosImages, architectures, type TalosImages } from "./image";
export { TalosNodes, type TalosNodesArgs, type TalosNode } from "./nodes";
export {
  archOf,
  clusterLabels,
  controlPlaneSelector,
  nodeLabels,
  talosImageSelector,
  type Arch,
  type HcloudLabels,
} from "./labels";
export {
  placementGroupOf,
  placementGroups,
  SPREAD_GROUP_MAX_SERVERS,
  type PlacementGroupPlan,
} from "./placement";
export { ENDPOINT_SERVICES, firewallRules, KUBERNETES_API_PORT, TALOS_API_PORT } from "./rules";
