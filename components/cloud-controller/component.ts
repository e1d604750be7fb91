/**
 * The hcloud cloud-controller-manager: the Secret it reads (token and network ID) and its Helm release.
 * It initializes the nodes (provider IDs, addresses, zone labels; it removes the uninitialized taint
 * that `externalCloudProvider` puts on every kubelet), serves LoadBalancer Services (Gateway API) with
 * Hetzner load balancers, and, in native routing, programs the pod routes of the network.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec } from "../config/spec";
import { CCM_NAMESPACE, CCM_SECRET, ccmReleaseArgs } from "./release";

/** Arguments of {@link CloudControllerManager}. */
export interface CloudControllerManagerArgs {
  /** The resolved stack (chart version, routing mode, pod CIDR, network zone). @default none, required */
  readonly spec: ClusterSpec;
  /** The Hetzner network of the nodes (`PrivateNetwork.networkId`). @default none, required */
  readonly networkId: pulumi.Input<number>;
  /** The Hetzner Cloud API token (secret; `hcloudToken()`). @default none, required */
  readonly token: pulumi.Input<string>;
  /** The cluster's Kubernetes provider (`Cilium.provider`). @default none, required */
  readonly provider: k8s.Provider;
  /** What the release waits for besides its Secret. @default [] */
  readonly dependsOn?: readonly pulumi.Resource[];
}

/** The cloud-controller-manager of a cluster on Hetzner Cloud. */
export class CloudControllerManager extends pulumi.ComponentResource {
  /** The `hcloud-cloud-controller-manager` release. */
  declare readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: CloudControllerManagerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hcloud-talos-cilium:cloud-controller:CloudControllerManager", name, {}, opts);
    const { provider } = args;
    // The token stays a secret end to end: a secret input here, a Kubernetes Secret in the cluster.
    const secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: CCM_SECRET.name, namespace: CCM_NAMESPACE },
        stringData: {
          [CCM_SECRET.tokenKey]: pulumi.secret(args.token),
          [CCM_SECRET.networkKey]: pulumi.output(args.networkId).apply(String),
        },
      },
      { parent: this, provider },
    );
    const release = new k8s.helm.v3.Release(`${name}-release`, ccmReleaseArgs(args.spec), {
      parent: this,
      provider,
      dependsOn: [secret, ...(args.dependsOn ?? [])],
    });
    this.release = release;
    this.registerOutputs({ release: release.status });
  }
}
