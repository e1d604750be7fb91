// hcloud-talos-cilium: Kubernetes on Hetzner Cloud with Talos Linux and Cilium 1.20.
// Everything happens in components/program.ts; these are the stack outputs.
import { program } from "./components/program";

const outputs = program();

/** The Kubernetes API endpoint (https://<load balancer>:6443). */
export const endpoint = outputs.endpoint;
/** Admin kubeconfig (secret): `pulumi stack output kubeconfig --show-secrets`. */
export const kubeconfig = outputs.kubeconfig;
/** talosctl config (secret): `pulumi stack output talosconfig --show-secrets`. */
export const talosconfig = outputs.talosconfig;
/** The resolved datapath knobs. */
export const knobs = outputs.knobs;
/** The Image Factory installer image for `talosctl upgrade`. */
export const installerImage = outputs.installerImage;
/** The Image Factory schematic ID. */
export const talosSchematicId = outputs.talosSchematicId;
/** The Talos version every node runs; the next deployment refuses to skip a minor from it. */
export const talosVersion = outputs.talosVersion;
/** The Kubernetes version of the cluster; the next deployment refuses to skip a minor from it. */
export const kubernetesVersion = outputs.kubernetesVersion;
/** talosctl's arguments for the cluster health check: `pulumi stack output talosHealthArgs --json | jq -r '.[]' | xargs talosctl`. */
export const talosHealthArgs = outputs.talosHealthArgs;
