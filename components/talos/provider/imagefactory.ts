// talos:imageFactory/* as the program uses it: Image Factory schematics and asset URLs. Exported from
// index.ts as `imagefactory` (lower case), the module `@pulumiverse/talos` generates for the token module
// `imageFactory`; exports only names that module exports (test/talos-provider.test.ts).
import * as pulumi from "@pulumi/pulumi";
import { invokeArgs, invokeOptions, resourceInputs, resourceOptions, type OutputsOf } from "./binding";
import { IMAGEFACTORY_GET_URLS, SCHEMATIC } from "./manifest";
import type { SchematicProperties, UrlsArgs } from "./properties";
import type { DeepInput, GetUrlsUrls } from "./types";

/** Arguments of `Schematic`. */
export interface SchematicArgs {
  /** The schematic YAML (extensions, extra kernel args, overlay); empty means the default schematic. */
  schematic?: pulumi.Input<string>;
}

/** Registers an Image Factory schematic; its `id` is the schematic ID (`talos:imageFactory/schematic:Schematic`). */
export class Schematic extends pulumi.CustomResource implements OutputsOf<SchematicProperties> {
  /** The schematic YAML. */
  declare readonly schematic: pulumi.Output<string | undefined>;

  /** Creates a `Schematic` resource. */
  constructor(name: string, args?: SchematicArgs, opts: pulumi.CustomResourceOptions = {}) {
    super(SCHEMATIC.token, name, resourceInputs(SCHEMATIC, name, args), resourceOptions(SCHEMATIC, opts));
  }
}

/** Arguments of `getUrlsOutput`: every field may be an Input. */
export type GetUrlsOutputArgs = DeepInput<UrlsArgs>;

/** Result of `getUrls`. */
export interface GetUrlsResult {
  /** CPU architecture. */
  readonly architecture: string;
  /** Provider id of the result. */
  readonly id: string;
  /** Platform. */
  readonly platform?: string;
  /** Single-board computer. */
  readonly sbc?: string;
  /** The schematic ID. */
  readonly schematicId: string;
  /** Talos version. */
  readonly talosVersion: string;
  /** The asset URLs (installer image, ISO, disk image, ...). */
  readonly urls: GetUrlsUrls;
}

/** Computes Image Factory asset URLs as an Output (e.g. from a `Schematic.id`). */
export function getUrlsOutput(
  args: GetUrlsOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetUrlsResult> {
  const { token } = IMAGEFACTORY_GET_URLS;
  return pulumi.runtime.invokeOutput(token, invokeArgs(IMAGEFACTORY_GET_URLS, args), invokeOptions(opts));
}
