/**
 * The Talos image: an Image Factory schematic with the stack's system extensions, the installer image
 * of the same schematic (`machine.install.image`; the image to pass to `talosctl upgrade --image`), and
 * the disk image URL per architecture for the snapshot upload step (platform.md). The servers select
 * the uploaded snapshot by schematic ID (`talosImages(spec, schematicId)`).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec } from "../config/spec";
import { architectures, type ServerTypeArchitectures } from "../hetzner/image";
import type { Arch } from "../hetzner/labels";
import * as talos from "./provider";
import { FACTORY_ARCH, INSTALLER_REPOSITORY, PLATFORM, schematicYaml } from "./schematic";

/** Arguments of {@link TalosImage}. */
export interface TalosImageArgs {
  /** The resolved cluster spec (Talos version, system extensions, pools' architectures). @default none, required */
  readonly spec: Pick<ClusterSpec, "settings">;
  /** The architecture of each pool's server type, as Hetzner reports it (`checkedServerTypes`). @default none, required */
  readonly serverTypes: ServerTypeArchitectures;
}

/** The Image Factory schematic of the cluster and the images built from it. */
export class TalosImage extends pulumi.ComponentResource {
  /** The schematic ID (64 hex characters), the key of every factory image and of the snapshot labels. */
  declare readonly schematicId: pulumi.Output<string>;
  /** `factory.talos.dev/hcloud-installer/<schematic>:<talosVersion>` (multi-architecture). */
  declare readonly installerImage: pulumi.Output<string>;
  /** The hcloud disk image (`.raw.xz`) URL per architecture the pools use, to upload as a snapshot. */
  declare readonly diskImages: Readonly<Partial<Record<Arch, pulumi.Output<string>>>>;

  constructor(name: string, args: TalosImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hcloud-talos-cilium:talos:TalosImage", name, {}, opts);
    const { talosVersion, talosExtensions } = args.spec.settings;

    const schematic = new talos.imagefactory.Schematic(
      `${name}-schematic`,
      { schematic: schematicYaml(talosExtensions) },
      { parent: this },
    );
    this.schematicId = schematic.id;
    this.installerImage = pulumi.interpolate`${INSTALLER_REPOSITORY}/${schematic.id}:${talosVersion}`;
    const diskImages: Partial<Record<Arch, pulumi.Output<string>>> = {};
    for (const arch of architectures(args.spec, args.serverTypes)) {
      const urls = talos.imagefactory.getUrlsOutput(
        { schematicId: schematic.id, talosVersion, platform: PLATFORM, architecture: FACTORY_ARCH[arch] },
        { parent: this },
      );
      diskImages[arch] = urls.urls.diskImage;
    }
    this.diskImages = diskImages;
    this.registerOutputs({ schematicId: this.schematicId, installerImage: this.installerImage, diskImages });
  }
}
