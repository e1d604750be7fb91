// hcloud-talos-cilium: Kubernetes on Hetzner Cloud with Talos Linux and Cilium 1.20.
// Everything happens in components/program.ts; these are the stack outputs. The program is async: it
// asks Hetzner about the server types before it declares anything, so each output waits for it.
import * as pulumi from "@pulumi/pulumi";
import { program, type StackOutputs } from "./components/program";

const outputs = program();
const output = <K extends keyof StackOutputs>(key: K) => pulumi.output(outputs.then((o) => o[key]));

/** The cluster endpoint of the machine config (https://<load balancer>:6443). */
export const endpoint = output("endpoint");
/** Where the runner and operators reach the Kubernetes API (the kubeconfig's server). */
export const apiServer = output("apiServer");
/** Admin kubeconfig (secret): `pulumi stack output kubeconfig --show-secrets`. */
export const kubeconfig = output("kubeconfig");
/** talosctl config (secret): `pulumi stack output talosconfig --show-secrets`. */
export const talosconfig = output("talosconfig");
/** The resolved datapath knobs. */
export const knobs = output("knobs");
/** The Image Factory installer image for `talosctl upgrade`. */
export const installerImage = output("installerImage");
/** The Image Factory schematic ID. */
export const talosSchematicId = output("talosSchematicId");
/** The Talos version every node runs; the next deployment refuses to skip a minor from it. */
export const talosVersion = output("talosVersion");
/** The Kubernetes version of the cluster; the next deployment refuses to skip a minor from it. */
export const kubernetesVersion = output("kubernetesVersion");
/** talosctl's arguments for the cluster health check: `pulumi stack output talosHealthArgs --json | jq -r '.[]' | xargs talosctl`. */
export const talosHealthArgs = output("talosHealthArgs");
/** The firewall's URN, for the deploy's closing `pulumi up --target <firewallUrn>` (contract 2). */
export const firewallUrn = output("firewallUrn");
/** What decides every server: the next preview refuses a change that would take down a quorum against it. */
export const clusterFootprint = output("clusterFootprint");
