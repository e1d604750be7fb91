/**
 * The pools' server types against Hetzner's catalogue (pure): a type must exist, be sold in the pool's
 * location, not be temporarily unavailable there, and not be deprecated (type-wide or in that location);
 * every refusal quotes the catalogue's own dates. The image architecture of each type is the catalogue's
 * answer (`x86` or `arm`), not a guess from its name. Where the catalogue comes from (the Hetzner API at
 * a real preview, the dated snapshot offline) is the caller's; it is named in every message.
 * The semantics follow hcloud-go's deprecationutil.ServerTypeMessage (hcloud/exp/deprecationutil) and
 * the provider's per-location check (terraform-provider-hcloud v1.53.0 release notes).
 */
import { describe, fieldProblem, type FieldFinding, type Problem } from "../core/define";
import type { Pool } from "../config/pools";
import type { Settings } from "../config/spec";
import type { ServerTypeFacts, ServerTypeLocationFacts } from "./server-type-catalogue";
import type { Arch } from "./labels";

/** Where the facts came from, as messages name it. */
export interface CatalogueSource {
  /** `api` at a real preview, `snapshot` offline. */
  readonly kind: "api" | "snapshot";
  /** For a message: "the Hetzner API (getServerType)", "the offline snapshot of 2026-08-21 …". */
  readonly description: string;
}

/** The facts per server type name; undefined for a type the catalogue does not have. */
export type ServerTypeFactsByName = ReadonlyMap<string, ServerTypeFacts | undefined>;

/** The outcome: every problem, and the architecture of each type that passed. */
export interface ServerTypeCheck {
  readonly problems: readonly Problem[];
  readonly architectures: Readonly<Record<string, Arch>>;
}

/** A pool with the config key it belongs to and its path below that key. */
interface PoolAt {
  readonly key: "controlPlane" | "workerPools";
  readonly path: string;
  readonly pool: Pool;
}

/** Every pool, control plane first, each with where it sits in the config. */
export function poolsOf(settings: Pick<Settings, "controlPlane" | "workerPools">): PoolAt[] {
  return [
    { key: "controlPlane", path: "", pool: settings.controlPlane },
    ...settings.workerPools.map((pool, i) => ({ key: "workerPools" as const, path: `[${i}]`, pool })),
  ];
}

/** The distinct server types of the pools, in pool order. */
export function serverTypeNames(settings: Pick<Settings, "controlPlane" | "workerPools">): string[] {
  return [...new Set(poolsOf(settings).map((p) => p.pool.serverType))];
}

const ARCHES: Readonly<Record<string, Arch>> = { x86: "x86", arm: "arm" };

const dates = (announced: string, until: string): string =>
  `announced ${announced || "(no date)"}; unavailable after ${until || "(no date)"}`;

/** Why a type cannot serve a pool in its location, or undefined when it can. */
function refusal(facts: ServerTypeFacts | undefined, pool: Pool, from: string): string | undefined {
  const { serverType: type, location } = pool;
  if (!facts) return `${from} has no server type "${type}"`;
  if (facts.isDeprecated)
    return `${from} marks ${type} deprecated in all locations (${dates(facts.deprecationAnnounced, facts.unavailableAfter)})`;
  const here: ServerTypeLocationFacts | undefined = facts.locations.find((l) => l.name === location);
  if (!here) {
    const where = facts.locations.map((l) => l.name).join(", ") || "no location";
    return `${from} sells ${type} in ${where}, not in ${location}`;
  }
  if (here.isDeprecated)
    return `${from} marks ${type} deprecated in ${location} (${dates(here.deprecationAnnounced, here.unavailableAfter)}): a replaced or added server could not be created`;
  if (!here.available) return `${from} reports ${type} temporarily unavailable in ${location}`;
  if (!ARCHES[facts.architecture])
    return `${from} gives ${type} the architecture "${facts.architecture}", for which there is no Talos hcloud image`;
  return undefined;
}

function typeFinding(at: PoolAt, why: string): Problem {
  const f: FieldFinding = {
    path: `${at.path}.serverType`,
    value: at.pool.serverType,
    why,
    allowed: `a current server type sold in ${at.pool.location}, e.g. cpx22, cpx32 or cpx42 (x86) or cax21 (arm64) in fsn1, nbg1 and hel1`,
    fix: `pick one from \`hcloud server-type describe <type>\` that lists ${at.pool.location} without a deprecation; changing the type of running servers powers each one off to resize it`,
  };
  return fieldProblem(at.key, f);
}

/** One image per architecture: an explicit `talosImageId` cannot serve pools of two architectures. */
function imageProblem(settings: Pick<Settings, "talosImageId">, arches: readonly Arch[]): Problem[] {
  if (settings.talosImageId === 0 || new Set(arches).size < 2) return [];
  return [
    describe("talosImageId", settings.talosImageId, {
      why: "one image serves one architecture, and the pools' server types are x86 and arm64",
      allowed:
        "0 (select the snapshot per architecture by labels), or an ID when every pool has one architecture",
      fix: "set talosImageId: 0 and label one snapshot per architecture, or use one architecture",
    }),
  ];
}

/** Checks every pool's server type against the catalogue; every problem at once. */
export function checkServerTypes(
  settings: Pick<Settings, "controlPlane" | "workerPools" | "talosImageId">,
  facts: ServerTypeFactsByName,
  source: CatalogueSource,
): ServerTypeCheck {
  const problems: Problem[] = [];
  const architectures: Record<string, Arch> = {};
  for (const at of poolsOf(settings)) {
    const found = facts.get(at.pool.serverType);
    const why = refusal(found, at.pool, source.description);
    if (why) problems.push(typeFinding(at, why));
    else architectures[at.pool.serverType] = ARCHES[(found as ServerTypeFacts).architecture] as Arch;
  }
  problems.push(...imageProblem(settings, Object.values(architectures)));
  return { problems, architectures };
}
