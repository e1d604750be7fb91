/**
 * The quorum rule and the footprint diff as pure functions: how many control planes a change may take
 * down for each etcd size, what a footprint change does to each server, and which settings are named.
 */
import { describe, expect, it } from "vitest";
import { footprintImpacts, footprintOf } from "../components/config/footprint";
import { nodeSettingChanges, quorumOf, quorumVerdict } from "../components/config/quorum";
import { specOf } from "./helpers";

const CP = { name: "cp", count: 5, serverType: "cpx32", location: "fsn1" };
const five = specOf("prod", { controlPlane: CP });

describe("the quorum rule", () => {
  it("knows etcd's majority", () => {
    expect([1, 3, 5, 7].map(quorumOf)).toEqual([1, 2, 3, 4]);
  });

  it("lets one control plane of five go down, never two at once", () => {
    const impact = (nodes: string[]) =>
      nodes.map((node) => ({
        node,
        role: "controlplane" as const,
        pool: "cp",
        effect: "replace" as const,
        causes: [],
      }));
    const s = five.settings;
    expect(quorumVerdict(impact(["prod-cp-3"]), s, s, "prod").refusals).toEqual([]);
    const two = quorumVerdict(impact(["prod-cp-3", "prod-cp-4"]), s, s, "prod").refusals;
    expect(two.map((p) => p.message)).toEqual([
      'hcloud-talos-cilium:controlPlane: it would take down 2 of the 5 control planes at once (delete and re-create prod-cp-3, prod-cp-4), and etcd keeps quorum only while 3 of 5 members are up, one change at a time, though no setting of it changed (the program did). Allowed: a change that takes at most one control plane, and never every node of a pool, down at a time. Fix: find which input changed (npm run check -- --json, "settings"), and keep it as the last deployment had it.',
    ]);
  });

  it("treats a single control plane's disruption as the loss of etcd (a warning off production)", () => {
    const ci = specOf("ci");
    const next = specOf("ci", {
      controlPlane: { name: "cp", count: 1, serverType: "cpx32", location: "fsn1" },
    });
    const impacts = footprintImpacts(footprintOf(ci), footprintOf(next));
    expect(impacts).toEqual([
      {
        node: "ci-cp-1",
        role: "controlplane",
        pool: "cp",
        effect: "power-off",
        causes: [expect.objectContaining({ field: "serverType", from: "cpx22", to: "cpx32" })],
      },
    ]);
    const v = quorumVerdict(impacts, ci.settings, next.settings, "ci");
    expect(v.refusals).toEqual([]);
    expect(v.warnings.map((w) => w.message.slice(0, 141))).toEqual([
      'hcloud-talos-cilium:controlPlane.serverType = "cpx32" (was "cpx22"): it would take down 1 of the 1 control planes at once (power off ci-cp-1)',
    ]);
  });
});

describe("the footprint diff", () => {
  it("re-addresses every server when the subnet changes, and names the subnet", () => {
    const prod = specOf("prod");
    const next = specOf("prod", { nodeSubnetCidr: "10.0.2.0/24" });
    const impacts = footprintImpacts(footprintOf(prod), footprintOf(next));
    expect(impacts.map((i) => [i.node, i.effect, i.causes.map((c) => c.field)])).toEqual(
      ["cp-1", "cp-2", "cp-3", "workers-1", "workers-2", "workers-3"].map((n) => [
        `prod-${n}`,
        "re-address",
        ["privateIp", "nodeSubnetCidr"],
      ]),
    );
    expect(nodeSettingChanges(prod.settings, next.settings)).toEqual([
      {
        path: "nodeSubnetCidr",
        key: "nodeSubnetCidr",
        from: "10.0.1.0/24",
        to: "10.0.2.0/24",
        scope: undefined,
      },
    ]);
  });

  it("creates and deletes only the servers of an added or removed pool", () => {
    const prod = specOf("prod");
    const extra = { name: "nbg", count: 1, serverType: "cpx42", location: "nbg1", firstHost: 31 };
    const both = specOf("prod", {
      workerPools: [{ name: "workers", count: 3, serverType: "cpx42", location: "fsn1" }, extra],
    });
    expect(footprintImpacts(footprintOf(prod), footprintOf(both))).toEqual([
      { node: "prod-nbg-1", role: "worker", pool: "nbg", effect: "create", causes: [] },
    ]);
    const only = specOf("prod", { workerPools: [extra] });
    expect(footprintImpacts(footprintOf(both), footprintOf(only)).map((i) => [i.node, i.effect])).toEqual([
      ["prod-workers-1", "delete"],
      ["prod-workers-2", "delete"],
      ["prod-workers-3", "delete"],
    ]);
  });
});
