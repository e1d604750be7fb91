/**
 * The hcloud cloud-controller-manager's Helm release (pure): chart, pinned version and values.
 * Facts: the chart's values.yaml and templates (github.com/hetznercloud/hcloud-cloud-controller-manager,
 * chart/), its private-network and load-balancer docs. The chart reads the token and the network from
 * the Secret `hcloud` (keys `token`, `network`) in the release namespace.
 */
import type { ClusterSpec } from "../config/spec";

/** The chart repository. */
export const CCM_REPO = "https://charts.hetzner.cloud";

/** The chart, and the release's name. */
export const CCM_CHART = "hcloud-cloud-controller-manager";

/** Where the release and its Secret live. */
export const CCM_NAMESPACE = "kube-system";

/** The Secret the chart's `env` and `networking.network` read (`secretKeyRef` name). */
export const CCM_SECRET = { name: "hcloud", tokenKey: "token", networkKey: "network" } as const;

/**
 * How long Helm may wait. In tunnel mode the manager's pod runs on the pod network, so its first install
 * waits for the Cilium agents (released alongside it) to make a node Ready.
 */
export const CCM_TIMEOUT_SECONDS = 1200;

/** Helm keeps this many revisions for `helm rollback`. */
export const CCM_HISTORY = 10;

/** An `env` entry of the chart's values (a Kubernetes EnvVar without the name). */
type EnvValue =
  | { readonly value: string }
  | { readonly valueFrom: { readonly secretKeyRef: { readonly name: string; readonly key: string } } };

/**
 * The chart values. Every node's private address becomes its InternalIP only when the manager knows
 * the network, and kubelets announce their private IP (Talos `nodeIP.validSubnets`), so HCLOUD_NETWORK
 * is always set. `networking.enabled` (host network, `--allocate-node-cidrs`, `--cluster-cidr`, the
 * chart's own HCLOUD_NETWORK) and the route controller belong to native routing only; in tunnel mode
 * the network comes in through `env` and the route controller is switched off explicitly.
 * Load balancers (Gateway API's LoadBalancer Services) default to the cluster's network zone and reach
 * the nodes over the private network: the Cloud Firewall closes the public interfaces.
 */
export function ccmValues(spec: Pick<ClusterSpec, "settings" | "knobs">) {
  const native = spec.knobs.routingMode === "native";
  const env: Record<string, EnvValue> = {
    HCLOUD_LOAD_BALANCERS_NETWORK_ZONE: { value: spec.settings.networkZone },
    HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP: { value: "true" },
  };
  if (!native) {
    env.HCLOUD_NETWORK = {
      valueFrom: { secretKeyRef: { name: CCM_SECRET.name, key: CCM_SECRET.networkKey } },
    };
    env.HCLOUD_NETWORK_ROUTES_ENABLED = { value: "false" };
  }
  return { networking: { enabled: native, clusterCIDR: spec.settings.podCidr }, env };
}

/** The inputs of the cloud-controller-manager release for a stack. */
export function ccmReleaseArgs(spec: Pick<ClusterSpec, "settings" | "knobs">) {
  return {
    name: CCM_CHART,
    namespace: CCM_NAMESPACE,
    chart: CCM_CHART,
    version: spec.settings.hcloudCcmVersion,
    repositoryOpts: { repo: CCM_REPO },
    values: ccmValues(spec),
    atomic: true,
    cleanupOnFail: true,
    timeout: CCM_TIMEOUT_SECONDS,
    maxHistory: CCM_HISTORY,
  };
}
