/**
 * The footprint of a deployment (pure): for every server, the inputs whose change disrupts it (type,
 * location, private address, placement group), and the cluster-wide inputs every server hangs on (the
 * network, the subnet, the public interfaces). The program exports it (`clusterFootprint`), and the next
 * preview compares the footprint it is about to declare with the one the last deployment declared
 * (components/upgrades/deployed.ts). Each field is the value `TalosNodes` and `PrivateNetwork` pass to
 * the provider, from the same functions (planNodes, placementGroupOf), so the two cannot drift; a test
 * holds the footprint to the program's registrations.
 */
import { inputFact, T, worse, type InputFact } from "./change-facts";
import { QUORUM_KEYS, type QuorumSettings } from "./quorum";
import { planNodes, type ClusterSpec } from "./spec";
import { placementGroupOf } from "./placement";

/** Bumped when a field changes meaning; a footprint of another version is not compared. */
export const FOOTPRINT_VERSION = 1;

/** What decides one server's fate. */
export interface NodeFootprint {
  readonly role: "controlplane" | "worker";
  readonly pool: string;
  readonly serverType: string;
  readonly location: string;
  readonly privateIp: string;
  readonly placementGroup: string;
}

/** What decides the fate of every server of a deployment. */
export interface Footprint {
  readonly version: number;
  /** The settings that decide the servers (the quorum rule names them in its refusals). */
  readonly settings: QuorumSettings;
  /** Server name → its footprint, control planes first. */
  readonly nodes: Readonly<Record<string, NodeFootprint>>;
}

/** The footprint of a resolved stack. */
export function footprintOf(spec: Pick<ClusterSpec, "stack" | "settings">): Footprint {
  const { settings } = spec;
  const nodes = Object.fromEntries(
    planNodes(spec).map((n) => [
      n.name,
      {
        role: n.role,
        pool: n.pool.name,
        serverType: n.pool.serverType,
        location: n.pool.location,
        privateIp: n.privateIp,
        placementGroup: placementGroupOf(n).key,
      },
    ]),
  );
  const decisive = Object.fromEntries(QUORUM_KEYS.map((k) => [k, settings[k]])) as QuorumSettings;
  return { version: FOOTPRINT_VERSION, settings: decisive, nodes };
}

const { server: SERVER, network: NETWORK, subnet: SUBNET } = T;

/** Which provider input each footprint field is (its fact is change-facts.ts's). */
const NODE_FIELDS: Readonly<Record<Exclude<keyof NodeFootprint, "role" | "pool">, string>> = {
  serverType: "serverType",
  location: "location",
  privateIp: "networks",
  placementGroup: "placementGroupId",
};

/** One reason a node changes: the field, its old and new value, and the provider's fact. */
export interface NodeCause {
  /** What changed, e.g. `serverType` or `network (networkCidr)`. */
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
  readonly fact: InputFact;
}

/** What a change does to one server. */
export interface NodeImpact {
  readonly node: string;
  readonly role: NodeFootprint["role"];
  readonly pool: string;
  readonly effect: InputFact["effect"];
  readonly causes: readonly NodeCause[];
}

/** The cluster-wide causes every surviving server shares (a new network, subnet or public interface). */
function sharedCauses(before: QuorumSettings, after: QuorumSettings): NodeCause[] {
  const out: NodeCause[] = [];
  // A new network or subnet (both ForceNew) re-attaches every server: its `networks` input changes.
  const via = (field: string, type: string, input: string, from: unknown, to: unknown): NodeCause => {
    const replaced = inputFact(type, input);
    const networks = inputFact(SERVER, "networks");
    return { field, from, to, fact: { ...networks, what: `${replaced.what}: ${networks.what}` } };
  };
  if (before.networkCidr !== after.networkCidr)
    out.push(via("networkCidr", NETWORK, "ipRange", before.networkCidr, after.networkCidr));
  if (before.nodeSubnetCidr !== after.nodeSubnetCidr)
    out.push(via("nodeSubnetCidr", SUBNET, "ipRange", before.nodeSubnetCidr, after.nodeSubnetCidr));
  if (before.networkZone !== after.networkZone)
    out.push(via("networkZone", SUBNET, "networkZone", before.networkZone, after.networkZone));
  for (const field of ["publicIPv4", "publicIPv6"] as const) {
    if (before[field] !== after[field])
      out.push({ field, from: before[field], to: after[field], fact: inputFact(SERVER, "publicNets") });
  }
  return out;
}

const worst = (causes: readonly NodeCause[]): InputFact["effect"] =>
  causes.reduce<InputFact["effect"]>((acc, c) => worse(acc, c.fact.effect), "in-place");

/**
 * What going from one footprint to the next does to every server: created, deleted, or changed by
 * which fields (none for a server nothing changes). Servers in plan order of `before`, then new ones.
 */
export function footprintImpacts(before: Footprint, after: Footprint): NodeImpact[] {
  const shared = sharedCauses(before.settings, after.settings);
  const out: NodeImpact[] = [];
  for (const [node, was] of Object.entries(before.nodes)) {
    const now = after.nodes[node];
    const base = { node, role: was.role, pool: was.pool };
    if (!now) {
      out.push({ ...base, effect: "delete", causes: [] });
      continue;
    }
    const own = (Object.keys(NODE_FIELDS) as (keyof typeof NODE_FIELDS)[])
      .filter((f) => was[f] !== now[f])
      .map((f) => ({ field: f, from: was[f], to: now[f], fact: inputFact(SERVER, NODE_FIELDS[f]) }));
    const causes = [...own, ...shared];
    if (causes.length > 0) out.push({ ...base, effect: worst(causes), causes });
  }
  for (const [node, now] of Object.entries(after.nodes)) {
    if (!before.nodes[node]) out.push({ node, role: now.role, pool: now.pool, effect: "create", causes: [] });
  }
  return out;
}

/** Whether a value read back from a stack output is a footprint this program can compare. */
export function isFootprint(value: unknown): value is Footprint {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { version?: unknown }).version === FOOTPRINT_VERSION &&
    typeof (value as { nodes?: unknown }).nodes === "object" &&
    typeof (value as { settings?: unknown }).settings === "object"
  );
}
