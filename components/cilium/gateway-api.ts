/**
 * The Gateway API CRDs Cilium 1.20 needs before its agent and operator start (the operator decides
 * once, at startup, whether to run its Gateway controller).
 *
 * Version: Cilium's Gateway API docs for 1.20 require the CRDs of Gateway API v1.5.1. In v1.5 TLSRoute
 * graduated to the standard channel (served as `v1`; the alpha versions are not served there), so the
 * standard install carries every CRD Cilium needs, TLSRoute included. The experimental TLSRoute CRD is
 * deliberately NOT applied on top: it is the same CRD and would serve alpha versions again.
 * TCPRoute/UDPRoute (experimental) stay off; Cilium disables those routes when their CRDs are absent.
 */

/** The Gateway API release whose CRDs are applied. */
export const GATEWAY_API_VERSION = "v1.5.1";

/** The release asset of the standard channel (GatewayClass, Gateway, HTTPRoute, GRPCRoute, TLSRoute, ReferenceGrant, BackendTLSPolicy). */
export function gatewayApiManifest(version: string = GATEWAY_API_VERSION): string {
  return `https://github.com/kubernetes-sigs/gateway-api/releases/download/${version}/standard-install.yaml`;
}
