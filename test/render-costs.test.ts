/**
 * The costs table against the real chart: every knob, every allowed value from prod's baseline (with
 * the prerequisites it needs, test/knob-values.ts), rendered with the Cilium 1.20.0 archive on both
 * sides of the change. The catalogue's render-visible costs (agents roll, operator rolls, relay
 * scales, relay / UI / SPIRE created or removed) must be exactly what the render shows, no other
 * workload may move, and no workload may be left running an old ConfigMap. Also: what the COSTS
 * meanings say about the rollout (OnDelete: the deploy's roll, one operator pod at a time) is the chart's, and
 * the operator follows its config (operator.rollOutPods) where the chart's default would not.
 *
 * Renders are cached by content (tools/helm-template.ts): a warm run renders nothing.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { releaseArgs } from "../components/cilium/release";
import { resolveStackConfig } from "../components/config/resolve";
import { KNOB_KEYS, knobDef, type KnobKey } from "../components/knobs/catalogue";
import { COSTS } from "../components/knobs/knob";
import {
  canonicalJson,
  renderDiff,
  type Render,
  type RenderDiff,
  type Workload,
} from "../components/datapath/render-diff";
import {
  predictedCosts,
  releaseOf,
  renderedCosts,
  type ReleaseRender,
} from "../components/datapath/render-report";
import type { HelmValues } from "../components/cilium/values";
import { helmTemplate, helmTemplateAll, type TemplateOptions } from "../tools/helm-template";
import { helmOnPath, reference, stackRaw } from "./helpers";
import { KNOB_VALUE_CASES, REFUSED_VALUES, type KnobValueCase } from "./knob-values";

const chart = reference("charts/cilium-1.20.0.tgz");
const helm = helmOnPath();
const prod = stackRaw("prod");

/** The release prod declares with some knobs set (each case's side must resolve). */
function release(over: Readonly<Record<string, unknown>>): ReleaseRender {
  const r = releaseOf("prod", { ...prod, ...over });
  if (!r.ok) throw new Error(`prod with ${JSON.stringify(over)} does not resolve: ${r.problem}`);
  return r.release;
}

/** The release with one knob forced past the plan's rules (for values no stack can take). */
function forced(knob: KnobKey, value: unknown): ReleaseRender {
  const r = resolveStackConfig(prod, "prod");
  if (!r.ok) throw new Error("prod does not resolve");
  const args = releaseArgs({ ...r.spec, knobs: { ...r.spec.knobs, [knob]: value } });
  return { ...release({}), values: args.values };
}

const optsOf = (r: ReleaseRender): TemplateOptions => ({
  release: r.release,
  namespace: r.namespace,
  kubeVersion: r.kubeVersion,
});

/** A release's render (from the cache once `renderAll` has run). */
function render(r: ReleaseRender): Render {
  const out = helmTemplate(chart.path, r.values, optsOf(r));
  if (!out.ok) throw new Error(out.error);
  return out;
}

/**
 * Renders every release not yet in the cache, two helm processes at a time (both cores when cold).
 * Each distinct release once: the list repeats some (the baseline is the "from" side of every case
 * without prerequisites), and two processes would render the same one at once before either is cached.
 */
async function renderAll(releases: readonly ReleaseRender[]): Promise<void> {
  const jobs = new Map(
    releases.map((r) => {
      const job = { values: r.values, opts: optsOf(r) };
      return [canonicalJson(job), job] as const;
    }),
  );
  const failed = (await helmTemplateAll(chart.path, [...jobs.values()])).filter((r) => !r.ok);
  if (failed.length > 0) throw new Error(failed.map((r) => (r.ok ? "" : r.error)).join("\n"));
}

const label = (c: KnobValueCase) =>
  `${c.knob} = ${JSON.stringify(c.value)}${c.on ? ` on ${JSON.stringify(c.on)}` : ""}`;

/** Which workload each render-visible cost is about; a workload no cost names must not move. */
const COST_WORKLOADS: Readonly<Record<string, readonly Workload[]>> = {
  "agents-roll": ["agent"],
  "operator-rolls": ["operator"],
  "relay-scales": ["relay"],
  "relay-toggles": ["relay"],
  "ui-toggles": ["ui"],
  "spire-toggles": ["spire-server", "spire-agent"],
};

/** The facts a knob's costs are held to, for one change. */
function facts(d: RenderDiff, knob: KnobKey) {
  const named = new Set(predictedCosts(knobDef(knob).costs).flatMap((c) => COST_WORKLOADS[c] ?? []));
  return {
    costs: renderedCosts(d),
    unnamed: d.workloads
      .filter((w) => !named.has(w.workload) && w.fate !== "unchanged" && w.fate !== "absent")
      .map((w) => `${w.workload} ${w.fate}`),
    stale: d.workloads.flatMap((w) => w.staleConfig.map((c) => `${w.workload}: ${c}`)),
  };
}

const expected = (knob: KnobKey) => ({ costs: predictedCosts(knobDef(knob).costs), unnamed: [], stale: [] });

