/**
 * The pools' server types against Hetzner's catalogue: the pure check (exists, sold in the pool's
 * location, available there, not deprecated, with the catalogue's own dates; the architecture is the
 * catalogue's), the snapshot it runs on offline, and the provider invoke it asks at a real preview
 * (under the mock engine, which answers from the same snapshot and fails unknown names as the provider does).
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PROJECT } from "../components/core/define";
import {
  API_SOURCE,
  checkAgainstSnapshot,
  checkedServerTypes,
  checkServerTypes,
  factsOf,
  fromSnapshot,
  SERVER_TYPE_SNAPSHOT,
  serverTypeNames,
  SNAPSHOT_SOURCE,
  type ServerTypeFacts,
} from "../components/hetzner";
import { askHetzner } from "../components/hetzner/server-type-lookup";
import { settle, startEngine, type EngineRecord } from "../tools/mock-engine";
import { specOf } from "./helpers";

const pool = (serverType: string, location = "fsn1") => ({ name: "workers", count: 1, serverType, location });
const settingsWith = (workers: ReturnType<typeof pool>, extra: Record<string, unknown> = {}) =>
  specOf("prod", { workerPools: [workers], ...extra }).settings;

/** The snapshot's messages name it; a real preview's name the API. */
const FROM = SNAPSHOT_SOURCE.description;
const ALLOWED = (location: string) =>
  `Allowed: a current server type sold in ${location}, e.g. cpx22, cpx32 or cpx42 (x86) or cax21 (arm64) in fsn1, nbg1 and hel1. Fix: pick one from \`hcloud server-type describe <type>\` that lists ${location} without a deprecation; changing the type of running servers powers each one off to resize it.`;

describe("the check on the snapshot (offline)", () => {
  it("passes the shipped stacks, with each type's architecture", () => {
    expect(checkAgainstSnapshot(specOf("prod").settings)).toEqual({
      problems: [],
      architectures: { cpx32: "x86", cpx42: "x86" },
    });
    expect(checkAgainstSnapshot(specOf("ci").settings).architectures).toEqual({ cpx22: "x86", cpx32: "x86" });
  });

  it("takes the architecture from the catalogue: cax21 is arm", () => {
    expect(checkAgainstSnapshot(settingsWith(pool("cax21"))).architectures).toEqual({
      cpx32: "x86",
      cax21: "arm",
    });
  });

  it.each([
    ["a type that does not exist", pool("cpx99"), `${FROM} has no server type "cpx99"`],
    [
      "CPX Gen 1, deprecated in the pool's location, with the API's dates",
      pool("cpx41"),
      `${FROM} marks cpx41 deprecated in fsn1 (announced 2025-10-16T06:00:00Z; unavailable after 2025-12-31T23:59:59Z): a replaced or added server could not be created`,
    ],
    [
      "CX Gen 2, deprecated",
      pool("cx22", "nbg1"),
      `${FROM} marks cx22 deprecated in nbg1 (announced 2025-10-16T06:00:00Z; unavailable after 2025-12-31T23:59:59Z): a replaced or added server could not be created`,
    ],
  ])("refuses %s, naming the field", (_what, workers, why) => {
    expect(checkAgainstSnapshot(settingsWith(workers)).problems).toEqual([
      {
        key: "hcloud-talos-cilium:workerPools",
        message: `hcloud-talos-cilium:workerPools[0].serverType = ${JSON.stringify(workers.serverType)}: ${why}. ${ALLOWED(workers.location)}`,
      },
    ]);
  });

  it("refuses Arm servers in a location the snapshot does not sell them in", () => {
    const settings = specOf("prod", {
      networkZone: "us-east",
      controlPlane: { name: "cp", count: 3, serverType: "cax21", location: "ash" },
      workerPools: [pool("cax21", "ash")],
    }).settings;
    expect(checkAgainstSnapshot(settings).problems.map((p) => p.message)).toEqual(
      ["controlPlane", "workerPools[0]"].map(
        (at) =>
          `hcloud-talos-cilium:${at}.serverType = "cax21": ${FROM} sells cax21 in fsn1, nbg1, hel1, not in ash. ${ALLOWED("ash")}`,
      ),
    );
  });

  it("asks once per distinct type, control plane first", () => {
    expect(serverTypeNames(settingsWith(pool("cpx32")))).toEqual(["cpx32"]);
    expect(serverTypeNames(settingsWith(pool("cax21")))).toEqual(["cpx32", "cax21"]);
  });
});

