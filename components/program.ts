/**
 * The program: config → network → nodes → Talos cluster → Cilium → outputs. `index.ts` exports what
 * this returns; the plan command and the tests run the same function under the mock engine.
 */
import { loadClusterSpec } from "./config/read";

/** Declares every resource of the stack and returns the stack outputs. */
export function program() {
  const spec = loadClusterSpec();
  return {
    /** The resolved datapath knobs (the values every Cilium agent runs with). */
    knobs: spec.knobs,
  };
}
