/** The Pulumi package name of the Talos provider: the first segment of every type token. */
export const PACKAGE_NAME = "talos";

/** The provider plugin version every resource and invoke of this binding asks the engine for. */
export const PROVIDER_VERSION = "0.8.1";

/** Where the engine downloads the provider plugin from (the provider is published by Pulumiverse, not Pulumi). */
export const PLUGIN_DOWNLOAD_URL = "github://api.github.com/pulumiverse";

/** The npm package this binding stands in for; see README.md for the swap. */
export const NPM_PACKAGE_NAME = "@pulumiverse/talos";
