/**
 * The Talos image of the servers: an explicit snapshot ID, or the newest snapshot labelled with the
 * Talos version and Image Factory schematic, one per architecture the pools need (platform.md).
 */
import * as pulumi from "@pulumi/pulumi";
import * as hcloud from "@pulumi/hcloud";
import type { ClusterSpec } from "../config/spec";
import { talosImageSelector, type Arch } from "./labels";

/** The image ID per architecture; only the architectures the pools use are present. */
export type TalosImages = Readonly<Partial<Record<Arch, pulumi.Output<string>>>>;

/** The architecture of each server type, as the Hetzner API reports it (`checkedServerTypes`). */
export type ServerTypeArchitectures = Readonly<Record<string, Arch>>;

/** The architecture of a server type; throws on a type the check did not pass (a wiring mistake). */
export function archOf(types: ServerTypeArchitectures, serverType: string): Arch {
  const arch = types[serverType];
  if (!arch) throw new Error(`no architecture for server type "${serverType}": it was not checked`);
  return arch;
}

/** The architectures the cluster's pools need, control plane first, each once. */
export function architectures(spec: Pick<ClusterSpec, "settings">, types: ServerTypeArchitectures): Arch[] {
  const pools = [spec.settings.controlPlane, ...spec.settings.workerPools];
  return [...new Set(pools.map((p) => archOf(types, p.serverType)))];
}

/** The found image's ID as the server's `image` input; the provider fails the lookup when none matches. */
function imageIdOf(id: number | undefined, arch: Arch): string {
  if (id === undefined) throw new Error(`getImage returned no ${arch} Talos image ID`);
  return String(id);
}

/**
 * Selects the Talos image per architecture. `talosImageId > 0` is used as is (no lookup; it is one
 * image, so one architecture). Otherwise one `getImage` per architecture, by labels, newest first.
 */
export function talosImages(
  spec: Pick<ClusterSpec, "settings">,
  types: ServerTypeArchitectures,
  schematicId: pulumi.Input<string>,
  opts?: pulumi.InvokeOutputOptions,
): TalosImages {
  const { talosImageId, talosVersion } = spec.settings;
  const arches = architectures(spec, types);
  if (talosImageId > 0) {
    return Object.fromEntries(arches.map((arch) => [arch, pulumi.output(String(talosImageId))]));
  }
  const withSelector = pulumi.output(schematicId).apply((id) => talosImageSelector(talosVersion, id));
  return Object.fromEntries(
    arches.map((arch) => {
      const image = hcloud.getImageOutput(
        // Only finished uploads: a snapshot still `creating` would be the most recent one.
        { withSelector, mostRecent: true, withArchitecture: arch, withStatuses: ["available"] },
        opts,
      );
      return [arch, image.apply((found) => imageIdOf(found.id, arch))];
    }),
  );
}