describe("the cases", () => {
  it("cover every knob, and every allowed value off the baseline", () => {
    const covered = [...KNOB_VALUE_CASES, ...REFUSED_VALUES];
    expect(KNOB_KEYS.filter((k) => !covered.some((c) => c.knob === k))).toEqual([]);
    const missing = KNOB_KEYS.flatMap((k) => {
      const def = knobDef(k);
      const allowed = def.allowed ?? (def.type === "boolean" ? [true, false] : []);
      return allowed
        .filter((v) => v !== def.default && !covered.some((c) => c.knob === k && c.value === v))
        .map((v) => `${k} = ${JSON.stringify(v)}`);
    });
    expect(missing).toEqual([]);
  });

  it.each(REFUSED_VALUES)("$knob = $value is refused by the plan on the baseline", ({ knob, value }) => {
    const r = resolveStackConfig({ ...prod, [knob]: value }, "prod");
    expect(r.ok ? [] : r.problems.map((p) => p.key)).toContain(`hcloud-talos-cilium:${knob}`);
  });
});

/** The baseline values with the chart's default for the operator, as they were before this choice. */
function chartDefault(r: ReleaseRender): ReleaseRender {
  const values = structuredClone(r.values) as HelmValues;
  (values.operator as HelmValues).rollOutPods = false;
  return { ...r, values };
}

/** Every release this file renders: both sides of each case, the forced values, the chart's default. */
const RELEASES = (): ReleaseRender[] => [
  release({}),
  ...KNOB_VALUE_CASES.flatMap((c) => [release({ ...c.on }), release({ ...c.on, [c.knob]: c.value })]),
  ...REFUSED_VALUES.map((c) => forced(c.knob, c.value)),
  chartDefault(release({})),
  chartDefault(release({ ciliumEndpointSlice: true })),
];

describe.skipIf(!chart.present || helm === undefined)("against the Cilium 1.20.0 render", () => {
  beforeAll(() => renderAll(RELEASES()), 300_000);

  describe("every knob's costs", () => {
    const diffs = new Map<KnobValueCase, RenderDiff>();
    const refused = new Map<(typeof REFUSED_VALUES)[number], RenderDiff>();
    let baseline: Render;
    beforeAll(() => {
      baseline = render(release({}));
      for (const c of KNOB_VALUE_CASES)
        diffs.set(
          c,
          renderDiff(render(release({ ...c.on })), render(release({ ...c.on, [c.knob]: c.value }))),
        );
      for (const c of REFUSED_VALUES) refused.set(c, renderDiff(baseline, render(forced(c.knob, c.value))));
    });

    it.each(KNOB_VALUE_CASES.map((c) => [label(c), c] as const))("%s: the costs are the render's", (_, c) => {
      expect(facts(diffs.get(c) as RenderDiff, c.knob)).toEqual(expected(c.knob));
    });

    it.each(REFUSED_VALUES.map((c) => [`${c.knob} = ${JSON.stringify(c.value)}`, c] as const))(
      "%s (refused by the plan, forced here): the costs are still the render's",
      (_, c) => {
        expect(facts(refused.get(c) as RenderDiff, c.knob)).toEqual(expected(c.knob));
      },
    );

    it("leaves the agents to the deploy's roll (OnDelete) and rolls the operator's 2 pods one at a time, as COSTS says", () => {
      const w = Object.fromEntries(
        renderDiff(baseline, baseline).workloads.map((x) => [x.workload, x.strategy]),
      );
      expect(w.agent).toBe("OnDelete");
      // Exactly OnDelete: the values' rollingUpdate null deleted the chart's maxUnavailable 2.
      const agent = baseline.objects.find((o) => o.kind === "DaemonSet" && o.metadata.name === "cilium");
      expect((agent?.spec as { updateStrategy?: unknown }).updateStrategy).toEqual({ type: "OnDelete" });
      expect(COSTS["agents-roll"].meaning).toContain(
        "every Cilium agent restarts, one node at a time: the deploy's agent roll replaces each node's agent (OnDelete)",
      );
      // maxUnavailable 50% of 2 is 1 pod (rounded down), maxSurge 25% of 2 is 1 (rounded up): one at a time.
      expect(w.operator).toBe("RollingUpdate of 2 replica(s), maxSurge 25%, maxUnavailable 50%");
      expect(COSTS["operator-rolls"].meaning).toContain("its 2 pods are replaced one at a time");
    });
  });

  describe("the operator follows its config (operator.rollOutPods)", () => {
    const operatorOf = (d: RenderDiff) => d.workloads.find((w) => w.workload === "operator");

    it("with the baseline, a cilium-config change rolls the operator", () => {
      const d = renderDiff(render(release({})), render(release({ ciliumEndpointSlice: true })));
      expect(operatorOf(d)).toMatchObject({
        fate: "rolls",
        podTemplate: ['metadata.annotations["cilium.io/cilium-configmap-checksum"]'],
        staleConfig: [],
      });
    });

    it("with the chart's default, the operator keeps running the old cilium-config", () => {
      const d = renderDiff(
        render(chartDefault(release({}))),
        render(chartDefault(release({ ciliumEndpointSlice: true }))),
      );
      expect(d.config.map((c) => c.key)).toContain("enable-cilium-endpoint-slice");
      expect(operatorOf(d)).toMatchObject({
        fate: "unchanged",
        staleConfig: ["ConfigMap kube-system/cilium-config"],
      });
    });
  });
});

if (!chart.present || helm === undefined) {
  it.skip(`needs ${chart.present ? "helm on PATH (../shared/bin/helm offline)" : chart.path}`, () => {});
}
