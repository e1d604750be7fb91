/**
 * How the deploying runner and the operators reach the Kubernetes API (pure), contract 2: through the
 * public load balancer when `publicApiEndpoint` accepts that exposure, else on the first control
 * plane's public address, which the firewall opens to `adminCidrs` and, with `runnerAccess:
 * "runner-ip"`, to the runner's address for the run. The Talos API (50000) is always dialled on each
 * node's public address. The statement the preview logs and the plan shows come from here.
 */
import { parseDocument, isMap, isSeq } from "yaml";
import type { ClusterSpec } from "../config/spec";
import { planNodes } from "../config/spec";
import { RUNNER_IP_ENV } from "../config/access-rules";
import { KUBERNETES_API_PORT } from "./rules";

/** The two paths to the Kubernetes API. */
export type ApiPath = "public-load-balancer" | "first-control-plane";

/** The path a stack's runner and operators take to the Kubernetes API. */
export function apiPath(spec: Pick<ClusterSpec, "settings">): ApiPath {
  return spec.settings.publicApiEndpoint ? "public-load-balancer" : "first-control-plane";
}

/** The API's URL on a host: `https://<host>:6443`, an IPv6 host in brackets (RFC 3986 §3.2.2). */
export function apiUrl(host: string): string {
  return `https://${host.includes(":") ? `[${host}]` : host}:${KUBERNETES_API_PORT}`;
}

/**
 * A kubeconfig whose every cluster entry points at `server`. Talos writes the cluster endpoint of the
 * machine config (here the load balancer's private address, which no runner reaches) into the
 * kubeconfig it hands out; comments and everything else are kept.
 */
export function withServer(kubeconfig: string, server: string): string {
  const doc = parseDocument(kubeconfig);
  const clusters = doc.get("clusters");
  if (!isSeq(clusters)) return kubeconfig;
  for (const entry of clusters.items) {
    const cluster = isMap(entry) ? entry.get("cluster") : undefined;
    if (isMap(cluster)) cluster.set("server", server);
  }
  return doc.toString({ lineWidth: 0 });
}

/** Where the stack's runner reaches what, for the plan and the preview's log. */
export interface AccessPlan {
  readonly kubernetesApi: ApiPath;
  /** The server whose public address is the API endpoint on the first-control-plane path. */
  readonly apiNode?: string;
  readonly runnerAccess: ClusterSpec["settings"]["runnerAccess"];
  /** The runner's host prefix in the firewall for this run, if any. */
  readonly runnerCidr?: string;
}

/** The stack's access plan. */
export function accessPlan(spec: Pick<ClusterSpec, "stack" | "settings" | "runnerCidr">): AccessPlan {
  const path = apiPath(spec);
  const first = planNodes(spec)[0];
  return {
    kubernetesApi: path,
    ...(path === "first-control-plane" && first ? { apiNode: first.name } : {}),
    runnerAccess: spec.settings.runnerAccess,
    ...(spec.runnerCidr ? { runnerCidr: spec.runnerCidr } : {}),
  };
}

/** One sentence for the preview: which path the API takes, and who passes the firewall this run. */
export function accessStatement(plan: AccessPlan): string {
  const api =
    plan.kubernetesApi === "public-load-balancer"
      ? `the Kubernetes API is the public load balancer's (publicApiEndpoint: true: 6443 is reachable from the whole Internet)`
      : `the Kubernetes API is reached on ${plan.apiNode ?? "the first control plane"}'s public address, port ${KUBERNETES_API_PORT} (no public load balancer)`;
  const runner =
    plan.runnerAccess === "admin-cidrs"
      ? "the firewall opens 6443 and 50000 to adminCidrs only (runnerAccess: admin-cidrs: the runner must be inside them)"
      : plan.runnerCidr
        ? `the firewall opens 6443 and 50000 to adminCidrs and, for this run, the deploying runner ${plan.runnerCidr} (runnerAccess: runner-ip, ${RUNNER_IP_ENV})`
        : `the firewall opens 6443 and 50000 to adminCidrs only: ${RUNNER_IP_ENV} is unset (runnerAccess: runner-ip; the deploy sets it, the closing step does not)`;
  return `Access: ${api}; ${runner}.`;
}
