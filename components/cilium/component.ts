/**
 * Cilium on the bootstrapped cluster: a Kubernetes provider from the cluster's kubeconfig, the Gateway
 * API CRDs, the SPIRE namespace, and the `cilium` Helm release (a real release: hooks run, `helm
 * history/rollback` and the cilium CLI work, Helm `lookup` keeps Hubble's certificates stable).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterSpec } from "../config/spec";
import { SPIRE_NAMESPACE } from "./values";
import { gatewayApiManifest } from "./gateway-api";
import { releaseArgs, SPIRE_NAMESPACE_LABELS } from "./release";

/** Arguments of the Cilium component. */
export interface CiliumArgs {
  /** The resolved stack. */
  readonly spec: ClusterSpec;
  /** The admin kubeconfig (secret). */
  readonly kubeconfig: pulumi.Input<string>;
  /** What must exist before anything talks to the API: the Talos bootstrap, the kubeconfig. */
  readonly cluster: readonly pulumi.Resource[];
  /** Pulumi `protect` on the `cilium` release (the CNI): production sets it. @default false */
  readonly protect?: boolean;
}

/** Cilium 1.20 as the cluster's CNI, deployed with Helm. */
export class Cilium extends pulumi.ComponentResource {
  /** The provider for everything deployed into the cluster after Cilium. */
  declare readonly provider: k8s.Provider;
  /** The `cilium` release; later charts depend on it (nodes are NotReady until it runs). */
  declare readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: CiliumArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hcloud-talos-cilium:cilium:Cilium", name, {}, opts);
    const { spec } = args;
    const provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: args.kubeconfig, enableServerSideApply: true },
      { parent: this, dependsOn: [...args.cluster] },
    );
    const prerequisites: pulumi.Resource[] = [...args.cluster];
    if (spec.knobs.gatewayAPI) {
      prerequisites.push(
        new k8s.yaml.v2.ConfigFile(
          `${name}-gateway-api`,
          { file: gatewayApiManifest() },
          { parent: this, provider },
        ),
      );
    }
    if (spec.knobs.mutualAuth) {
      const metadata = { name: SPIRE_NAMESPACE, labels: { ...SPIRE_NAMESPACE_LABELS } };
      prerequisites.push(
        new k8s.core.v1.Namespace(`${name}-spire-namespace`, { metadata }, { parent: this, provider }),
      );
    }
    const release = new k8s.helm.v3.Release(`${name}-release`, releaseArgs(spec), {
      parent: this,
      provider,
      dependsOn: prerequisites,
      protect: args.protect ?? false,
    });
    this.provider = provider;
    this.release = release;
    this.registerOutputs({ release: release.status });
  }
}
