// talos:client/* as the program uses it: the talosconfig for talosctl. Exports only names
// `@pulumiverse/talos` 0.8.1 exports from its `client` module (test/talos-provider.test.ts).
import * as pulumi from "@pulumi/pulumi";
import { invokeArgs, invokeOptions } from "./binding";
import { CLIENT_GET_CONFIGURATION } from "./manifest";
import type { ClientConfigurationArgs } from "./properties";
import type { ClientConfiguration, DeepInput } from "./types";

/** Arguments of `getConfigurationOutput`: every field may be an Input. */
export type GetConfigurationOutputArgs = DeepInput<ClientConfigurationArgs>;

/** Result of `getConfiguration`. */
export interface GetConfigurationResult {
  /** Talos API client credentials. */
  readonly clientConfiguration: ClientConfiguration;
  /** The cluster name. */
  readonly clusterName: string;
  /** Talos API endpoints. */
  readonly endpoints?: string[];
  /** Provider id of the result. */
  readonly id: string;
  /** Default nodes. */
  readonly nodes?: string[];
  /** The talosconfig (YAML); secret. */
  readonly talosConfig: string;
}

/** Renders a talosconfig as an Output, keeping `talosConfig` secret. */
export function getConfigurationOutput(
  args: GetConfigurationOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetConfigurationResult> {
  const { token } = CLIENT_GET_CONFIGURATION;
  return pulumi.runtime.invokeOutput(token, invokeArgs(CLIENT_GET_CONFIGURATION, args), invokeOptions(opts));
}
