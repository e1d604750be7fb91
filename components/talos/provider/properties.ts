// The binding's own view of each resource's properties and each function's arguments, resolved (plain
// values). Internal: `@pulumiverse/talos` has no such names (its classes declare the outputs, its
// `*Args` take inputs), so index.ts does not export this file. The module files declare their classes
// and `*OutputArgs` from these, and manifest.ts checks their keys against the manifest.
import type {
  ClientConfiguration,
  ClientConfigurationWo,
  ConfigurationApplyOnDestroy,
  BootstrapTimeouts,
  KubeconfigTimeouts,
  KubernetesClientConfiguration,
  MachineSecrets,
  Timeout,
} from "./types";

/** Every property of a `machine.Secrets` resource. */
export interface SecretsProperties {
  /** Talos API admin client credentials signed by the generated CA. */
  clientConfiguration: ClientConfiguration;
  /** The generated cluster secrets bundle (CAs, tokens, encryption keys). */
  machineSecrets: MachineSecrets;
  /** The Talos version contract the secrets were generated for. */
  talosVersion: string;
}

/** Every property of a `machine.ConfigurationApply` resource. */
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

/** Every property of a `machine.Bootstrap` resource. */
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

/** Every property of a `cluster.Kubeconfig` resource. */
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

/** Every property of an `imagefactory.Schematic` resource. */
export interface SchematicProperties {
  /** The schematic YAML. */
  schematic?: string;
}

/** The arguments of `machine.getConfiguration`, resolved. */
export interface MachineConfigurationArgs {
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

/** The arguments of `client.getConfiguration`, resolved. */
export interface ClientConfigurationArgs {
  /** Talos API client credentials, usually `machine.Secrets.clientConfiguration`. */
  clientConfiguration: ClientConfiguration;
  /** The cluster name (the talosconfig context name). */
  clusterName: string;
  /** Talos API endpoints written to the talosconfig. */
  endpoints?: string[];
  /** Default nodes written to the talosconfig. */
  nodes?: string[];
}

/** The arguments of `imagefactory.getUrls`, resolved. */
export interface UrlsArgs {
  /** CPU architecture, `amd64` (default) or `arm64`. */
  architecture?: string;
  /** Platform, e.g. `hcloud`, `metal`. */
  platform?: string;
  /** Single-board computer name (instead of `platform`). */
  sbc?: string;
  /** The schematic ID, usually `Schematic.id`. */
  schematicId: string;
  /** Talos version, e.g. `v1.13.9`. */
  talosVersion: string;
}
