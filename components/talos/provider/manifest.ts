// The single list of provider names this binding uses. Resource registration (inputs, secret wrapping,
// additionalSecretOutputs, required checks) and invoke arguments are built from these entries, and the test
// checks them against the provider schema. The `Flags<...>` records are checked by the compiler to name
// exactly the keys of the TypeScript interfaces, so the interfaces cannot drift from the manifest either.
import type * as client from "./client";
import type * as cluster from "./cluster";
import type * as imagefactory from "./imagefactory";
import type * as machine from "./machine";
import type * as p from "./properties";
import type * as t from "./types";

type Keys<T> = Extract<keyof T, string>;
type RequiredKeys<T> = { [K in Keys<T>]-?: undefined extends T[K] ? never : K }[Keys<T>];
/** An object naming every key of a set exactly once (missing or extra keys are compile errors). */
type Flags<K extends string> = { readonly [P in K]: true };

/** One resource or function of the provider, as the binding binds it. */
export interface ManifestEntry {
  /** `resource` (a CustomResource class) or `function` (an invoke). */
  readonly kind: "resource" | "function";
  /** The provider type token, e.g. `talos:machine/secrets:Secrets`. */
  readonly token: string;
  /**
   * Where it lives in the binding (and in `@pulumiverse/talos`), e.g. `machine.Secrets`; a function by its
   * plain name (`machine.getConfiguration`), though only its Output form is bound.
   */
  readonly name: string;
  /** Input property names the binding accepts. */
  readonly inputs: readonly string[];
  /** Output property names the binding declares (resources: every state property; functions: the result). */
  readonly outputs: readonly string[];
  /** Inputs the binding requires (TypeScript-required and checked at run time). */
  readonly requiredInputs: readonly string[];
  /** Inputs the binding wraps in `pulumi.secret` before registering. */
  readonly secretInputs: readonly string[];
  /** Outputs the schema marks secret (resources pass them as `additionalSecretOutputs`). */
  readonly secretOutputs: readonly string[];
}

/** One nested object type of the schema and the binding interface that models it. */
export interface TypeManifestEntry {
  /** The binding's interface name in types.ts. */
  readonly name: string;
  /** The schema type tokens this interface stands for (several schema types share one shape). */
  readonly schemaTokens: readonly string[];
  /** Property names of the interface. */
  readonly properties: readonly string[];
  /** Properties always present on the output side. */
  readonly required: readonly string[];
  /** Properties the schema marks secret. */
  readonly secret: readonly string[];
}

interface EntrySpec<Args, Outputs> {
  token: string;
  name: string;
  inputs: Flags<Keys<Args>>;
  outputs: Flags<Keys<Outputs>>;
  requiredInputs: Flags<RequiredKeys<Args>>;
  secretInputs?: readonly Keys<Args>[];
  secretOutputs?: readonly Keys<Outputs>[];
}

function entry<Args, Outputs>(kind: ManifestEntry["kind"], spec: EntrySpec<Args, Outputs>): ManifestEntry {
  return Object.freeze({
    kind,
    token: spec.token,
    name: spec.name,
    inputs: Object.keys(spec.inputs),
    outputs: Object.keys(spec.outputs),
    requiredInputs: Object.keys(spec.requiredInputs),
    secretInputs: [...(spec.secretInputs ?? [])],
    secretOutputs: [...(spec.secretOutputs ?? [])],
  });
}

const resource = <Args, Props>(spec: EntrySpec<Args, Props>) => entry("resource", spec);
const fn = <Args, Result>(spec: EntrySpec<Args, Result>) => entry("function", spec);

function typeEntry<T>(spec: {
  name: string;
  schemaTokens: readonly string[];
  properties: Flags<Keys<T>>;
  required: Flags<RequiredKeys<T>>;
  secret: readonly Keys<T>[];
}): TypeManifestEntry {
  const { name, schemaTokens, secret } = spec;
  const properties = Object.keys(spec.properties);
  return Object.freeze({ name, schemaTokens, properties, required: Object.keys(spec.required), secret });
}

