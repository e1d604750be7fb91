// talos:machine/* — machine secrets, configuration generation and apply, bootstrap.
import * as pulumi from "@pulumi/pulumi";
import type { OutputsOf } from "./binding";
import { hasPulumiType, invokeArgs, invokeOptions, resourceInputs, resourceOptions } from "./binding";
import { BOOTSTRAP, CONFIGURATION_APPLY, MACHINE_GET_CONFIGURATION, SECRETS } from "./manifest";
import type {
  BootstrapTimeouts,
  ClientConfiguration,
  ClientConfigurationWo,
  ConfigurationApplyOnDestroy,
  DeepInput,
  MachineSecrets,
  Timeout,
} from "./types";

/** Every property of a `Secrets` resource, resolved. */
export interface SecretsProperties {
  /** Talos API admin client credentials signed by the generated CA. */
  clientConfiguration: ClientConfiguration;
  /** The generated cluster secrets bundle (CAs, tokens, encryption keys). */
  machineSecrets: MachineSecrets;
  /** The Talos version contract the secrets were generated for. */
  talosVersion: string;
}

/** Arguments of `Secrets`. */
export interface SecretsArgs {
  /** The Talos version contract used to generate the secrets, e.g. `v1.13`. */
  talosVersion?: pulumi.Input<string>;
}

/** State of an existing `Secrets` for `Secrets.get`. */
export type SecretsState = Partial<DeepInput<SecretsProperties>>;

/** Generates the machine secrets of a Talos cluster (`talos:machine/secrets:Secrets`). */
export class Secrets extends pulumi.CustomResource implements OutputsOf<SecretsProperties> {
  /** @internal The provider type token. */
  static readonly __pulumiType = SECRETS.token;

  /** Looks up an existing `Secrets` by provider id. */
  static get(
    name: string,
    id: pulumi.Input<pulumi.ID>,
    state?: SecretsState,
    opts?: pulumi.CustomResourceOptions,
  ) {
    return new Secrets(name, state, { ...opts, id });
  }

  /** True when `obj` is a `Secrets`, even across copies of the Pulumi SDK. */
  static override isInstance(obj: unknown): obj is Secrets {
    return hasPulumiType(obj, SECRETS.token);
  }

  /** Talos API admin client credentials (its `clientKey` is a secret nested field). */
  declare readonly clientConfiguration: pulumi.Output<ClientConfiguration>;
  /** The cluster secrets bundle (its keys and tokens are secret nested fields). */
  declare readonly machineSecrets: pulumi.Output<MachineSecrets>;
  /** The Talos version contract. */
  declare readonly talosVersion: pulumi.Output<string>;

  /** Creates a `Secrets` resource. */
  constructor(name: string, args?: SecretsArgs, opts?: pulumi.CustomResourceOptions);
  constructor(
    name: string,
    argsOrState?: SecretsArgs | SecretsState,
    opts: pulumi.CustomResourceOptions = {},
  ) {
    super(
      SECRETS.token,
      name,
      resourceInputs(SECRETS, name, argsOrState, opts),
      resourceOptions(SECRETS, opts),
    );
  }
}

