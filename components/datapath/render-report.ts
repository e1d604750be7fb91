/**
 * The rendered half of the rollout report (pure): which `cilium` release a stack file declares (the
 * same chart, version, release name, namespace and values as components/cilium/release.ts), what the
 * render of both sides says a change costs, and where that disagrees with the catalogue's prediction.
 * Rendering itself is tools/knobs.ts's and tools/helm-template.ts's job.
 */
import { resolveStackConfig } from "../config/resolve";
import { releaseArgs } from "../cilium/release";
import type { StackFile, StackName } from "./history";
import { COSTS, RENDERED_COSTS, type Cost } from "../knobs/knob";
import { canonicalJson, type RenderDiff } from "./render-diff";

/** Everything `helm template` needs to render a stack's `cilium` release as `pulumi up` deploys it. */
export interface ReleaseRender {
  readonly chart: string;
  readonly version: string;
  readonly repo: string;
  readonly release: string;
  readonly namespace: string;
  /**
   * `--kube-version`: the stack's `kubernetesVersion`, the version the cluster runs when the release
   * is upgraded (the chart branches on it, e.g. `semverCompare ">= 1.33-0"` in the agent DaemonSet).
   * Given explicitly so that every Helm renders the same: Helm's own default depends on its build.
   */
  readonly kubeVersion: string;
  readonly values: unknown;
}

/** The release a stack file declares, or why it declares none (the file does not resolve). */
export function releaseOf(
  stack: StackName,
  file: StackFile,
): { readonly ok: true; readonly release: ReleaseRender } | { readonly ok: false; readonly problem: string } {
  const r = resolveStackConfig(file ?? {}, stack);
  if (!r.ok) return { ok: false, problem: r.problems[0]?.message ?? "it does not resolve" };
  const args = releaseArgs(r.spec);
  return {
    ok: true,
    release: {
      chart: args.chart,
      version: args.version,
      repo: args.repositoryOpts.repo,
      release: args.name,
      namespace: args.namespace,
      kubeVersion: r.spec.settings.kubernetesVersion,
      values: args.values,
    },
  };
}

/** Two releases render the same objects: every input of `helm template` is equal. */
export function sameRelease(a: ReleaseRender, b: ReleaseRender): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Why the report could not hold a stack's change to the real chart. */
export type FallbackReason =
  | "no-helm"
  | "no-archive"
  | "digest-mismatch"
  | "unknown-version"
  | "unresolved"
  | "chart-error"
  | "not-rendered";

/** What the tool hands the pure report for one stack. */
export type RenderOutcome =
  | {
      readonly rendered: true;
      /** e.g. "cilium 1.20.0" (both sides, or "cilium 1.20.0 → 1.20.1"). */
      readonly chart: string;
      /** The verified archive sha256(s) and the helm that rendered; absent when nothing needed rendering. */
      readonly digest?: string;
      readonly helm?: string;
      /** Base and head declare the same release inputs: the render is the same by construction. */
      readonly sameInputs: boolean;
      readonly diff: RenderDiff;
    }
  | {
      readonly rendered: false;
      readonly reason: FallbackReason;
      /** Which side failed, when one did. */
      readonly side?: "base" | "head";
      readonly message: string;
    };

/** A stack's rendered facts in the report, with where the catalogue's prediction disagrees. */
export type StackRender =
  | (Extract<RenderOutcome, { rendered: true }> & {
      /** The render-visible costs the render shows for this change. */
      readonly costs: readonly Cost[];
      /** Each disagreement between the changed knobs' catalogue costs and the render. */
      readonly drift: readonly string[];
    })
  | (Extract<RenderOutcome, { rendered: false }> & {
      /** The catalogue's prediction stands in for the render. */
      readonly fallback: true;
    });

/** The render-visible costs a diff shows, in `RENDERED_COSTS` order: what the catalogue's costs must match. */
export function renderedCosts(diff: RenderDiff): Cost[] {
  const w = Object.fromEntries(diff.workloads.map((x) => [x.workload, x]));
  const toggled = (k: string) => w[k]?.fate === "created" || w[k]?.fate === "removed";
  const shown: Record<(typeof RENDERED_COSTS)[number], boolean> = {
    "agents-roll": w.agent?.rolls === true,
    "operator-rolls": w.operator?.rolls === true,
    "relay-scales": w.relay?.fate === "scales",
    "relay-toggles": toggled("relay"),
    "ui-toggles": toggled("ui"),
    "spire-toggles": toggled("spire-server") || toggled("spire-agent"),
  };
  return RENDERED_COSTS.filter((c) => shown[c]);
}

/** The render-visible part of a list of costs. */
export function predictedCosts(costs: readonly Cost[]): Cost[] {
  return RENDERED_COSTS.filter((c) => costs.includes(c));
}

/**
 * A stack's rendered facts for the report: the render's costs and each place where they disagree with
 * the changed knobs' catalogue costs. Settings move the render too (a Kubernetes version the chart
 * branches on), so a disagreement says when the change also moves settings.
 */
export function stackRender(
  outcome: RenderOutcome | undefined,
  predicted: readonly Cost[],
  settings: readonly string[],
): StackRender {
  if (!outcome)
    return {
      rendered: false,
      reason: "not-rendered",
      message: "the check was run without rendering",
      fallback: true,
    };
  if (!outcome.rendered) return { ...outcome, fallback: true };
  const costs = renderedCosts(outcome.diff);
  const expect = predictedCosts(predicted);
  const also = settings.length > 0 ? ` (the change also moves ${settings.join(", ")})` : "";
  const drift = [
    ...expect
      .filter((c) => !costs.includes(c))
      .map((c) => `the catalogue predicts "${COSTS[c].label}", the render does not show it${also}`),
    ...costs
      .filter((c) => !expect.includes(c))
      .map((c) => `the render shows "${COSTS[c].label}", which the catalogue does not predict${also}`),
  ];
  return { ...outcome, costs, drift };
}