const CLIENT_CONFIGURATION_KEYS = { caCertificate: true, clientCertificate: true, clientKey: true } as const;
const URL_KEYS: Flags<Keys<t.GetUrlsUrls>> = {
  diskImage: true,
  diskImageSecureboot: true,
  initramfs: true,
  installer: true,
  installerSecureboot: true,
  iso: true,
  isoSecureboot: true,
  kernel: true,
  kernelCommandLine: true,
  pxe: true,
  uki: true,
};

/** `talos:machine/secrets:Secrets`. */
export const SECRETS = resource<machine.SecretsArgs, p.SecretsProperties>({
  token: "talos:machine/secrets:Secrets",
  name: "machine.Secrets",
  inputs: { talosVersion: true },
  outputs: { clientConfiguration: true, machineSecrets: true, talosVersion: true },
  requiredInputs: {},
});

/** `talos:machine/configurationApply:ConfigurationApply`. */
export const CONFIGURATION_APPLY = resource<machine.ConfigurationApplyArgs, p.ConfigurationApplyProperties>({
  token: "talos:machine/configurationApply:ConfigurationApply",
  name: "machine.ConfigurationApply",
  inputs: {
    applyMode: true,
    clientConfiguration: true,
    clientConfigurationWo: true,
    configPatches: true,
    endpoint: true,
    machineConfigurationInput: true,
    machineConfigurationInputWo: true,
    node: true,
    onDestroy: true,
    timeouts: true,
  },
  outputs: {
    applyMode: true,
    clientConfiguration: true,
    clientConfigurationWo: true,
    configPatches: true,
    endpoint: true,
    machineConfiguration: true,
    machineConfigurationHash: true,
    machineConfigurationInput: true,
    machineConfigurationInputWo: true,
    node: true,
    onDestroy: true,
    resolvedApplyMode: true,
    timeouts: true,
  },
  requiredInputs: { node: true },
  secretInputs: ["clientConfigurationWo", "machineConfigurationInput", "machineConfigurationInputWo"],
  secretOutputs: [
    "clientConfigurationWo",
    "machineConfiguration",
    "machineConfigurationInput",
    "machineConfigurationInputWo",
  ],
});

/** `talos:machine/bootstrap:Bootstrap`. */
export const BOOTSTRAP = resource<machine.BootstrapArgs, p.BootstrapProperties>({
  token: "talos:machine/bootstrap:Bootstrap",
  name: "machine.Bootstrap",
  inputs: {
    clientConfiguration: true,
    clientConfigurationWo: true,
    endpoint: true,
    node: true,
    timeouts: true,
  },
  outputs: {
    clientConfiguration: true,
    clientConfigurationWo: true,
    endpoint: true,
    node: true,
    timeouts: true,
  },
  requiredInputs: { node: true },
  secretInputs: ["clientConfigurationWo"],
  secretOutputs: ["clientConfigurationWo"],
});

/** `talos:machine/getConfiguration:getConfiguration`. */
export const MACHINE_GET_CONFIGURATION = fn<p.MachineConfigurationArgs, machine.GetConfigurationResult>({
  token: "talos:machine/getConfiguration:getConfiguration",
  name: "machine.getConfiguration",
  inputs: {
    clusterEndpoint: true,
    clusterName: true,
    configPatches: true,
    docs: true,
    examples: true,
    kubernetesVersion: true,
    machineSecrets: true,
    machineType: true,
    talosVersion: true,
  },
  outputs: {
    clusterEndpoint: true,
    clusterName: true,
    configPatches: true,
    docs: true,
    examples: true,
    id: true,
    kubernetesVersion: true,
    machineConfiguration: true,
    machineSecrets: true,
    machineType: true,
    talosVersion: true,
  },
  requiredInputs: { clusterEndpoint: true, clusterName: true, machineSecrets: true, machineType: true },
  secretOutputs: ["machineConfiguration"],
});

