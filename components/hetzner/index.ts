/**
 * The Hetzner Cloud layer of the cluster: the server types checked against Hetzner's catalogue
 * (`checkedServerTypes`, before anything is declared), the private network, firewall and placement
 * groups (`PrivateNetwork`), the control-plane load balancer (`ControlPlaneEndpoint`), the Talos image
 * lookup (`talosImages`) and the servers (`TalosNodes`). Build them in that order.
 */
export { PrivateNetwork, type PrivateNetworkArgs } from "./network";
export { ControlPlaneEndpoint, type ControlPlaneEndpointArgs } from "./endpoint";
export { talosImages, architectures, archOf, type TalosImages, type ServerTypeArchitectures } from "./image";
export { TalosNodes, type TalosNodesArgs, type TalosNode } from "./nodes";
export {
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
} from "../config/placement";
export { ENDPOINT_SERVICES, firewallRules, KUBERNETES_API_PORT, TALOS_API_PORT } from "./rules";
export { protectionOf, serverProtection, type Protection } from "./protection";
export {
  accessPlan,
  accessStatement,
  apiPath,
  apiUrl,
  withServer,
  type AccessPlan,
  type ApiPath,
} from "./access";
export {
  checkServerTypes,
  poolsOf,
  serverTypeNames,
  type CatalogueSource,
  type ServerTypeCheck,
} from "./server-types";
export {
  API_SOURCE,
  SNAPSHOT_SOURCE,
  checkAgainstSnapshot,
  checkedServerTypes,
  factsOf,
  fromSnapshot,
} from "./server-type-lookup";
export { CATALOGUE_SNAPSHOT, SERVER_TYPE_SNAPSHOT, type ServerTypeFacts } from "./server-type-catalogue";
