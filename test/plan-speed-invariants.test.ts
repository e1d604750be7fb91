/**
 * What the offline run's speed-ups must keep: the same bytes and the same values.
 * - The patches' YAML (components/talos/patch-yaml.ts): the fast path prints every patch of the real
 *   stacks, a bench stack and pools with labels and taints exactly as the yaml package's `stringify`
 *   does, and reads every one back to yaml's own values; over a seeded corpus of awkward values (quoting,
 *   types, keys, nesting) it prints only what yaml prints and reads only what yaml reads, and falls back
 *   to yaml for the rest; texts yaml did not print are read as yaml reads them.
 * - The stack-trace switch (tools/mock-engine.ts `declareOffline`): the SDK's own lift of the limit
 *   (`Resource.callsites`) captures nothing while the program declares.
 * - The bench's warm runs print the program's log once per distinct line, and never hide a new one.
 * - The bench's floor declares exactly the program's servers, config applies and gates, with their inputs.
 */
import { isDeepStrictEqual } from "node:util";
import { parseAllDocuments, stringify } from "yaml";
import { describe, expect, it, vi } from "vitest";
import { resolveStackConfig } from "../components/config/resolve";
import { planNodes, type ClusterSpec } from "../components/config/spec";
import type { Pool } from "../components/config/pools";
import { nodePatches, rolePatches, toYaml, type PatchDocument } from "../components/talos/patches";
import { fastDocument, fastYaml, patchDocuments } from "../components/talos/patch-yaml";
import { declareOffline, type Registration } from "../tools/mock-engine";
import { withSdkLog } from "../tools/offline-log";
import { benchConfig, floorOf, printingNewLines, specFor } from "../tools/bench";
import { program } from "../components/program";
import { runOffline } from "../tools/planner";
import { specOf } from "./helpers";

/** How components/talos/patches.ts printed the patches before the fast path: the reference. */
const yamlOf = (doc: unknown): string => stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
const yamlRead = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS() as unknown);

/** The bench's cluster of 12 nodes: 3 control planes and a pool of 9 workers (tools/bench.ts). */
const twelve = (): ClusterSpec => {
  const r = resolveStackConfig(benchConfig(12), "bench");
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join("\n"));
  return r.spec;
};

const edge = (over: Partial<Pool>): Pool => ({
  name: "edge",
  count: 2,
  serverType: "cpx42",
  location: "fsn1",
  labels: { "example.com/tier": "edge", "topology.kubernetes.io/zone": "fsn1-dc14", "example.com/empty": "" },
  taints: [
    { key: "example.com/edge", value: "true", effect: "NoSchedule" },
    { key: "example.com/drain", value: "", effect: "NoExecute" },
  ],
  ...over,
});

/** Every patch document of a spec: both roles' (IPv4 and IPv6 SANs), and each planned node's own. */
function patchesOf(spec: ClusterSpec, external: boolean): PatchDocument[] {
  const role = rolePatches(spec, {
    sans: ["203.0.113.10", "2001:db8::10", "10.0.1.2"],
    installerImage:
      "factory.talos.dev/hcloud-installer/376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba:v1.13.9",
    externalCloudProvider: external,
  });
  return [...role.controlplane, ...role.worker, ...planNodes(spec).flatMap((n) => nodePatches(n))];
}

const STACKS: [string, PatchDocument[]][] = [
  ["ci", patchesOf(specOf("ci"), false)],
  ["prod", patchesOf(specOf("prod"), true)],
  ["prod on IPv6 only", patchesOf(specOf("prod", { publicIPv4: false }), true)],
  ["the bench's 12 nodes", patchesOf(twelve(), true)],
  [
    "labelled and tainted pools",
    [
      ...nodePatches({ name: "x-cp-1", role: "controlplane", pool: edge({}) }),
      ...nodePatches({ name: "x-edge-1", role: "worker", pool: edge({}) }),
      ...nodePatches({ name: "x-edge-2", role: "worker", pool: edge({ labels: {}, taints: [] }) }),
    ],
  ],
];