/** `talos:cluster/kubeconfig:Kubeconfig`. */
export const KUBECONFIG = resource<cluster.KubeconfigArgs, p.KubeconfigProperties>({
  token: "talos:cluster/kubeconfig:Kubeconfig",
  name: "cluster.Kubeconfig",
  inputs: {
    certificateRenewalDuration: true,
    clientConfiguration: true,
    endpoint: true,
    node: true,
    timeouts: true,
  },
  outputs: {
    certificateRenewalDuration: true,
    clientConfiguration: true,
    endpoint: true,
    kubeconfigRaw: true,
    kubernetesClientConfiguration: true,
    node: true,
    timeouts: true,
  },
  requiredInputs: { clientConfiguration: true, node: true },
  secretOutputs: ["kubeconfigRaw"],
});

/** `talos:client/getConfiguration:getConfiguration`. */
export const CLIENT_GET_CONFIGURATION = fn<p.ClientConfigurationArgs, client.GetConfigurationResult>({
  token: "talos:client/getConfiguration:getConfiguration",
  name: "client.getConfiguration",
  inputs: { clientConfiguration: true, clusterName: true, endpoints: true, nodes: true },
  outputs: {
    clientConfiguration: true,
    clusterName: true,
    endpoints: true,
    id: true,
    nodes: true,
    talosConfig: true,
  },
  requiredInputs: { clientConfiguration: true, clusterName: true },
  secretOutputs: ["talosConfig"],
});

/** `talos:imageFactory/schematic:Schematic`. */
export const SCHEMATIC = resource<imagefactory.SchematicArgs, p.SchematicProperties>({
  token: "talos:imageFactory/schematic:Schematic",
  name: "imagefactory.Schematic",
  inputs: { schematic: true },
  outputs: { schematic: true },
  requiredInputs: {},
});

/** `talos:imageFactory/getUrls:getUrls`. */
export const IMAGEFACTORY_GET_URLS = fn<p.UrlsArgs, imagefactory.GetUrlsResult>({
  token: "talos:imageFactory/getUrls:getUrls",
  name: "imagefactory.getUrls",
  inputs: { architecture: true, platform: true, sbc: true, schematicId: true, talosVersion: true },
  outputs: {
    architecture: true,
    id: true,
    platform: true,
    sbc: true,
    schematicId: true,
    talosVersion: true,
    urls: true,
  },
  requiredInputs: { schematicId: true, talosVersion: true },
});

/** Every provider resource and function the binding covers. */
export const BINDING_MANIFEST: readonly ManifestEntry[] = Object.freeze([
  SECRETS,
  CONFIGURATION_APPLY,
  BOOTSTRAP,
  MACHINE_GET_CONFIGURATION,
  KUBECONFIG,
  CLIENT_GET_CONFIGURATION,
  SCHEMATIC,
  IMAGEFACTORY_GET_URLS,
]);

