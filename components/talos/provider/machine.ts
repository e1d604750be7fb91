// talos:machine/* as the program uses it: machine secrets, configuration generation and apply, bootstrap.
// Exports only names `@pulumiverse/talos` 0.8.1 exports from its `machine` module (test/talos-provider.test.ts).
import * as pulumi from "@pulumi/pulumi";
import { invokeArgs, invokeOptions, resourceInputs, resourceOptions, type OutputsOf } from "./binding";
import { BOOTSTRAP, CONFIGURATION_APPLY, MACHINE_GET_CONFIGURATION, SECRETS } from "./manifest";
import type {
  BootstrapProperties,
  ConfigurationApplyProperties,
  MachineConfigurationArgs,
  SecretsProperties,
} from "./properties";
import type {
  BootstrapTimeouts,
  ClientConfiguration,
  ClientConfigurationWo,
  ConfigurationApplyOnDestroy,
  DeepInput,
  MachineSecrets,
  Timeout,
} from "./types";

/** Arguments of `Secrets`. */
export interface SecretsArgs {
  /** The Talos version contract used to generate the secrets, e.g. `v1.13`. */
  talosVersion?: pulumi.Input<string>;
}

/** Generates the machine secrets of a Talos cluster (`talos:machine/secrets:Secrets`). */
export class Secrets extends pulumi.CustomResource implements OutputsOf<SecretsProperties> {
  /** Talos API admin client credentials (its `clientKey` is a secret nested field). */
  declare readonly clientConfiguration: pulumi.Output<ClientConfiguration>;
  /** The cluster secrets bundle (its keys and tokens are secret nested fields). */
  declare readonly machineSecrets: pulumi.Output<MachineSecrets>;
  /** The Talos version contract. */
  declare readonly talosVersion: pulumi.Output<string>;

  /** Creates a `Secrets` resource. */
  constructor(name: string, args?: SecretsArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(SECRETS.token, name, resourceInputs(SECRETS, name, args), resourceOptions(SECRETS, opts));
  }
}

/** Arguments of `ConfigurationApply`. */
export interface ConfigurationApplyArgs {
  /** Apply mode; `staged_if_needing_reboot` dry-runs and stages instead of rebooting. */
  applyMode?: pulumi.Input<string>;
  /** Talos API client credentials (or `clientConfigurationWo`). */
  clientConfiguration?: pulumi.Input<DeepInput<ClientConfiguration>>;
  /** Write-only Talos API client credentials, never stored in state; wrapped as secret. */
  clientConfigurationWo?: pulumi.Input<DeepInput<ClientConfigurationWo>>;
  /** Config patches applied on top of the machine configuration. */
  configPatches?: pulumi.Input<pulumi.Input<string>[]>;
  /** Talos API endpoint to connect to (defaults to `node`). */
  endpoint?: pulumi.Input<string>;
  /** The machine configuration to apply (or `machineConfigurationInputWo`); wrapped as secret. */
  machineConfigurationInput?: pulumi.Input<string>;
  /** Write-only machine configuration, never stored in state; wrapped as secret. */
  machineConfigurationInputWo?: pulumi.Input<string>;
  /** The node to apply the configuration to. */
  node: pulumi.Input<string>;
  /** Actions taken on destroy (reset/reboot/graceful). */
  onDestroy?: pulumi.Input<DeepInput<Partial<ConfigurationApplyOnDestroy>>>;
  /** Operation timeouts. */
  timeouts?: pulumi.Input<DeepInput<Timeout>>;
}

