/**
 * Mock outputs of the hcloud provider's resources and invokes: the values Hetzner computes that the
 * components read. Addresses come from documentation ranges (RFC 5737, RFC 3849) and are derived from
 * the resource's numeric ID, so every run gives the same values.
 */
import { hostAt, parseCidr4, type Cidr4 } from "../../components/core/cidr";
import { SERVER_TYPE_SNAPSHOT } from "../../components/hetzner/server-type-catalogue";
import type { Outputs, State } from "./types";

/** A server's or load balancer's public IPv4 for a numeric ID (in 198.51.100.0/24 or 203.0.113.0/24). */
export function mockIpv4(id: string, range: "198.51.100" | "203.0.113" = "198.51.100"): string {
  return `${range}.${(Number(id) % 254) + 1}`;
}

/** The /64 Hetzner routes to a server, in 2001:db8::/32, for a numeric ID. */
export function mockIpv6Network(id: string): string {
  const n = Number(id);
  const hex = (x: number): string => (x % 0x10000).toString(16);
  return `2001:db8:${hex(Math.floor(n / 0x10000))}:${hex(n)}::/64`;
}

/** The address Hetzner reports for a /64: its `::1`. */
export function mockIpv6(id: string): string {
  return mockIpv6Network(id).replace("::/64", "::1");
}

/** The newest Talos snapshot per architecture, as `getImage` finds it. */
export const MOCK_TALOS_IMAGE_IDS: Readonly<Record<string, number>> = { x86: 310_000_001, arm: 310_000_002 };

const firstPublicNet = (inputs: State): State =>
  ((inputs.publicNets as State[] | undefined)?.[0] ?? {}) as State;

/**
 * `getServerType` as the hcloud provider answers it, from the dated snapshot of Hetzner's catalogue;
 * for a name Hetzner does not have, it fails the way the provider does (a "not found" diagnostic,
 * terraform-provider-hcloud internal/util/hcloudutil NotFoundDiagnostic).
 */
function serverType(inputs: State): State {
  const name = String(inputs.name ?? "");
  const facts = SERVER_TYPE_SNAPSHOT.get(name);
  if (!facts) {
    // The SDK rethrows a failed invoke as `new Error(err.details)` (runtime/invoke.js), as a gRPC status carries it.
    const details = `Resource not found: Resource (server type) was not found: name="${name}"`;
    throw Object.assign(new Error(details), { details });
  }
  return { ...facts, locations: facts.locations.map((l) => ({ ...l })) };
}

/** hcloud type token → computed outputs. */
export const HCLOUD_OUTPUTS: Readonly<Record<string, Outputs>> = {
  // Hetzner assigns the public addresses; a disabled family reads as "" (as the provider reports it);
  // a server given a Primary IPv4 (`publicNets[0].ipv4`) has that address.
  "hcloud:index/server:Server": (_name, inputs, id) => {
    const net = firstPublicNet(inputs);
    const primary = typeof net.ipv4 === "number" ? mockIpv4(String(net.ipv4)) : undefined;
    return {
      ipv4Address: net.ipv4Enabled === false ? "" : (primary ?? mockIpv4(id)),
      ipv6Address: net.ipv6Enabled === false ? "" : mockIpv6(id),
      ipv6Network: net.ipv6Enabled === false ? "" : mockIpv6Network(id),
      status: "running",
    };
  },
  "hcloud:index/loadBalancer:LoadBalancer": (_name, _inputs, id) => ({
    ipv4: mockIpv4(id, "203.0.113"),
    ipv6: mockIpv6(id),
  }),
  // The gateway is the subnet's first address (platform.md).
  "hcloud:index/networkSubnet:NetworkSubnet": (_name, inputs) => {
    const range = parseCidr4(String(inputs.ipRange));
    return range ? { gateway: hostAt(range as Cidr4, 1) } : {};
  },
  "hcloud:index/placementGroup:PlacementGroup": () => ({ servers: [] }),
  "hcloud:index/primaryIp:PrimaryIp": (_name, _inputs, id) => ({ ipAddress: mockIpv4(id) }),
  "hcloud:index/getServerType:getServerType": (_name, inputs) => serverType(inputs),
  "hcloud:index/getImage:getImage": (_name, inputs) => {
    const arch = String(inputs.withArchitecture ?? "x86");
    const selector = typeof inputs.withSelector === "string" ? inputs.withSelector : "";
    // The snapshot carries the labels it was selected by.
    const labels = selector ? Object.fromEntries(selector.split(",").map((kv) => kv.split("="))) : {};
    return { id: MOCK_TALOS_IMAGE_IDS[arch] ?? 0, architecture: arch, type: "snapshot", labels };
  },
};
