/**
 * The Talos layer of the cluster: the Image Factory image (`TalosImage`), the machine-config patches
 * (pure, `patches.ts`) and the cluster on the servers (`TalosCluster`). Build the image before the
 * servers (they select its snapshot) and the cluster after them. The provider binding is `./provider`.
 */
export { TalosCluster, type TalosClusterArgs, type TalosClusterNode } from "./cluster";
export { TalosImage, type TalosImageArgs } from "./image";
export {
  hostnameDocument,
  KUBEPRISM_PORT,
  networkDocuments,
  nodePatches,
  poolPatches,
  PRIVATE_NIC_MTU,
  privateInterface,
  rolePatches,
  toYaml,
  type PatchDocument,
  type Role,
  type RolePatches,
  type RolePatchOptions,
} from "./patches";
export { FACTORY_ARCH, INSTALLER_REPOSITORY, PLATFORM, schematicYaml } from "./schematic";
