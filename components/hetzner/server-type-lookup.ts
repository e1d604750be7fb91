/**
 * Asking Hetzner about the pools' server types: the I/O edge of `server-types.ts`. At a real preview or
 * `pulumi up` it calls the hcloud provider's `getServerType` once per distinct type; offline the mock
 * engine answers that invoke from the dated snapshot (`tools/mocks/hcloud.ts`), so the same code runs.
 *
 * When: the program awaits this before it declares any resource. Pulumi creates a resource as soon as
 * it is registered with its inputs resolved, so a refusal that came later (an invoke failing inside an
 * apply, or a server's own create failing at Hetzner) would leave the network, the firewall and every
 * server before it created. Awaited first, a refused type creates nothing.
 */
import * as pulumi from "@pulumi/pulumi";
import * as hcloud from "@pulumi/hcloud";
import { formatProblems } from "../config/read";
import type { Settings } from "../config/spec";
import { CATALOGUE_SNAPSHOT, SERVER_TYPE_SNAPSHOT, type ServerTypeFacts } from "./server-type-catalogue";
import {
  checkServerTypes,
  serverTypeNames,
  type CatalogueSource,
  type ServerTypeCheck,
  type ServerTypeFactsByName,
} from "./server-types";
import type { Arch } from "./labels";

/** The Hetzner API, through the provider. */
export const API_SOURCE: CatalogueSource = { kind: "api", description: "the Hetzner API (getServerType)" };

/**
 * How the program's log line about the server types opens. The offline plan, whose engine answers
 * `getServerType` from the snapshot, rewrites the line to say so (tools/plan.ts).
 */
export const SERVER_TYPES_ASKED = "Server types asked through the hcloud provider's getServerType";

/** The snapshot kept in code. */
export const SNAPSHOT_SOURCE: CatalogueSource = {
  kind: "snapshot",
  description: `the offline snapshot of Hetzner's server types of ${CATALOGUE_SNAPSHOT.date} (a real preview asks the Hetzner API)`,
};

/** The provider fails the invoke for a name Hetzner does not have: "Resource (server type) was not found". */
const NOT_FOUND = /was not found/;

/** What the check reads of the provider's answer. */
export function factsOf(r: hcloud.GetServerTypeResult): ServerTypeFacts {
  return {
    name: r.name ?? "",
    architecture: r.architecture,
    isDeprecated: r.isDeprecated,
    deprecationAnnounced: r.deprecationAnnounced ?? "",
    unavailableAfter: r.unavailableAfter ?? "",
    locations: (r.locations ?? []).map((l) => ({
      name: l.name,
      available: l.available,
      isDeprecated: l.isDeprecated,
      deprecationAnnounced: l.deprecationAnnounced ?? "",
      unavailableAfter: l.unavailableAfter ?? "",
    })),
  };
}

async function askOne(name: string): Promise<ServerTypeFacts | undefined> {
  try {
    return factsOf(await hcloud.getServerType({ name }));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (NOT_FOUND.test(message)) return undefined;
    throw new pulumi.RunError(
      `Could not ask the Hetzner API about server type "${name}"; nothing was created or changed: ${message}`,
    );
  }
}

/** Asks the Hetzner API about every distinct server type of the pools, in parallel. */
export async function askHetzner(names: readonly string[]): Promise<ServerTypeFactsByName> {
  const answers = await Promise.all(names.map(async (n) => [n, await askOne(n)] as const));
  return new Map(answers);
}

/** The snapshot's facts for the given names. */
export function fromSnapshot(names: readonly string[]): ServerTypeFactsByName {
  return new Map(names.map((n) => [n, SERVER_TYPE_SNAPSHOT.get(n)]));
}

/** Checks the pools against the snapshot (the offline plan): the same check as at a real preview. */
export function checkAgainstSnapshot(
  settings: Pick<Settings, "controlPlane" | "workerPools" | "talosImageId">,
): ServerTypeCheck {
  return checkServerTypes(settings, fromSnapshot(serverTypeNames(settings)), SNAPSHOT_SOURCE);
}

/**
 * The architecture of each pool's server type, from the Hetzner API; rejects with a RunError naming
 * every refused type before the program declares anything.
 */
export async function checkedServerTypes(
  settings: Pick<Settings, "controlPlane" | "workerPools" | "talosImageId">,
): Promise<Readonly<Record<string, Arch>>> {
  const names = serverTypeNames(settings);
  const result = checkServerTypes(settings, await askHetzner(names), API_SOURCE);
  if (result.problems.length > 0) {
    throw new pulumi.RunError(
      `The pools' server types are not available; nothing was created or changed:\n${formatProblems(result.problems)}`,
    );
  }
  const checked = names.map((n) => `${n} (${result.architectures[n] ?? "?"})`).join(", ");
  void pulumi.log.info(`${SERVER_TYPES_ASKED}: ${checked}.`);
  return result.architectures;
}