describe("the check on the API's answers", () => {
  const answer = (
    over: Partial<ServerTypeFacts>,
    location: Partial<ServerTypeFacts["locations"][number]> = {},
  ) =>
    new Map([
      ["cpx32", SERVER_TYPE_SNAPSHOT.get("cpx32")],
      [
        "cpx42",
        {
          ...(SERVER_TYPE_SNAPSHOT.get("cpx42") as ServerTypeFacts),
          ...over,
          locations: [
            { ...(SERVER_TYPE_SNAPSHOT.get("cpx42") as ServerTypeFacts).locations[0], ...location },
          ] as ServerTypeFacts["locations"],
        },
      ],
    ]);
  const check = (facts: ReturnType<typeof answer>, extra: Record<string, unknown> = {}) =>
    checkServerTypes(settingsWith(pool("cpx42"), extra), facts, API_SOURCE).problems.map((p) => p.message);

  it.each([
    [
      "temporarily unavailable in the location",
      answer({}, { available: false }),
      "the Hetzner API (getServerType) reports cpx42 temporarily unavailable in fsn1",
    ],
    [
      "deprecated type-wide (the legacy field)",
      answer({
        isDeprecated: true,
        deprecationAnnounced: "2026-09-01T00:00:00Z",
        unavailableAfter: "2026-12-31T23:59:59Z",
      }),
      "the Hetzner API (getServerType) marks cpx42 deprecated in all locations (announced 2026-09-01T00:00:00Z; unavailable after 2026-12-31T23:59:59Z)",
    ],
    [
      "an architecture without a Talos image",
      answer({ architecture: "riscv" }),
      'the Hetzner API (getServerType) gives cpx42 the architecture "riscv", for which there is no Talos hcloud image',
    ],
  ])("refuses a type %s", (_what, facts, why) => {
    expect(check(facts)).toEqual([
      `hcloud-talos-cilium:workerPools[0].serverType = "cpx42": ${why}. ${ALLOWED("fsn1")}`,
    ]);
  });

  it("refuses one talosImageId for pools the API gives two architectures", () => {
    expect(check(answer({ architecture: "arm" }), { talosImageId: 123 })).toEqual([
      "hcloud-talos-cilium:talosImageId = 123: one image serves one architecture, and the pools' server types are x86 and arm64. Allowed: 0 (select the snapshot per architecture by labels), or an ID when every pool has one architecture. Fix: set talosImageId: 0 and label one snapshot per architecture, or use one architecture.",
    ]);
    expect(check(answer({ architecture: "arm" }))).toEqual([]);
  });

  it("reads the provider's result: the per-location deprecation and availability", () => {
    const result = {
      architecture: "x86",
      category: "regular_purpose",
      cores: 2,
      cpuType: "shared",
      deprecationAnnounced: "",
      description: "CPX 22",
      disk: 80,
      id: 109,
      includedTraffic: 0,
      isDeprecated: false,
      locations: [
        {
          available: true,
          deprecationAnnounced: "2025-10-16T06:00:00Z",
          id: 1,
          isDeprecated: true,
          name: "fsn1",
          recommended: false,
          unavailableAfter: "2025-12-31T23:59:59Z",
        },
      ],
      memory: 4,
      name: "cpx22",
      storageType: "local",
      unavailableAfter: "",
    };
    expect(factsOf(result)).toEqual({
      name: "cpx22",
      architecture: "x86",
      isDeprecated: false,
      deprecationAnnounced: "",
      unavailableAfter: "",
      locations: [
        {
          name: "fsn1",
          available: true,
          isDeprecated: true,
          deprecationAnnounced: "2025-10-16T06:00:00Z",
          unavailableAfter: "2025-12-31T23:59:59Z",
        },
      ],
    });
  });
});

describe("asking through the provider (mock engine)", () => {
  let record: EngineRecord;
  beforeEach(async () => {
    record = await startEngine({ project: PROJECT, stack: "prod" });
  });
  afterEach(settle);

  it("invokes getServerType once per name; a name Hetzner lacks is no answer, not an error", async () => {
    const facts = await askHetzner(["cpx32", "cpx99"]);
    expect(
      record.invokes
        .filter((i) => i.token === "hcloud:index/getServerType:getServerType")
        .map((i) => i.inputs),
    ).toEqual([{ name: "cpx32" }, { name: "cpx99" }]);
    expect([...facts.entries()]).toEqual([...fromSnapshot(["cpx32", "cpx99"]).entries()]);
    expect(facts.get("cpx99")).toBeUndefined();
  });

  it("resolves the architectures, or rejects before anything is declared, naming every refused type", async () => {
    expect(await checkedServerTypes(specOf("prod").settings)).toEqual({ cpx32: "x86", cpx42: "x86" });
    const refused = checkedServerTypes(settingsWith(pool("cpx99")));
    await expect(refused).rejects.toSatisfy((e: unknown) => pulumi.RunError.isInstance(e));
    await expect(refused).rejects.toThrow(
      `The pools' server types are not available; nothing was created or changed:\n  - hcloud-talos-cilium:workerPools[0].serverType = "cpx99": the Hetzner API (getServerType) has no server type "cpx99".`,
    );
    expect(record.resources).toEqual([]);
  });
});
