// Nested object types of the Talos provider schema 0.8.1, as plain (resolved) values. The input forms used in
// resource and invoke arguments are derived with `DeepInput`. Field names are the schema's, checked by the
// test against the schema through `BINDING_TYPE_MANIFEST` (manifest.ts).
import type * as pulumi from "@pulumi/pulumi";

/** A value or any of its nested fields may be given as a `pulumi.Input` (the shape of generated SDK inputs). */
export type DeepInput<T> = T extends readonly (infer E)[]
  ? pulumi.Input<DeepInput<E>>[]
  : T extends object
    ? { [K in keyof T]: pulumi.Input<DeepInput<NonNullable<T[K]>>> }
    : T;

/** Talos API client credentials (schema `machine/generated:ClientConfiguration` and its per-resource twins). */
export interface ClientConfiguration {
  /** The client CA certificate (PEM, base64). */
  caCertificate: string;
  /** The client certificate (PEM, base64). */
  clientCertificate: string;
  /** The client private key (PEM, base64); secret. */
  clientKey: string;
}

/** Write-only Talos API client credentials (`*ClientConfigurationWo`): every field is secret. */
export type ClientConfigurationWo = ClientConfiguration;

/** Kubernetes admin client credentials and API host returned by `cluster.Kubeconfig`. */
export interface KubernetesClientConfiguration {
  /** The Kubernetes CA certificate. */
  caCertificate: string;
  /** The Kubernetes client certificate. */
  clientCertificate: string;
  /** The Kubernetes client key; secret. */
  clientKey: string;
  /** The Kubernetes API server URL. */
  host: string;
}

/** A certificate and its private key. */
export interface Certificate {
  /** Certificate (PEM, base64). */
  cert: string;
  /** Private key (PEM, base64); secret. */
  key: string;
}

/** A bare private key (the service-account signing key). */
export interface Key {
  /** Private key (PEM, base64); secret. */
  key: string;
}

/** The certificate authorities of a Talos cluster. */
export interface Certificates {
  /** etcd CA. */
  etcd: Certificate;
  /** Kubernetes CA. */
  k8s: Certificate;
  /** Kubernetes front-proxy (aggregator) CA. */
  k8sAggregator: Certificate;
  /** Kubernetes service-account signing key. */
  k8sServiceaccount: Key;
  /** Talos API (os) CA. */
  os: Certificate;
}

/** Cluster identity. */
export interface Cluster {
  /** Cluster id. */
  id: string;
  /** Cluster secret; secret. */
  secret: string;
}

/** Kubernetes bootstrap and encryption secrets. */
export interface KubernetesSecrets {
  /** AES-CBC encryption secret (absent for clusters generated for newer Talos contracts); secret. */
  aescbcEncryptionSecret?: string;
  /** Kubernetes bootstrap token; secret. */
  bootstrapToken: string;
  /** Secretbox encryption secret; secret. */
  secretboxEncryptionSecret: string;
}

/** The trustd token. */
export interface TrustdInfo {
  /** trustd token; secret. */
  token: string;
}

/** The complete machine secrets bundle of a cluster (schema `machine/generated:MachineSecrets`). */
export interface MachineSecrets {
  /** Certificate authorities. */
  certs: Certificates;
  /** Cluster identity. */
  cluster: Cluster;
  /** Kubernetes secrets. */
  secrets: KubernetesSecrets;
  /** trustd info. */
  trustdinfo: TrustdInfo;
}

/** Operation timeouts of `machine.ConfigurationApply` (Go duration strings such as "10m"). */
export interface Timeout {
  /** Create timeout. */
  create?: string;
  /** Delete timeout. */
  delete?: string;
  /** Update timeout. */
  update?: string;
}

/** Operation timeouts of `machine.Bootstrap`. */
export interface BootstrapTimeouts {
  /** Create timeout. */
  create?: string;
}

/** Operation timeouts of `cluster.Kubeconfig`. */
export interface KubeconfigTimeouts {
  /** Create timeout. */
  create?: string;
  /** Update timeout. */
  update?: string;
}

/** What `machine.ConfigurationApply` does to the node on destroy (all fields present on the output side). */
export interface ConfigurationApplyOnDestroy {
  /** Leave etcd gracefully before resetting (provider default true). */
  graceful: boolean;
  /** Reboot instead of halting after the reset (provider default false). */
  reboot: boolean;
  /** Reset the machine, wiping STATE and EPHEMERAL (provider default false). */
  reset: boolean;
}

/** Image Factory asset URLs returned by `imagefactory.getUrls`. */
export interface GetUrlsUrls {
  /** Disk image URL. */
  diskImage: string;
  /** Secure Boot disk image URL. */
  diskImageSecureboot: string;
  /** initramfs URL. */
  initramfs: string;
  /** Installer container image reference. */
  installer: string;
  /** Secure Boot installer container image reference. */
  installerSecureboot: string;
  /** ISO URL. */
  iso: string;
  /** Secure Boot ISO URL. */
  isoSecureboot: string;
  /** Kernel URL. */
  kernel: string;
  /** Kernel command line URL. */
  kernelCommandLine: string;
  /** iPXE script URL. */
  pxe: string;
  /** UKI URL. */
  uki: string;
}