/** Applies a machine configuration to a Talos node (`talos:machine/configurationApply:ConfigurationApply`). */
export class ConfigurationApply
  extends pulumi.CustomResource
  implements OutputsOf<ConfigurationApplyProperties>
{
  /** Requested apply mode. */
  declare readonly applyMode: pulumi.Output<string>;
  /** Talos API client credentials. */
  declare readonly clientConfiguration: pulumi.Output<ClientConfiguration | undefined>;
  /** Write-only client credentials (not kept in state); secret. */
  declare readonly clientConfigurationWo: pulumi.Output<ClientConfigurationWo | undefined>;
  /** Config patches. */
  declare readonly configPatches: pulumi.Output<string[] | undefined>;
  /** Talos API endpoint. */
  declare readonly endpoint: pulumi.Output<string>;
  /** The machine configuration after patches; secret. */
  declare readonly machineConfiguration: pulumi.Output<string>;
  /** Hash of the applied machine configuration. */
  declare readonly machineConfigurationHash: pulumi.Output<string>;
  /** The input machine configuration; secret. */
  declare readonly machineConfigurationInput: pulumi.Output<string | undefined>;
  /** Write-only machine configuration (not kept in state); secret. */
  declare readonly machineConfigurationInputWo: pulumi.Output<string | undefined>;
  /** The node. */
  declare readonly node: pulumi.Output<string>;
  /** Actions taken on destroy. */
  declare readonly onDestroy: pulumi.Output<ConfigurationApplyOnDestroy | undefined>;
  /** The apply mode actually used. */
  declare readonly resolvedApplyMode: pulumi.Output<string>;
  /** Operation timeouts. */
  declare readonly timeouts: pulumi.Output<Timeout | undefined>;

  /** Creates a `ConfigurationApply` resource. */
  constructor(name: string, args: ConfigurationApplyArgs, opts: pulumi.CustomResourceOptions = {}) {
    const inputs = resourceInputs(CONFIGURATION_APPLY, name, args);
    super(CONFIGURATION_APPLY.token, name, inputs, resourceOptions(CONFIGURATION_APPLY, opts));
  }
}

/** Arguments of `Bootstrap`. */
export interface BootstrapArgs {
  /** Talos API client credentials (or `clientConfigurationWo`). */
  clientConfiguration?: pulumi.Input<DeepInput<ClientConfiguration>>;
  /** Write-only Talos API client credentials, never stored in state; wrapped as secret. */
  clientConfigurationWo?: pulumi.Input<DeepInput<ClientConfigurationWo>>;
  /** Talos API endpoint to connect to (defaults to `node`). */
  endpoint?: pulumi.Input<string>;
  /** The control-plane node to bootstrap etcd on. */
  node: pulumi.Input<string>;
  /** Operation timeouts. */
  timeouts?: pulumi.Input<DeepInput<BootstrapTimeouts>>;
}

/** Bootstraps etcd on one control-plane node, once per cluster (`talos:machine/bootstrap:Bootstrap`). */
export class Bootstrap extends pulumi.CustomResource implements OutputsOf<BootstrapProperties> {
  /** Talos API client credentials. */
  declare readonly clientConfiguration: pulumi.Output<ClientConfiguration | undefined>;
  /** Write-only client credentials (not kept in state); secret. */
  declare readonly clientConfigurationWo: pulumi.Output<ClientConfigurationWo | undefined>;
  /** Talos API endpoint. */
  declare readonly endpoint: pulumi.Output<string>;
  /** The bootstrapped node. */
  declare readonly node: pulumi.Output<string>;
  /** Operation timeouts. */
  declare readonly timeouts: pulumi.Output<BootstrapTimeouts | undefined>;

  /** Creates a `Bootstrap` resource. */
  constructor(name: string, args: BootstrapArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(BOOTSTRAP.token, name, resourceInputs(BOOTSTRAP, name, args), resourceOptions(BOOTSTRAP, opts));
  }
}

/** Arguments of `getConfigurationOutput`: every field may be an Input. */
export type GetConfigurationOutputArgs = DeepInput<MachineConfigurationArgs>;

/** Result of `getConfiguration`. */
export interface GetConfigurationResult {
  /** The cluster endpoint. */
  readonly clusterEndpoint: string;
  /** The cluster name. */
  readonly clusterName: string;
  /** The config patches. */
  readonly configPatches?: string[];
  /** Whether docs were included. */
  readonly docs?: boolean;
  /** Whether examples were included. */
  readonly examples?: boolean;
  /** Provider id of the result. */
  readonly id: string;
  /** Kubernetes version. */
  readonly kubernetesVersion?: string;
  /** The generated machine configuration (YAML); secret. */
  readonly machineConfiguration: string;
  /** The cluster secrets. */
  readonly machineSecrets: MachineSecrets;
  /** The machine type. */
  readonly machineType: string;
  /** Talos version contract. */
  readonly talosVersion?: string;
}

/** Generates a machine configuration as an Output, keeping `machineConfiguration` secret. */
export function getConfigurationOutput(
  args: GetConfigurationOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetConfigurationResult> {
  const { token } = MACHINE_GET_CONFIGURATION;
  return pulumi.runtime.invokeOutput(token, invokeArgs(MACHINE_GET_CONFIGURATION, args), invokeOptions(opts));
}
