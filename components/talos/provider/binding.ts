// What the generated `@pulumiverse/talos` SDK does in every constructor and invoke, written once and driven by
// the manifest: provider version and plugin download URL on every request, required-input checks, secret
// inputs wrapped in `pulumi.secret`, and schema-secret outputs passed as `additionalSecretOutputs`
// (pulumiverse/pulumi-talos v0.8.1, sdk/nodejs/machine/configurationApply.ts and utilities.ts).
import * as pulumi from "@pulumi/pulumi";
import { PLUGIN_DOWNLOAD_URL, PROVIDER_VERSION } from "./constants";
import type { ManifestEntry } from "./manifest";

/** A resource's declared outputs, as `pulumi.Output`s (optional properties resolve to `undefined`). */
export type OutputsOf<P> = { readonly [K in keyof P]-?: pulumi.Output<P[K]> };

/** The options every talos registration and invoke starts from (the generated `resourceOptsDefaults`). */
export function providerDefaults(): { version: string; pluginDownloadURL: string } {
  return { version: PROVIDER_VERSION, pluginDownloadURL: PLUGIN_DOWNLOAD_URL };
}

function requireInputs(entry: ManifestEntry, label: string, source: Record<string, unknown>): void {
  const missing = entry.requiredInputs.filter((key) => source[key] === undefined);
  if (missing.length > 0) {
    const names = missing.map((key) => `'${key}'`).join(", ");
    const noun = missing.length === 1 ? "input" : "inputs";
    throw new Error(`${entry.name} ${label}: missing required ${noun} ${names} (${entry.token})`);
  }
}

/**
 * The registration inputs of a resource: the checked args, outputs unset, and the schema-secret ones
 * wrapped when set, as the generated constructors do (`args?.x ? pulumi.secret(args.x) : undefined`,
 * pulumiverse/pulumi-talos v0.8.1 sdk/nodejs/machine/configurationApply.ts:128-132).
 */
export function resourceInputs(entry: ManifestEntry, name: string, args: object | undefined): pulumi.Inputs {
  const source = (args ?? {}) as Record<string, pulumi.Input<unknown> | undefined>;
  requireInputs(entry, `"${name}"`, source);
  const inputs: pulumi.Inputs = {};
  for (const key of entry.inputs) {
    const value = source[key];
    const secret = entry.secretInputs.includes(key);
    inputs[key] = secret ? (value ? pulumi.secret(value) : undefined) : value;
  }
  for (const key of entry.outputs) if (!(key in inputs)) inputs[key] = undefined;
  return inputs;
}

/** The resource options: provider defaults under the caller's options, plus the schema-secret outputs. */
export function resourceOptions(
  entry: ManifestEntry,
  opts: pulumi.CustomResourceOptions,
): pulumi.CustomResourceOptions {
  const merged = pulumi.mergeOptions(providerDefaults(), opts);
  if (entry.secretOutputs.length === 0) return merged;
  return pulumi.mergeOptions(merged, { additionalSecretOutputs: [...entry.secretOutputs] });
}

/** The invoke arguments: exactly the manifest's input names, required ones checked. */
export function invokeArgs(entry: ManifestEntry, args: object): pulumi.Inputs {
  const source = args as Record<string, unknown>;
  requireInputs(entry, "call", source);
  return Object.fromEntries(entry.inputs.map((key) => [key, source[key]]));
}

/** The invoke options: provider defaults under the caller's options. */
export function invokeOptions<O extends pulumi.InvokeOptions>(opts: O | undefined): O {
  return { ...providerDefaults(), ...opts } as O;
}
