/**
 * The knob catalogue as the single source of truth: its decisions of record match datapath.md §4,
 * its kernel minimums and costs are the documented ones, and every file generated from it is current.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KNOB_KEYS, knobDef, type KnobKey } from "../components/knobs/catalogue";
import { SETTING_KEYS } from "../components/config/settings";
import { generatedFiles } from "../tools/generated";
import { ROOT } from "./helpers";

const verdicts = (v: string): KnobKey[] => KNOB_KEYS.filter((k) => knobDef(k).decision.verdict === v);

describe("decisions of record (datapath.md §4)", () => {
  it("adopts bandwidth manager, BPF masquerade and pod BBR, in an order the agent accepts at every step", () => {
    const adopt = verdicts("adopt").sort(
      (a, b) => (knobDef(a).decision.step ?? 0) - (knobDef(b).decision.step ?? 0),
    );
    expect(adopt).toEqual(["bandwidthManager", "bpfMasquerade", "bandwidthManagerBBR"]);
    expect(adopt.map((k) => knobDef(k).decision.step)).toEqual([1, 2, 3]);
  });

  it("leaves netkit for later", () => {
    expect(verdicts("later")).toEqual(["datapathMode"]);
  });

  it("records the rejected ones with their reasons", () => {
    expect(verdicts("rejected")).toEqual([
      "routingMode",
      "ipv4NativeRoutingCidr",
      "autoDirectNodeRoutes",
      "loadBalancerMode",
      "dsrDispatch",
      "ciliumEndpointSlice",
      "hubble",
      "monitorAggregation",
      "agentCpuRequest",
      "agentMemoryRequest",
    ]);
    expect(knobDef("ciliumEndpointSlice").decision.reason).toMatch(/ipcache propagation timing/);
    expect(knobDef("hubble").decision.reason).toMatch(/only view of policy verdicts and drops/);
  });

  it("gives every knob a default its own parser accepts, a title, a description and a cost note", () => {
    for (const key of KNOB_KEYS) {
      const def = knobDef(key);
      expect(def.parse(def.default), key).toEqual({ ok: true, value: def.default });
      expect([def.title.length > 0, def.description.length > 0, def.costNote.length > 0], key).toEqual([
        true,
        true,
        true,
      ]);
    }
  });
});

describe("kernel minimums (the agent's own probes, components/knobs/kernel-needs.ts)", () => {
  it.each([
    ["bandwidthManagerBBR", true, [5, 18, 0]],
    ["datapathMode", "netkit", [6, 7, 0]],
    ["datapathMode", "netkit-l2", [6, 7, 0]],
    ["bigTCPIPv4", true, [6, 3, 0]],
    ["bigTCPIPv6", true, [5, 19, 0]],
  ] as const)("%s = %s needs %j", (key, value, kernel) => {
    expect(knobDef(key).kernel?.(value)?.version).toEqual(kernel);
  });

  it("asks nothing below the agent's own floor of 5.10 (bandwidth manager, XDP, BPF host routing)", () => {
    expect([
      knobDef("bandwidthManager").kernel?.(true),
      knobDef("loadBalancerAcceleration").kernel?.("native"),
      knobDef("bpfHostRouting").kernel?.("bpf"),
    ]).toEqual([undefined, undefined, undefined]);
  });

  it("asks no kernel for the defaults", () => {
    expect(KNOB_KEYS.filter((k) => knobDef(k).kernel?.(knobDef(k).default))).toEqual([]);
  });
});

describe("costs", () => {
  it.each([
    ["bandwidthManager", ["agents-roll", "operator-rolls"]],
    ["bpfMasquerade", ["agents-roll", "operator-rolls", "conntrack-reset"]],
    ["datapathMode", ["agents-roll", "operator-rolls", "pods-restart", "nodes-replace"]],
    ["bandwidthManagerBBR", ["agents-roll", "operator-rolls", "pods-restart"]],
    ["bpfDistributedLRU", ["agents-roll", "operator-rolls", "conntrack-reset"]],
    ["hubbleRelayReplicas", ["relay-scales"]],
  ] as const)("%s costs %j", (key, costs) => {
    expect(knobDef(key).costs).toEqual(costs);
  });
});

describe("generated files", () => {
  it.each(Object.entries(generatedFiles(ROOT)))(
    "%s is current (run `npm run generate`)",
    (path, expected) => {
      expect(readFileSync(join(ROOT, path), "utf8")).toBe(expected);
    },
  );

  it("Pulumi.yaml declares every setting and knob once, typed, with a default", () => {
    const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as {
      config: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(project.config)).toEqual([...SETTING_KEYS, ...KNOB_KEYS]);
    expect(project.config.bandwidthManager).toEqual({
      type: "boolean",
      default: false,
      description: knobDef("bandwidthManager").description,
    });
    expect(project.config.datapathMode).toEqual({
      type: "string",
      default: "veth",
      description: `${knobDef("datapathMode").description} (veth | netkit | netkit-l2)`,
    });
    expect(project.config.hubbleRelayReplicas).toMatchObject({ type: "integer", default: 2 });
    expect(project.config.adminCidrs).toMatchObject({
      type: "array",
      items: { type: "string" },
      default: [],
    });
  });
});
