// talos:imageFactory/* — Image Factory schematics and asset URLs. Exported from index.ts as `imagefactory`
// (lower case), the name `@pulumiverse/talos` uses for this module.
import * as pulumi from "@pulumi/pulumi";
import type { OutputsOf } from "./binding";
import { hasPulumiType, invokeArgs, invokeOptions, resourceInputs, resourceOptions } from "./binding";
import { IMAGEFACTORY_GET_URLS, SCHEMATIC } from "./manifest";
import type { DeepInput, GetUrlsUrls } from "./types";

/** Every property of a `Schematic` resource, resolved. */
export interface SchematicProperties {
  /** The schematic YAML. */
  schematic?: string;
}

/** Arguments of `Schematic`. */
export interface SchematicArgs {
  /** The schematic YAML (extensions, extra kernel args, overlay); empty means the default schematic. */
  schematic?: pulumi.Input<string>;
}

/** State of an existing `Schematic` for `Schematic.get`. */
export type SchematicState = Partial<DeepInput<SchematicProperties>>;

/** Registers an Image Factory schematic; its `id` is the schematic ID (`talos:imageFactory/schematic:Schematic`). */
export class Schematic extends pulumi.CustomResource implements OutputsOf<SchematicProperties> {
  /** @internal The provider type token. */
  static readonly __pulumiType = SCHEMATIC.token;

  /** Looks up an existing `Schematic` by schematic ID. */
  static get(
    name: string,
    id: pulumi.Input<pulumi.ID>,
    state?: SchematicState,
    opts?: pulumi.CustomResourceOptions,
  ) {
    return new Schematic(name, state, { ...opts, id });
  }

  /** True when `obj` is a `Schematic`, even across copies of the Pulumi SDK. */
  static override isInstance(obj: unknown): obj is Schematic {
    return hasPulumiType(obj, SCHEMATIC.token);
  }

  /** The schematic YAML. */
  declare readonly schematic: pulumi.Output<string | undefined>;

  /** Creates a `Schematic` resource. */
  constructor(name: string, args?: SchematicArgs, opts?: pulumi.CustomResourceOptions);
  constructor(
    name: string,
    argsOrState?: SchematicArgs | SchematicState,
    opts: pulumi.CustomResourceOptions = {},
  ) {
    super(
      SCHEMATIC.token,
      name,
      resourceInputs(SCHEMATIC, name, argsOrState, opts),
      resourceOptions(SCHEMATIC, opts),
    );
  }
}

/** Arguments of `getUrls`. */
export interface GetUrlsArgs {
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

/** Arguments of `getUrlsOutput`: as `GetUrlsArgs`, every field may be an Input. */
export type GetUrlsOutputArgs = DeepInput<GetUrlsArgs>;

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

/** Computes Image Factory asset URLs (`talos:imageFactory/getUrls:getUrls`). */
export function getUrls(args: GetUrlsArgs, opts?: pulumi.InvokeOptions): Promise<GetUrlsResult> {
  return pulumi.runtime.invoke(
    IMAGEFACTORY_GET_URLS.token,
    invokeArgs(IMAGEFACTORY_GET_URLS, args),
    invokeOptions(opts),
  );
}

/** Computes Image Factory asset URLs as an Output (e.g. from a `Schematic.id`). */
export function getUrlsOutput(
  args: GetUrlsOutputArgs,
  opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<GetUrlsResult> {
  const { token } = IMAGEFACTORY_GET_URLS;
  return pulumi.runtime.invokeOutput(token, invokeArgs(IMAGEFACTORY_GET_URLS, args), invokeOptions(opts));
}
