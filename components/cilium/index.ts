/** Cilium: the Gateway API CRDs, the SPIRE namespace and the `cilium` Helm release. */
export { Cilium, type CiliumArgs } from "./component";
export { GATEWAY_API_VERSION, gatewayApiManifest } from "./gateway-api";
export {
  CILIUM_REPO,
  RELEASE_HISTORY,
  RELEASE_TIMEOUT_FLOOR_SECONDS,
  releaseArgs,
  releaseTimeoutSeconds,
  SPIRE_NAMESPACE_LABELS,
} from "./release";