describe("the patches' YAML, against the yaml package", () => {
  it.each(STACKS)("%s: every patch takes the fast path and prints yaml's bytes", (_what, docs) => {
    expect(docs.length).toBeGreaterThan(3);
    expect(docs.map((d) => fastYaml(d))).toEqual(docs.map(yamlOf));
    expect(toYaml(docs)).toBe(docs.map(yamlOf).join("---\n"));
  });

  it.each(STACKS)("%s: every patch is read back by the fast path to yaml's values", (_what, docs) => {
    const texts = docs.map(yamlOf);
    expect(texts.map((t) => fastDocument(t))).toEqual(texts.map((t) => yamlRead(t)[0]));
    expect(texts.flatMap(patchDocuments)).toEqual(texts.flatMap(yamlRead));
  });

  it("prints the labelled pools' quoted values (an empty label, a taint value 'true') as yaml quotes them", () => {
    const [worker] = nodePatches({ name: "x-edge-1", role: "worker", pool: edge({}) });
    expect(fastYaml(worker)).toContain('    example.com/empty: ""\n');
    expect(fastYaml(worker)).toContain('        - key: example.com/edge\n          value: "true"\n');
  });

  /** A seeded generator: the same corpus on every run. */
  const random = (seed: number) => () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const STRINGS = [
    ...["a", "off", "yes", "true", "True", "FALSE", "null", "Null", "~", "", " ", "1", "-1", "+1", "007"],
    ...["1.5", "1.", ".5", "1e5", "1E-3", "0x1F", "0o17", "0b1", ".inf", "-.Inf", ".nan", "1_000", "12:30"],
    ...["a:b", "a: b", "a:", ":a", "-", "-a", "a-", "---", "...", "?", "?a", "#a", "a#b", "a #b", "@a", "%a"],
    ...["!a", "&a", "*a", "|a", ">a", "'a'", '"a"', "a'b", 'a"b', "[a]", "{a}", "a,b", "a\nb", "a\tb", "a "],
    ...[" a", "a\\b", "10.0.0.0/8", "2001:db8::1", "::1", "node-role.kubernetes.io/control-plane", "<<"],
    ...["v1alpha1", "value:NoSchedule", "__proto__", "x".repeat(1023), "x".repeat(1024), "é", "/a", "_a"],
  ];
  const NUMBERS = [0, 1, -1, 1450, 2 ** 53 - 1, 2 ** 53, -0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e21];
  function value(next: () => number, depth: number): unknown {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const r = next();
    if (depth > 3 || r < 0.45) {
      const k = next();
      if (k < 0.6) return pick(STRINGS);
      if (k < 0.8) return pick(NUMBERS);
      if (k < 0.9) return next() < 0.5;
      return k < 0.95 ? null : undefined;
    }
    const size = Math.floor(next() * 4);
    if (r < 0.7) return Array.from({ length: size }, () => value(next, depth + 1));
    return Object.fromEntries(Array.from({ length: size }, () => [pick(STRINGS), value(next, depth + 1)]));
  }

  it("over 400 seeded awkward values: prints only yaml's bytes and reads only yaml's values", () => {
    const next = random(17);
    let printed = 0;
    let read = 0;
    const wrong: string[] = [];
    for (let i = 0; i < 400; i++) {
      const v = i % 2 ? { root: value(next, 0), other: value(next, 1) } : value(next, 0);
      const reference = yamlOf(v) as string | undefined;
      if (typeof reference !== "string") continue; // yaml prints nothing for undefined
      const fast = fastYaml(v);
      if (fast !== undefined && ++printed && fast !== reference) wrong.push(`printed ${JSON.stringify(v)}`);
      if (fastDocument(reference) !== undefined) read++;
      if (!isDeepStrictEqual(patchDocuments(reference), yamlRead(reference)))
        wrong.push(`read ${JSON.stringify(reference)}`);
    }
    expect(wrong).toEqual([]);
    // Both paths were exercised: the corpus is not all fallback.
    expect({ printed: printed > 80, read: read > 80 }).toEqual({ printed: true, read: true });
  });

  it("reads texts yaml did not print as yaml reads them (falling back where the fast path would misread)", () => {
    const texts = [
      "a:  b\n",
      "a: b # c\n",
      "a:\n- x\n- y\n",
      "a: 'x'\n",
      'a: "x\\ty"\n',
      "a: b\r\nc: d\r\n",
      "a: b",
      "a: 1\n---\nb: 2\n",
      "",
      "a: 01\n",
      "a: 0x10\n",
      "a: -0\n",
      "a: 9007199254740993\n",
      "a:\n  b: 1\n c: 2\n",
      "- a\n-  b\n",
      "a: [1, 2]\n",
      "a: {}\nb: []\n",
      "a: &x 1\nb: *x\n",
      "? a\n: b\n",
      "a: null\n",
      "a:\n",
    ];
    expect(texts.map(patchDocuments)).toEqual(texts.map(yamlRead));
  });
});

