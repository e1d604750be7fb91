// talos:cluster/* — the cluster kubeconfig and the health check.
import * as pulumi from "@pulumi/pulumi";
import type { OutputsOf } from "./binding";
import { hasPulumiType, invokeArgs, invokeOptions, resourceInputs, resourceOptions } from "./binding";
import { CLUSTER_GET_HEALTH, KUBECONFIG } from "./manifest";
import type {
  ClientConfiguration,
  DeepInput,
  GetHealthTimeouts,
  KubeconfigTimeouts,
  KubernetesClientConfiguration,
} from "./types";

/** Every property of a `Kubeconfig` resource, resolved. */
export interface KubeconfigProperties {
  /** How long before expiry the client certificate is renewed (default `720h`). */
  certificateRenewalDuration: string;
  /** Talos API client credentials. */
  clientConfiguration: ClientConfiguration;
  /** Talos API endpoint to connect to (defaults to `node`). */
  endpoint: string;
  /** The admin kubeconfig (YAML); secret. */
  kubeconfigRaw: string;
  /** The kubeconfig's credentials and API host, split out. */
  kubernetesClientConfiguration: KubernetesClientConfiguration;
  /** The control-plane node the kubeconfig is retrieved from. */
  node: string;
  /** Operation timeouts. */
  timeouts?: KubeconfigTimeouts;
}

/** Arguments of `Kubeconfig`. */
export interface KubeconfigArgs {
  /** How long before expiry the client certificate is renewed, a Go duration (default `720h`). */
  certificateRenewalDuration?: pulumi.Input<string>;
  /** Talos API client credentials, usually `Secrets.clientConfiguration`. */
  clientConfiguration: pulumi.Input<DeepInput<ClientConfiguration>>;
  /** Talos API endpoint to connect to (defaults to `node`). */
  endpoint?: pulumi.Input<string>;
  /** The control-plane node to retrieve the kubeconfig from. */
  node: pulumi.Input<string>;
  /** Operation timeouts. */
  timeouts?: pulumi.Input<DeepInput<KubeconfigTimeouts>>;
}

/** State of an existing `Kubeconfig` for `Kubeconfig.get`. */
export type KubeconfigState = Partial<DeepInput<KubeconfigProperties>>;

/** Retrieves the admin kubeconfig of a Talos cluster (`talos:cluster/kubeconfig:Kubeconfig`). */
export class Kubeconfig extends pulumi.CustomResource implements OutputsOf<KubeconfigProperties> {
  /** @internal The provider type token. */
  static readonly __pulumiType = KUBECONFIG.token;

  /** Looks up an existing `Kubeconfig` by provider id. */
  static get(
    name: string,
    id: pulumi.Input<pulumi.ID>,
    state?: KubeconfigState,
    opts?: pulumi.CustomResourceOptions,
  ) {
    return new Kubeconfig(name, state as KubeconfigArgs, { ...opts, id });
  }

  /** True when `obj` is a `Kubeconfig`, even across copies of the Pulumi SDK. */
  static override isInstance(obj: unknown): obj is Kubeconfig {
    return hasPulumiType(obj, KUBECONFIG.token);
  }

  /** Certificate renewal lead time. */
  declare readonly certificateRenewalDuration: pulumi.Output<string>;
  /** Talos API client credentials. */
  declare readonly clientConfiguration: pulumi.Output<ClientConfiguration>;
  /** Talos API endpoint. */
  declare readonly endpoint: pulumi.Output<string>;
  /** The admin kubeconfig (YAML); secret. */
  declare readonly kubeconfigRaw: pulumi.Output<string>;
  /** The kubeconfig's credentials and API host (its `clientKey` is a secret nested field). */
  declare readonly kubernetesClientConfiguration: pulumi.Output<KubernetesClientConfiguration>;
  /** The control-plane node. */
  declare readonly node: pulumi.Output<string>;
  /** Operation timeouts. */
  declare readonly timeouts: pulumi.Output<KubeconfigTimeouts | undefined>;

  /** Creates a `Kubeconfig` resource. */
  constructor(name: string, args: KubeconfigArgs, opts?: pulumi.CustomResourceOptions);
  constructor(
    name: string,
    argsOrState?: KubeconfigArgs | KubeconfigState,
    opts: pulumi.CustomResourceOptions = {},
  ) {
    super(
      KUBECONFIG.token,
      name,
      resourceInputs(KUBECONFIG, name, argsOrState, opts),
      resourceOptions(KUBECONFIG, opts),
    );
  }
}

/** Arguments of `getHealth`. */
export interface GetHealthArgs {
  /** Talos API client credentials. */
  clientConfiguration: ClientConfiguration;
  /** Control-plane nodes to check. */
  controlPlaneNodes: string[];
  /** Talos API endpoints for the check (at least one control-plane endpoint). */
  endpoints: string[];
  /** Only check that nodes booted and kubelet runs, not Kubernetes components (default false). */
  skipKubernetesChecks?: boolean;
  /** Read timeout. */
  timeouts?: GetHealthTimeouts;
  /** Worker nodes to check. */
  workerNodes?: string[];
}

/** Arguments of `getHealthOutput`: as `GetHealthArgs`, every field may be an Input. */
export type GetHealthOutputArgs = DeepInput<GetHealthArgs>;

/** Result of `getHealth`. */
export interface GetHealthResult {
  /** Talos API client credentials. */
  readonly clientConfiguration: ClientConfiguration;
  /** Control-plane nodes checked. */
  readonly controlPlaneNodes: string[];
  /** Endpoints used. */
  readonly endpoints: string[];
  /** Provider id of the result. */
  readonly id: string;
  /** Whether Kubernetes checks were skipped. */
  readonly skipKubernetesChecks?: boolean;
  /** Read timeout. */
  readonly timeouts?: GetHealthTimeouts;
  /** Worker nodes checked. */
  readonly workerNodes?: string[];
}

/** Waits until the cluster is healthy (`talos:cluster/getHealth:getHealth`). */
export function getHealth(args: GetHealthArgs, opts?: pulumi.InvokeOptions): Promise<GetHealthResult> {
  return pulumi.runtime.invoke(
    CLUSTER_GET_HEALTH.token,
    invokeArgs(CLUSTER_GET_HEALTH, args),
    invokeOptions(opts),
  );
}

/** Waits until the cluster is healthy, as an Output that can depend on other resources' outputs. */
export function getHealthOutput(
  args: GetHealthOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetHealthResult> {
  const { token } = CLUSTER_GET_HEALTH;
  return pulumi.runtime.invokeOutput(token, invokeArgs(CLUSTER_GET_HEALTH, args), invokeOptions(opts));
}
