/** Mock outputs of the hcloud provider's resources and invokes. */
import type { Outputs } from "./types";

/** hcloud type token → computed outputs. */
export const HCLOUD_OUTPUTS: Readonly<Record<string, Outputs>> = {};
