import { describe, expect, it } from "vitest";
import { helmTemplate, helmVersion, sha256File } from "../tools/helm-template";
import { neededUnderCi, reference } from "./helpers";

const chart = reference("charts/cilium-1.20.0.tgz");
const helm = neededUnderCi("helm on PATH (a real Helm, or ../shared/bin/helm offline)", helmVersion());

describe.skipIf(!chart.present || helm === undefined)(
  "helm template of the real Cilium 1.20.0 archive",
  () => {
    const opts = { release: "cilium", namespace: "kube-system" };

    it("is the archive helm.cilium.io publishes (its index.yaml digest)", () => {
      expect(sha256File(chart.path)).toBe("c5f013912360d1a334f44ef25f36da59ba3414cdb48f466ee12d0c4fdff27883");
    });

    it("renders the chart's objects in Helm's order", () => {
      const r = helmTemplate(chart.path, {}, opts);
      expect(r.ok && r.objects.filter((o) => o.kind === "DaemonSet").map((o) => o.metadata.name)).toEqual([
        "cilium",
        "cilium-envoy",
      ]);
    });

    it("returns the chart's own fail message", () => {
      const r = helmTemplate(chart.path, { hubble: { enabled: false, relay: { enabled: true } } }, opts);
      expect(r).toEqual({
        ok: false,
        error:
          "Error: execution error at (cilium/templates/validate.yaml:71:7): Hubble Relay requires .Values.hubble.enabled=true",
      });
    });
  },
);

if (!chart.present || helm === undefined) {
  it.skip(`needs ${chart.present ? "helm on PATH (../shared/bin/helm offline)" : chart.path}`, () => {});
}
