// talos:client/* — the talosconfig for talosctl.
import * as pulumi from "@pulumi/pulumi";
import { invokeArgs, invokeOptions } from "./binding";
import { CLIENT_GET_CONFIGURATION } from "./manifest";
import type { ClientConfiguration, DeepInput } from "./types";

/** Arguments of `getConfiguration`. */
export interface GetConfigurationArgs {
  /** Talos API client credentials, usually `machine.Secrets.clientConfiguration`. */
  clientConfiguration: ClientConfiguration;
  /** The cluster name (the talosconfig context name). */
  clusterName: string;
  /** Talos API endpoints written to the talosconfig. */
  endpoints?: string[];
  /** Default nodes written to the talosconfig. */
  nodes?: string[];
}

/** Arguments of `getConfigurationOutput`: as `GetConfigurationArgs`, every field may be an Input. */
export type GetConfigurationOutputArgs = DeepInput<GetConfigurationArgs>;

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

/** Renders a talosconfig (`talos:client/getConfiguration:getConfiguration`); prefer the Output form. */
export function getConfiguration(
  args: GetConfigurationArgs,
  opts?: pulumi.InvokeOptions,
): Promise<GetConfigurationResult> {
  const { token } = CLIENT_GET_CONFIGURATION;
  return pulumi.runtime.invoke(token, invokeArgs(CLIENT_GET_CONFIGURATION, args), invokeOptions(opts));
}

/** Renders a talosconfig as an Output, keeping `talosConfig` secret. */
export function getConfigurationOutput(
  args: GetConfigurationOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetConfigurationResult> {
  const { token } = CLIENT_GET_CONFIGURATION;
  return pulumi.runtime.invokeOutput(token, invokeArgs(CLIENT_GET_CONFIGURATION, args), invokeOptions(opts));
}
