/**
 * The Helm release's fixed settings (pure): where the chart comes from and how Helm runs it.
 * Choices: architecture.md ("Cilium as kubernetes.helm.v3.Release").
 */
import { planNodes, type ClusterSpec } from "../config/spec";
import { ciliumValues } from "./values";

/** The chart repository. */
export const CILIUM_REPO = "https://helm.cilium.io";

/**
 * The sha256 of each Cilium chart archive the knobs check may render, per chart version: the `digest`
 * helm.cilium.io's index.yaml publishes for `cilium-<version>.tgz` (for 1.20.0 recorded with the
 * vendored archive in test/fixtures/SOURCES.md). An archive that does not match is never rendered; a
 * version without a digest here is not rendered either (the report falls back to the catalogue).
 */
export const CILIUM_CHART_DIGESTS: Readonly<Record<string, string>> = {
  "1.20.0": "c5f013912360d1a334f44ef25f36da59ba3414cdb48f466ee12d0c4fdff27883",
};

/**
 * How long Helm may wait (`--wait` with `atomic`: a timeout rolls the release back). The agents are not
 * in it: their DaemonSet is `OnDelete` (components/agent-roll), and Helm's wait takes a DaemonSet that
 * does not roll itself as ready once its controller has observed the new spec (helm/helm
 * pkg/kube/ready.go, `daemonSetReady`), so no agent roll can time the release out, and a rollback
 * replaces no agent either (OnDelete). Helm still waits for the Deployments (operator, relay, UI),
 * the SPIRE server, and the DaemonSets that roll themselves: Envoy, 2 nodes at a time (the chart's
 * `envoy.updateStrategy.rollingUpdate.maxUnavailable: 2`, values.yaml lines 2867-2873). So: at
 * least 20 minutes (a first install pulls every image onto fresh nodes), and 10 minutes plus 2 per
 * pair of nodes for Envoy's roll (each pair pulls and starts its proxies: our estimate).
 */
export function releaseTimeoutSeconds(nodeCount: number): number {
  return Math.max(RELEASE_TIMEOUT_FLOOR_SECONDS, 600 + Math.ceil(nodeCount / 2) * 120);
}

/** The least the release waits: what a 3+3 cluster's first install needed with margin. */
export const RELEASE_TIMEOUT_FLOOR_SECONDS = 1200;

/** Helm keeps this many revisions for `helm rollback` (bounded: each is a Secret in kube-system). */
export const RELEASE_HISTORY = 10;

/** The inputs of the `cilium` release for a stack. */
export function releaseArgs(spec: ClusterSpec) {
  return {
    name: "cilium",
    namespace: "kube-system",
    chart: "cilium",
    version: spec.settings.ciliumVersion,
    repositoryOpts: { repo: CILIUM_REPO },
    values: ciliumValues(spec),
    // atomic: a failed upgrade rolls back to the last good revision (operator, relay, UI, SPIRE, Envoy);
    // the agents are OnDelete, rolled node by node by components/agent-roll, never by Helm.
    atomic: true,
    cleanupOnFail: true,
    timeout: releaseTimeoutSeconds(planNodes(spec).length),
    maxHistory: RELEASE_HISTORY,
  };
}

/** The labels of the SPIRE namespace: Talos enforces PodSecurity "baseline"; SPIRE needs "privileged". */
export const SPIRE_NAMESPACE_LABELS = {
  "pod-security.kubernetes.io/enforce": "privileged",
  "pod-security.kubernetes.io/audit": "privileged",
  "pod-security.kubernetes.io/warn": "privileged",
} as const;