describe("the stack-trace switch, against the SDK's own lift", () => {
  it("captures no stack while the program declares, even after the SDK lifts the limit to Infinity", async () => {
    const seen = await declareOffline(() => {
      // What Resource.callsites does (@pulumi/pulumi 3.270.0 resource.js:326-347) before reading a stack.
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = Number.POSITIVE_INFINITY;
      const stack = new Error("probe").stack;
      Error.stackTraceLimit = limit;
      return { stack, limit };
    });
    expect(seen).toEqual({ stack: undefined, limit: undefined });
    expect(Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")).toMatchObject({ writable: true });
    expect(new Error("after").stack).toMatch(/^Error: after\n\s+at /);
  });
});

describe("the bench's log of warm runs", () => {
  it("prints each line the program logs once, and a line only a later run logs when it appears", async () => {
    const written: string[] = [];
    const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const run = (extra: boolean) =>
        printingNewLines(() => {
          console.log("info: [runtime] Access: the same every run");
          if (extra) console.warn("warning: only in the third run");
          return Promise.resolve(extra);
        });
      const results = [await run(false), await run(false), await run(true), await run(false)];
      expect(results).toEqual([false, false, true, false]);
    } finally {
      write.mockRestore();
    }
    expect(written).toEqual([
      "info: [runtime] Access: the same every run\n",
      "warning: only in the third run\n",
    ]);
  });

  it("hands on a run's failure after printing its log", async () => {
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const failed = printingNewLines(() => {
        console.error("error: [runtime] a failure's line");
        return Promise.reject(new Error("the run failed"));
      });
      await expect(failed).rejects.toThrow("the run failed");
      expect(write).toHaveBeenCalledWith("error: [runtime] a failure's line\n");
    } finally {
      write.mockRestore();
    }
  });
});

describe("the bench's floor", () => {
  it("declares again exactly the program's servers, config applies and gates: names, inputs, secrets, order", async () => {
    const spec = specFor(3);
    const quiet = { config: {}, secretKeys: [] };
    const { lines, result } = await withSdkLog(async () => {
      const original = (await runOffline("bench", quiet, () => program(spec))).record;
      const floor = (await runOffline("bench", quiet, floorOf(original))).record;
      return { original, floor };
    });
    expect(lines.length).toBeGreaterThan(0);
    const { original, floor } = result as NonNullable<typeof result>;
    const shape = (r: Registration) => ({
      type: r.type,
      name: r.name,
      inputs: r.inputs,
      secretInputs: r.secretInputs,
      dependsOn: r.dependsOn.length,
    });
    const node = original.resources.filter(
      (r) =>
        r.type === "hcloud:index/server:Server" ||
        r.type === "talos:machine/configurationApply:ConfigurationApply" ||
        (r.type === "command:local:Command" && r.name.startsWith("talos-roll-")),
    );
    expect(node.map((r) => r.type).filter((t) => t === "hcloud:index/server:Server")).toHaveLength(3);
    expect(node).toHaveLength(9);
    expect(floor.resources.filter((r) => r.dependsOn.length > 0).map((r) => r.name)).toEqual(
      node.filter((r) => r.type !== "hcloud:index/server:Server").map((r) => r.name),
    );
    // The roll's order stays (each apply after the gates before it, each gate after its apply); the
    // servers' dependency on the subnet, outside the floor, goes.
    expect(floor.resources.map(shape)).toEqual(
      node.map((r) => ({
        ...shape(r),
        dependsOn: r.dependsOn.filter((urn) => node.some((n) => n.urn === urn)).length,
      })),
    );
  });
});
