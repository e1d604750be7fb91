/**
 * A dated snapshot of Hetzner's server types, in the shape the hcloud provider's `getServerType` answers
 * (architecture, legacy deprecation, and per location: available, deprecation dates). The offline plan
 * and the tests check the pools against it; a real preview asks the Hetzner API instead
 * (`server-type-lookup.ts`). Only what the sources below say is recorded: a type or a location missing
 * here is refused offline, and the message says that a real preview asks the API.
 *
 * Sources (read 2026-12-01; the newest is dated 2026-08-21):
 * - CPX Gen 1 deprecation, with the API's own dates: hetznercloud/terraform-provider-hcloud commit
 *   d79720fc (2025-10-17), internal/servertype/data_source_test.go, an acceptance test against the live
 *   API: cpx11 in fsn1 `is_deprecated: true`, `deprecation_announced: 2025-10-16T06:00:00Z`,
 *   `unavailable_after: 2025-12-31T23:59:59Z`, top-level `is_deprecated: false` (per-location deprecation).
 * - CX Gen 2 and CPX Gen 1 deprecated, removed from ordering at the end of 2025: Hetzner's changelog
 *   (docs.hetzner.cloud/changelog#2025-10-16-server-types-deprecated), as quoted by
 *   hetznercloud/packer-plugin-hcloud#317 and terraform-provider-hcloud c9cdbb9c; the provider's warning
 *   `Server Type "cx42" is deprecated in all locations and will no longer be available for order as of
 *   2025-12-31` (hcloud-talos/terraform-hcloud-talos#316).
 * - CPX Gen 2: cpx22 is API id 109, x86, sold in 4 locations of which the first is fsn1, not deprecated
 *   (terraform-provider-hcloud internal/servertype/data_source_test.go at 158e11d4, 2026-07-16); cpx12 and
 *   cpx22 are the provider's e2e types in hel1 (internal/teste2e/testing.go); cpx22 in nbg1 is
 *   hcloud-k8s/terraform-hcloud-kubernetes' README example. cpx32/cpx42/cpx52/cpx62 complete the line
 *   (platform.md, "Facts that the first version missed"); recorded in the same three EU locations.
 * - CX Gen 3 (cx23…cx53, x86) and CAX (cax11…cax41, arm64): the provider's examples use cx23
 *   (examples/resources/hcloud_server), hcloud-upload-image#129 made cx23 its x86 default; CAX is Arm
 *   (platform.md). Recorded in fsn1, nbg1 and hel1 only: the sources name no other location for them.
 * The fourth location of cpx22 and the US/Singapore offer of every line are not recorded: no source here
 * names them.
 */
import type { Arch } from "./labels";

/** One location of a server type, as `getServerType` reports it (`GetServerTypeLocation`). */
export interface ServerTypeLocationFacts {
  readonly name: string;
  /** False while the type is temporarily sold out there. */
  readonly available: boolean;
  readonly isDeprecated: boolean;
  /** RFC 3339, or "" when not deprecated. */
  readonly deprecationAnnounced: string;
  /** RFC 3339, or "" when not deprecated. */
  readonly unavailableAfter: string;
}

/** What the check reads of a server type (a subset of `GetServerTypeResult`). */
export interface ServerTypeFacts {
  readonly name: string;
  /** `x86` or `arm` (Hetzner's architecture names, also `getImage`'s). */
  readonly architecture: string;
  /** The legacy type-wide deprecation (phased out from 2025-09-24 in favour of per location). */
  readonly isDeprecated: boolean;
  readonly deprecationAnnounced: string;
  readonly unavailableAfter: string;
  readonly locations: readonly ServerTypeLocationFacts[];
}

/** The snapshot's date and where its facts come from (the file's header lists them). */
export const CATALOGUE_SNAPSHOT = {
  date: "2026-08-21",
  source:
    "hetznercloud/terraform-provider-hcloud acceptance tests (d79720fc, 158e11d4), Hetzner's changelog of 2025-10-16 (server types deprecated), hcloud-k8s/terraform-hcloud-kubernetes README",
} as const;

const EU = ["fsn1", "nbg1", "hel1"] as const;

const sold = (name: string): ServerTypeLocationFacts => ({
  name,
  available: true,
  isDeprecated: false,
  deprecationAnnounced: "",
  unavailableAfter: "",
});

/** The deprecation of CX Gen 2 and CPX Gen 1, with the API's dates (d79720fc, see above). */
const DEPRECATED_2025 = { announced: "2025-10-16T06:00:00Z", unavailableAfter: "2025-12-31T23:59:59Z" };

const deprecated = (name: string): ServerTypeLocationFacts => ({
  name,
  available: true,
  isDeprecated: true,
  deprecationAnnounced: DEPRECATED_2025.announced,
  unavailableAfter: DEPRECATED_2025.unavailableAfter,
});

function line(
  names: readonly string[],
  architecture: Arch,
  location: (l: string) => ServerTypeLocationFacts,
) {
  return names.map((name): ServerTypeFacts => ({
    name,
    architecture,
    isDeprecated: false,
    deprecationAnnounced: "",
    unavailableAfter: "",
    locations: EU.map(location),
  }));
}

/** The snapshot's server types by name. */
export const SERVER_TYPE_SNAPSHOT: ReadonlyMap<string, ServerTypeFacts> = new Map(
  [
    ...line(["cpx12", "cpx22", "cpx32", "cpx42", "cpx52", "cpx62"], "x86", sold),
    ...line(["cx23", "cx33", "cx43", "cx53"], "x86", sold),
    ...line(["cax11", "cax21", "cax31", "cax41"], "arm", sold),
    ...line(["cpx11", "cpx21", "cpx31", "cpx41", "cpx51"], "x86", deprecated),
    ...line(["cx22", "cx32", "cx42", "cx52"], "x86", deprecated),
  ].map((t) => [t.name, t]),
);
