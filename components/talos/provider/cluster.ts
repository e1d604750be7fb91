// talos:cluster/* as the program uses it: the admin kubeconfig. Exports only names `@pulumiverse/talos`
// 0.8.1 exports from its `cluster` module (test/talos-provider.test.ts).
import * as pulumi from "@pulumi/pulumi";
import { resourceInputs, resourceOptions, type OutputsOf } from "./binding";
import { KUBECONFIG } from "./manifest";
import type { KubeconfigProperties } from "./properties";
import type {
  ClientConfiguration,
  DeepInput,
  KubeconfigTimeouts,
  KubernetesClientConfiguration,
} from "./types";

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

/** Retrieves the admin kubeconfig of a Talos cluster (`talos:cluster/kubeconfig:Kubeconfig`). */
export class Kubeconfig extends pulumi.CustomResource implements OutputsOf<KubeconfigProperties> {
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
  constructor(name: string, args: KubeconfigArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(KUBECONFIG.token, name, resourceInputs(KUBECONFIG, name, args), resourceOptions(KUBECONFIG, opts));
  }
}
