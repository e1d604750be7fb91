/**
 * Mock outputs of the Talos provider's resources and invokes: what the provider computes, with
 * deterministic values. Every value the real provider treats as sensitive contains MOCK_SECRET_MARK and
 * comes back as a secret, nested where the provider nests it (Secrets' keys and tokens, a client key),
 * so tests can search recorded plain-text inputs for the mark.
 */
import { wireSecret, type Outputs, type State } from "./types";

/** Part of every mock secret value: a plain-text input containing it is a leaked secret. */
export const MOCK_SECRET_MARK = "MOCK-SECRET";

const secretOf = (what: string) => wireSecret(`${MOCK_SECRET_MARK}:${what}`);
const keyPair = (prefix: string, what: string) => ({
  cert: `${prefix}-${what}-crt`,
  key: secretOf(`${prefix}-${what}-key`),
});
const text = (v: unknown, fallback = ""): string => (typeof v === "string" ? v : fallback);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => text(x)) : []);

/** A stable short hash of a string (FNV-1a, hex), e.g. a config hash. */
function hashOf(value: string): string {
  let h = 0x811c9dc5;
  for (const ch of value) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0");
}

/** `talos:machine/secrets:Secrets`: the bundle and the admin client credentials (nested secrets). */
const secrets: Outputs = (name) => ({
  machineSecrets: {
    certs: {
      etcd: keyPair(name, "etcd"),
      k8s: keyPair(name, "k8s"),
      k8sAggregator: keyPair(name, "k8s-aggregator"),
      k8sServiceaccount: { key: secretOf(`${name}-serviceaccount-key`) },
      os: keyPair(name, "os"),
    },
    cluster: { id: `${name}-cluster-id`, secret: secretOf(`${name}-cluster-secret`) },
    secrets: {
      bootstrapToken: secretOf(`${name}-bootstrap-token`),
      secretboxEncryptionSecret: secretOf(`${name}-secretbox`),
    },
    trustdinfo: { token: secretOf(`${name}-trustd-token`) },
  },
  clientConfiguration: {
    caCertificate: `${name}-os-crt`,
    clientCertificate: `${name}-admin-crt`,
    clientKey: secretOf(`${name}-admin-key`),
  },
});

/** `talos:machine/getConfiguration:getConfiguration`: a config naming its inputs and carrying a secret. */
const machineConfiguration: Outputs = (_name, inputs) => {
  const type = text(inputs.machineType);
  const patches = list(inputs.configPatches).length;
  const config = [
    "version: v1alpha1",
    `# ${type} of ${text(inputs.clusterName)} at ${text(inputs.clusterEndpoint)}, ${patches} patches`,
    `machine: { type: ${type}, token: ${MOCK_SECRET_MARK}:${type}-token }`,
  ].join("\n");
  return { id: `config-${type}`, machineConfiguration: wireSecret(config) };
};

/** `talos:machine/configurationApply:ConfigurationApply`: the applied config is the input plus patches. */
const configurationApply: Outputs = (_name, inputs) => {
  const applied = [text(inputs.machineConfigurationInput), ...list(inputs.configPatches)].join("\n---\n");
  return {
    endpoint: text(inputs.endpoint, text(inputs.node)),
    machineConfiguration: applied,
    machineConfigurationHash: hashOf(applied),
    resolvedApplyMode: text(inputs.applyMode, "auto"),
  };
};

/** The `server` of the mock kubeconfig: the cluster endpoint of the machine config, unknown to the mock. */
export const MOCK_CLUSTER_ENDPOINT = "https://cluster-endpoint.invalid:6443";

/** `talos:cluster/kubeconfig:Kubeconfig`: an admin kubeconfig for the node's API server. */
const kubeconfig: Outputs = (name, inputs) => {
  const host = `https://${text(inputs.node)}:6443`;
  return {
    endpoint: text(inputs.endpoint, text(inputs.node)),
    certificateRenewalDuration: text(inputs.certificateRenewalDuration, "720h"),
    // Talos writes the machine config's cluster endpoint into `server`, which the mock does not see.
    kubeconfigRaw: `apiVersion: v1\nkind: Config\nclusters:\n  - name: ${name}\n    cluster:\n      server: ${MOCK_CLUSTER_ENDPOINT}\n# ${host}\n# client-key-data: ${MOCK_SECRET_MARK}:${name}-key\n`,
    kubernetesClientConfiguration: {
      caCertificate: `${name}-k8s-ca`,
      clientCertificate: `${name}-k8s-crt`,
      clientKey: secretOf(`${name}-k8s-key`),
      host,
    },
  };
};

/** `talos:client/getConfiguration:getConfiguration`: a talosconfig with the context and its key. */
const talosConfig: Outputs = (_name, inputs) => {
  const context = text(inputs.clusterName);
  const config = [
    `context: ${context}`,
    `contexts: { ${context}: { endpoints: [${list(inputs.endpoints).join(", ")}], nodes: [${list(inputs.nodes).join(", ")}] } }`,
    `# key: ${MOCK_SECRET_MARK}:${context}-talosconfig-key`,
  ].join("\n");
  return { id: `talosconfig-${context}`, talosConfig: wireSecret(config) };
};

/** `talos:imageFactory/getUrls:getUrls`: the factory's asset URLs for a schematic, version and platform. */
const urls: Outputs = (_name, inputs) => {
  const id = text(inputs.schematicId);
  const version = text(inputs.talosVersion);
  const platform = text(inputs.platform, "metal");
  const arch = text(inputs.architecture, "amd64");
  const image = `https://factory.talos.dev/image/${id}/${version}`;
  const result: State = {
    diskImage: `${image}/${platform}-${arch}.raw.xz`,
    diskImageSecureboot: `${image}/${platform}-${arch}-secureboot.raw.xz`,
    initramfs: `${image}/initramfs-${arch}.xz`,
    installer: `factory.talos.dev/${platform}-installer/${id}:${version}`,
    installerSecureboot: `factory.talos.dev/${platform}-installer-secureboot/${id}:${version}`,
    iso: `${image}/${platform}-${arch}.iso`,
    isoSecureboot: `${image}/${platform}-${arch}-secureboot.iso`,
    kernel: `${image}/kernel-${arch}`,
    kernelCommandLine: `${image}/cmdline-${platform}-${arch}`,
    pxe: `https://pxe.factory.talos.dev/pxe/${id}/${version}/${platform}-${arch}`,
    uki: `${image}/${platform}-${arch}-uki.efi`,
  };
  return { id: `urls-${id}-${arch}`, architecture: arch, urls: result };
};

/** talos type token → computed outputs. */
export const TALOS_OUTPUTS: Readonly<Record<string, Outputs>> = {
  "talos:machine/secrets:Secrets": secrets,
  "talos:machine/getConfiguration:getConfiguration": machineConfiguration,
  "talos:machine/configurationApply:ConfigurationApply": configurationApply,
  "talos:cluster/kubeconfig:Kubeconfig": kubeconfig,
  "talos:client/getConfiguration:getConfiguration": talosConfig,
  "talos:imageFactory/getUrls:getUrls": urls,
};
