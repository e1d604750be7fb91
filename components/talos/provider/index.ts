// A typed binding of the Pulumi Talos provider 0.8.1 with the module layout of `@pulumiverse/talos`, for the
// parts the program uses: `import * as talos from "./components/talos/provider"` reads like the npm
// package, and swapping the import for `@pulumiverse/talos` is the whole change (see README.md). Exports
// the package's own module names only; the manifest and constants are the binding's, imported by path.

/** `talos:client/*`: `getConfigurationOutput` (the talosconfig). */
export * as client from "./client";
/** `talos:cluster/*`: `Kubeconfig`. */
export * as cluster from "./cluster";
/** `talos:imageFactory/*`: `Schematic`, `getUrlsOutput` (lower-case name, as in the npm package). */
export * as imagefactory from "./imagefactory";
/** `talos:machine/*`: `Secrets`, `ConfigurationApply`, `Bootstrap`, `getConfigurationOutput`. */
export * as machine from "./machine";
