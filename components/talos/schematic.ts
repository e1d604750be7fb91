/**
 * The Image Factory side of the Talos image (pure): the schematic document and the names the factory
 * serves (platform.md, "Getting Talos onto a server").
 */
import { stringify } from "yaml";
import type { Arch } from "../hetzner/labels";

/** The factory's installer repository of the hcloud platform; the full image is `<repo>/<schematic>:<version>`. */
export const INSTALLER_REPOSITORY = "factory.talos.dev/hcloud-installer";

/** The Talos platform of the disk image: a snapshot of the hcloud image (the ISO boots as `metal`). */
export const PLATFORM = "hcloud";

/** Image Factory architecture names of the Hetzner image architectures. */
export const FACTORY_ARCH: Readonly<Record<Arch, "amd64" | "arm64">> = { x86: "amd64", arm: "arm64" };

/** The schematic YAML: the official system extensions, or an empty customization (the default schematic). */
export function schematicYaml(extensions: readonly string[]): string {
  const customization =
    extensions.length > 0 ? { systemExtensions: { officialExtensions: [...extensions] } } : {};
  return stringify({ customization }, { lineWidth: 0 });
}