/** Every property of a `ConfigurationApply` resource, resolved. */
export interface ConfigurationApplyProperties {
  /** Requested apply mode (`auto`, `reboot`, `no_reboot`, `staged`, `staged_if_needing_reboot`). */
  applyMode: string;
  /** Talos API client credentials. */
  clientConfiguration?: ClientConfiguration;
  /** Write-only Talos API client credentials. */
  clientConfigurationWo?: ClientConfigurationWo;
  /** Config patches (YAML or JSON documents) applied on top of the input configuration. */
  configPatches?: string[];
  /** Talos API endpoint to connect to (defaults to `node`). */
  endpoint: string;
  /** The machine configuration after patches; secret. */
  machineConfiguration: string;
  /** Hash of the applied machine configuration. */
  machineConfigurationHash: string;
  /** The machine configuration to apply; secret. */
  machineConfigurationInput?: string;
  /** Write-only machine configuration to apply; secret. */
  machineConfigurationInputWo?: string;
  /** The node to apply the configuration to. */
  node: string;
  /** Actions taken on destroy. */
  onDestroy?: ConfigurationApplyOnDestroy;
  /** The apply mode actually used. */
  resolvedApplyMode: string;
  /** Operation timeouts. */
  timeouts?: Timeout;
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

/** State of an existing `ConfigurationApply` for `ConfigurationApply.get`. */
export type ConfigurationApplyState = Partial<DeepInput<ConfigurationApplyProperties>>;

/** Applies a machine configuration to a Talos node (`talos:machine/configurationApply:ConfigurationApply`). */
export class ConfigurationApply
  extends pulumi.CustomResource
  implements OutputsOf<ConfigurationApplyProperties>
{
  /** @internal The provider type token. */
  static readonly __pulumiType = CONFIGURATION_APPLY.token;

  /** Looks up an existing `ConfigurationApply` by provider id. */
  static get(
    name: string,
    id: pulumi.Input<pulumi.ID>,
    state?: ConfigurationApplyState,
    opts?: pulumi.CustomResourceOptions,
  ) {
    return new ConfigurationApply(name, state as ConfigurationApplyArgs, { ...opts, id });
  }

  /** True when `obj` is a `ConfigurationApply`, even across copies of the Pulumi SDK. */
  static override isInstance(obj: unknown): obj is ConfigurationApply {
    return hasPulumiType(obj, CONFIGURATION_APPLY.token);
  }

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
  constructor(name: string, args: ConfigurationApplyArgs, opts?: pulumi.CustomResourceOptions);
  constructor(
    name: string,
    argsOrState?: ConfigurationApplyArgs | ConfigurationApplyState,
    opts: pulumi.CustomResourceOptions = {},
  ) {
    const inputs = resourceInputs(CONFIGURATION_APPLY, name, argsOrState, opts);
    super(CONFIGURATION_APPLY.token, name, inputs, resourceOptions(CONFIGURATION_APPLY, opts));
  }
}

/** Every property of a `Bootstrap` resource, resolved. */
export interface BootstrapProperties {
  /** Talos API client credentials. */
  clientConfiguration?: ClientConfiguration;
  /** Write-only Talos API client credentials. */
  clientConfigurationWo?: ClientConfigurationWo;
  /** Talos API endpoint to connect to (defaults to `node`). */
  endpoint: string;
  /** The control-plane node to bootstrap etcd on. */
  node: string;
  /** Operation timeouts. */
  timeouts?: BootstrapTimeouts;
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

/** State of an existing `Bootstrap` for `Bootstrap.get`. */
export type BootstrapState = Partial<DeepInput<BootstrapProperties>>;

/** Bootstraps etcd on one control-plane node, once per cluster (`talos:machine/bootstrap:Bootstrap`). */
export class Bootstrap extends pulumi.CustomResource implements OutputsOf<BootstrapProperties> {
  /** @internal The provider type token. */
  static readonly __pulumiType = BOOTSTRAP.token;

  /** Looks up an existing `Bootstrap` by provider id. */
  static get(
    name: string,
    id: pulumi.Input<pulumi.ID>,
    state?: BootstrapState,
    opts?: pulumi.CustomResourceOptions,
  ) {
    return new Bootstrap(name, state as BootstrapArgs, { ...opts, id });
  }

  /** True when `obj` is a `Bootstrap`, even across copies of the Pulumi SDK. */
  static override isInstance(obj: unknown): obj is Bootstrap {
    return hasPulumiType(obj, BOOTSTRAP.token);
  }

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
  constructor(name: string, args: BootstrapArgs, opts?: pulumi.CustomResourceOptions);
  constructor(
    name: string,
    argsOrState?: BootstrapArgs | BootstrapState,
    opts: pulumi.CustomResourceOptions = {},
  ) {
    super(
      BOOTSTRAP.token,
      name,
      resourceInputs(BOOTSTRAP, name, argsOrState, opts),
      resourceOptions(BOOTSTRAP, opts),
    );
  }
}

/** Arguments of `getConfiguration`. */
export interface GetConfigurationArgs {
  /** The cluster's Kubernetes API endpoint, e.g. `https://10.0.0.10:6443`. */
  clusterEndpoint: string;
  /** The cluster name. */
  clusterName: string;
  /** Config patches applied to the generated configuration. */
  configPatches?: string[];
  /** Include documentation comments in the output (default false). */
  docs?: boolean;
  /** Include examples in the output (default false). */
  examples?: boolean;
  /** Kubernetes version to configure. */
  kubernetesVersion?: string;
  /** The cluster secrets, usually `Secrets.machineSecrets`. */
  machineSecrets: MachineSecrets;
  /** `controlplane` or `worker`. */
  machineType: string;
  /** Talos version contract of the generated configuration. */
  talosVersion?: string;
}

/** Arguments of `getConfigurationOutput`: as `GetConfigurationArgs`, every field may be an Input. */
export type GetConfigurationOutputArgs = DeepInput<GetConfigurationArgs>;

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

/** Generates a machine configuration (`talos:machine/getConfiguration:getConfiguration`); prefer the Output form. */
export function getConfiguration(
  args: GetConfigurationArgs,
  opts?: pulumi.InvokeOptions,
): Promise<GetConfigurationResult> {
  const { token } = MACHINE_GET_CONFIGURATION;
  return pulumi.runtime.invoke(token, invokeArgs(MACHINE_GET_CONFIGURATION, args), invokeOptions(opts));
}

/** Generates a machine configuration as an Output, keeping `machineConfiguration` secret. */
export function getConfigurationOutput(
  args: GetConfigurationOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetConfigurationResult> {
  const { token } = MACHINE_GET_CONFIGURATION;
  return pulumi.runtime.invokeOutput(token, invokeArgs(MACHINE_GET_CONFIGURATION, args), invokeOptions(opts));
}
