// hcloud-talos-cilium: Kubernetes on Hetzner Cloud with Talos Linux and Cilium 1.20.
// Everything happens in components/program.ts; the stack outputs are what it returns.
import { program } from "./components/program";

const outputs = program();

/** The resolved datapath knobs. */
export const knobs = outputs.knobs;
