// TalosImage under the mock engine: the Image Factory schematic of the stack's extensions, the installer
// image the machine config and upgrades use, and one hcloud disk image URL per architecture.
import * as pulumi from "@pulumi/pulumi";
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { startEngine, settle, type EngineRecord } from "../tools/mock-engine";
import { PROJECT } from "../components/core/define";
import { TalosImage } from "../components/talos";
import { specOf, valueOf } from "./helpers";

const SCHEMATIC = "talos:imageFactory/schematic:Schematic";
const GET_URLS = "talos:imageFactory/getUrls:getUrls";
/** The mock engine's ID of the `image-schematic` resource (`<name>-id`). */
const ID = "image-schematic-id";
/** The architectures Hetzner reports for the stacks' server types (hetzner/server-type-catalogue.ts). */
const TYPES = { cpx22: "x86", cpx32: "x86", cax21: "arm" } as const;

describe("TalosImage", () => {
  let record: EngineRecord;
  beforeEach(async () => {
    record = await startEngine({ project: PROJECT, stack: "ci" });
  });
  afterEach(settle);

  it("registers the schematic of the stack's extensions and names the hcloud installer after it", async () => {
    const image = new TalosImage("image", { spec: specOf("ci"), serverTypes: TYPES });
    await settle();
    const schematics = record.resources.filter((r) => r.type === SCHEMATIC);
    expect(schematics.map((r) => [r.name, r.inputs, r.version, r.pluginDownloadURL])).toEqual([
      [
        "image-schematic",
        {
          schematic:
            "customization:\n  systemExtensions:\n    officialExtensions:\n      - siderolabs/qemu-guest-agent\n",
        },
        "0.8.1",
        "github://api.github.com/pulumiverse",
      ],
    ]);
    const component = record.resources.find((r) => r.type === "hcloud-talos-cilium:talos:TalosImage");
    expect(schematics[0]?.parent).toBe(component?.urn);
    expect(await valueOf(image.schematicId)).toBe(ID);
    expect(await valueOf(image.installerImage)).toBe(`factory.talos.dev/hcloud-installer/${ID}:v1.13.9`);
  });

  it("asks the factory for the hcloud disk image of each architecture the pools use", async () => {
    const arm = { name: "workers", count: 1, serverType: "cax21", location: "fsn1" };
    const image = new TalosImage("image", { spec: specOf("ci", { workerPools: [arm] }), serverTypes: TYPES });
    await settle();
    const invokes = record.invokes.filter((i) => i.token === GET_URLS);
    expect(invokes.map((i) => [i.inputs, i.version, i.pluginDownloadURL])).toEqual(
      ["amd64", "arm64"].map((architecture) => [
        { schematicId: ID, talosVersion: "v1.13.9", platform: "hcloud", architecture },
        "0.8.1",
        "github://api.github.com/pulumiverse",
      ]),
    );
    expect(Object.keys(image.diskImages)).toEqual(["x86", "arm"]);
    expect(await valueOf(image.diskImages.x86 as pulumi.Output<string>)).toBe(
      `https://factory.talos.dev/image/${ID}/v1.13.9/hcloud-amd64.raw.xz`,
    );
    expect(await valueOf(image.diskImages.arm as pulumi.Output<string>)).toBe(
      `https://factory.talos.dev/image/${ID}/v1.13.9/hcloud-arm64.raw.xz`,
    );
  });

  it("uses the default (empty) schematic without extensions", async () => {
    new TalosImage("image", { spec: specOf("ci", { talosExtensions: [] }), serverTypes: TYPES });
    await settle();
    const schematic = record.resources.find((r) => r.type === SCHEMATIC);
    expect(schematic?.inputs).toEqual({ schematic: "customization: {}\n" });
  });
});
