/** Mock outputs of the Talos provider's resources and invokes. */
import type { Outputs } from "./types";

/** talos type token → computed outputs. */
export const TALOS_OUTPUTS: Readonly<Record<string, Outputs>> = {};
