// A typed binding of the Pulumi Talos provider 0.8.1 with the module layout of `@pulumiverse/talos`:
// `import * as talos from "./components/talos/provider"` reads like the npm package (see README.md).

/** `talos:client/*`: `getConfiguration` / `getConfigurationOutput` (the talosconfig). */
export * as client from "./client";
/** `talos:cluster/*`: `Kubeconfig`, `getHealth` / `getHealthOutput`. */
export * as cluster from "./cluster";
/** `talos:imageFactory/*`: `Schematic`, `getUrls` / `getUrlsOutput` (lower-case name, as in the npm package). */
export * as imagefactory from "./imageFactory";
/** `talos:machine/*`: `Secrets`, `ConfigurationApply`, `Bootstrap`, `getConfiguration` / `getConfigurationOutput`. */
export * as machine from "./machine";

export { NPM_PACKAGE_NAME, PACKAGE_NAME, PLUGIN_DOWNLOAD_URL, PROVIDER_VERSION } from "./constants";
export { BINDING_MANIFEST, BINDING_TYPE_MANIFEST } from "./manifest";
export type { ManifestEntry, TypeManifestEntry } from "./manifest";