/** Every nested schema type the binding models, with the interface in types.ts that models it. */
export const BINDING_TYPE_MANIFEST: readonly TypeManifestEntry[] = Object.freeze([
  typeEntry<t.ClientConfiguration>({
    name: "ClientConfiguration",
    schemaTokens: [
      "talos:machine/generated:ClientConfiguration",
      "talos:cluster/KubeconfigClientConfiguration:KubeconfigClientConfiguration",
      "talos:client/getConfigurationClientConfiguration:getConfigurationClientConfiguration",
    ],
    properties: CLIENT_CONFIGURATION_KEYS,
    required: CLIENT_CONFIGURATION_KEYS,
    secret: ["clientKey"],
  }),
  typeEntry<t.ClientConfigurationWo>({
    name: "ClientConfigurationWo",
    schemaTokens: [
      "talos:machine/BootstrapClientConfigurationWo:BootstrapClientConfigurationWo",
      "talos:machine/ConfigurationApplyClientConfigurationWo:ConfigurationApplyClientConfigurationWo",
    ],
    properties: CLIENT_CONFIGURATION_KEYS,
    required: CLIENT_CONFIGURATION_KEYS,
    secret: ["caCertificate", "clientCertificate", "clientKey"],
  }),
  typeEntry<t.KubernetesClientConfiguration>({
    name: "KubernetesClientConfiguration",
    schemaTokens: [
      "talos:cluster/KubeconfigKubernetesClientConfiguration:KubeconfigKubernetesClientConfiguration",
    ],
    properties: { ...CLIENT_CONFIGURATION_KEYS, host: true },
    required: { ...CLIENT_CONFIGURATION_KEYS, host: true },
    secret: ["clientKey"],
  }),
  typeEntry<t.MachineSecrets>({
    name: "MachineSecrets",
    schemaTokens: ["talos:machine/generated:MachineSecrets"],
    properties: { certs: true, cluster: true, secrets: true, trustdinfo: true },
    required: { certs: true, cluster: true, secrets: true, trustdinfo: true },
    secret: [],
  }),
  typeEntry<t.Certificates>({
    name: "Certificates",
    schemaTokens: ["talos:machine/generated:Certificates"],
    properties: { etcd: true, k8s: true, k8sAggregator: true, k8sServiceaccount: true, os: true },
    required: { etcd: true, k8s: true, k8sAggregator: true, k8sServiceaccount: true, os: true },
    secret: [],
  }),
  typeEntry<t.Certificate>({
    name: "Certificate",
    schemaTokens: ["talos:machine/generated:Certificate"],
    properties: { cert: true, key: true },
    required: { cert: true, key: true },
    secret: ["key"],
  }),
  typeEntry<t.Key>({
    name: "Key",
    schemaTokens: ["talos:machine/generated:Key"],
    properties: { key: true },
    required: { key: true },
    secret: ["key"],
  }),
  typeEntry<t.Cluster>({
    name: "Cluster",
    schemaTokens: ["talos:machine/generated:Cluster"],
    properties: { id: true, secret: true },
    required: { id: true, secret: true },
    secret: ["secret"],
  }),
  typeEntry<t.KubernetesSecrets>({
    name: "KubernetesSecrets",
    schemaTokens: ["talos:machine/generated:KubernetesSecrets"],
    properties: { aescbcEncryptionSecret: true, bootstrapToken: true, secretboxEncryptionSecret: true },
    required: { bootstrapToken: true, secretboxEncryptionSecret: true },
    secret: ["aescbcEncryptionSecret", "bootstrapToken", "secretboxEncryptionSecret"],
  }),
  typeEntry<t.TrustdInfo>({
    name: "TrustdInfo",
    schemaTokens: ["talos:machine/generated:TrustdInfo"],
    properties: { token: true },
    required: { token: true },
    secret: ["token"],
  }),
  typeEntry<t.Timeout>({
    name: "Timeout",
    schemaTokens: ["talos:machine/Timeout:Timeout"],
    properties: { create: true, delete: true, update: true },
    required: {},
    secret: [],
  }),
  typeEntry<t.BootstrapTimeouts>({
    name: "BootstrapTimeouts",
    schemaTokens: ["talos:machine/BootstrapTimeouts:BootstrapTimeouts"],
    properties: { create: true },
    required: {},
    secret: [],
  }),
  typeEntry<t.KubeconfigTimeouts>({
    name: "KubeconfigTimeouts",
    schemaTokens: ["talos:cluster/KubeconfigTimeouts:KubeconfigTimeouts"],
    properties: { create: true, update: true },
    required: {},
    secret: [],
  }),
  typeEntry<t.ConfigurationApplyOnDestroy>({
    name: "ConfigurationApplyOnDestroy",
    schemaTokens: ["talos:machine/ConfigurationApplyOnDestroy:ConfigurationApplyOnDestroy"],
    properties: { graceful: true, reboot: true, reset: true },
    required: { graceful: true, reboot: true, reset: true },
    secret: [],
  }),
  typeEntry<t.GetUrlsUrls>({
    name: "GetUrlsUrls",
    schemaTokens: ["talos:imageFactory/getUrlsUrls:getUrlsUrls"],
    properties: URL_KEYS,
    required: URL_KEYS,
    secret: [],
  }),
]);
