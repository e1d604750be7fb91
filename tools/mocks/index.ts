/**
 * What the mock engine answers for each resource type and invoke token: the inputs echoed back plus
 * the outputs a real provider would compute, with deterministic values. Hetzner IDs are numeric
 * strings (the hcloud provider parses them as integers), derived from the name so runs are stable.
 */
import type * as pulumi from "@pulumi/pulumi";
import { unwrapSecrets, type Outputs, type State } from "./types";
import { COMMAND_OUTPUTS } from "./command";
import { HCLOUD_OUTPUTS } from "./hcloud";
import { TALOS_OUTPUTS } from "./talos";

/** Computed outputs per resource type or invoke token. Unlisted types echo their inputs. */
export const COMPUTED: Readonly<Record<string, Outputs>> = {
  ...HCLOUD_OUTPUTS,
  ...TALOS_OUTPUTS,
  ...COMMAND_OUTPUTS,
};

/** A stable numeric ID for a name (FNV-1a, 31 bits). */
export function numericId(name: string): string {
  let h = 0x811c9dc5;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return String((h % 2_000_000_000) + 1);
}

/** The ID the mocks give a resource: numeric for Hetzner's (its API's IDs are), `<name>-id` otherwise. */
export const mockId = (token: string, name: string): string =>
  token.startsWith("hcloud:") ? numericId(`${token}/${name}`) : `${name}-id`;

/**
 * The mock result of a resource registration or (with name "") an invoke: the inputs echoed as they
 * arrived (`raw`, so secret inputs stay secret in state, as with a real provider) plus the computed
 * outputs, which see the inputs unwrapped (only for the types that compute any: most echo only).
 */
export function mockOutputs(token: string, name: string, raw: State): pulumi.runtime.MockResourceResult {
  const id = mockId(token, name);
  const computed = COMPUTED[token];
  const extra = computed ? computed(name, unwrapSecrets(raw) as State, id) : {};
  return { id, state: { ...raw, ...extra } };
}
