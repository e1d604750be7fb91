/**
 * The plan command as users and tools run it: `npm run plan -- --stack <name> [--config-file] [--json]`.
 * Its JSON is a stable interface (architecture.md); an invalid stack exits 1 listing every problem.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ciliumValues } from "../components/datapath/values";
import { parseArgs, render } from "../tools/plan";
import { buildPlan } from "../tools/planner";
import { importFresh, runTool, specOf, type CliRun } from "./helpers";

/** Runs the plan command as a user does, in its own process. */
const plan = (...args: string[]): Promise<CliRun> => runTool("plan", args);

/** A stack file in a temporary folder. */
function stackFile(name: string, lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "plan-")), `Pulumi.${name}.yaml`);
  writeFileSync(file, ["config:", ...lines, ""].join("\n"));
  return file;
}

// One real process proves the command's wiring and exit code; the other cases call the same
// functions in-process (a process costs a second of CPU to start).
let brokenRun: CliRun;
beforeAll(async () => {
  const broken = stackFile("broken", [
    "  hcloud-talos-cilium:adminCidrs: [203.0.113.0/24]",
    "  hcloud-talos-cilium:hubble: false",
    "  hcloud-talos-cilium:datapathMode: netkit",
  ]);
  brokenRun = await plan("--stack", "broken", "--config-file", broken, "--json");
}, 60_000);

describe("npm run plan", () => {
  it("prints the ci stack's plan as JSON with no problems and the exact Helm values", async () => {
    const out = JSON.parse(JSON.stringify(await buildPlan("ci", undefined, importFresh))) as Record<
      string,
      unknown
    >;
    expect(Object.keys(out)).toEqual([
      "stack",
      "problems",
      "warnings",
      "knobs",
      "resources",
      "ciliumValues",
      "talos",
    ]);
    expect(out.stack).toBe("ci");
    expect(out.problems).toEqual([]);
    expect(out.knobs).toEqual(specOf("ci").knobs);
    expect(out.ciliumValues).toEqual(ciliumValues(specOf("ci")));
  });

  it("lists every prod resource with its parent, the release values and the Talos patches per role and node", async () => {
    // In-process (the same function the command calls), through JSON as the command prints it.
    const out = JSON.parse(JSON.stringify(await buildPlan("prod", undefined, importFresh))) as {
      resources: { type: string; name: string; parent: string }[];
      ciliumValues: unknown;
      talos: {
        controlplane: { kind?: string }[];
        worker: { kind?: string }[];
        nodes: Record<string, { kind?: string; hostname?: string }[]>;
      };
    };
    expect(out.resources.filter((x) => x.type === "hcloud:index/server:Server")).toEqual(
      ["prod-cp-1", "prod-cp-2", "prod-cp-3", "prod-workers-1", "prod-workers-2", "prod-workers-3"].map(
        (n) => ({ type: "hcloud:index/server:Server", name: `nodes-${n}`, parent: "nodes" }),
      ),
    );
    expect(out.resources).toContainEqual({
      type: "kubernetes:helm.sh/v3:Release",
      name: "cilium-release",
      parent: "cilium",
    });
    expect(out.resources).toContainEqual({
      type: "talos:machine/bootstrap:Bootstrap",
      name: "talos-bootstrap",
      parent: "talos",
    });
    expect(out.ciliumValues).toEqual(ciliumValues(specOf("prod")));
    expect(out.talos.controlplane.map((d) => d.kind ?? "v1alpha1 patch")).toEqual([
      "v1alpha1 patch",
      "LinkConfig",
      "DHCPv4Config",
    ]);
    expect(out.talos.worker.map((d) => d.kind ?? "v1alpha1 patch")).toEqual([
      "v1alpha1 patch",
      "LinkConfig",
      "DHCPv4Config",
    ]);
    expect(Object.keys(out.talos.nodes)).toEqual([
      "prod-cp-1",
      "prod-cp-2",
      "prod-cp-3",
      "prod-workers-1",
      "prod-workers-2",
      "prod-workers-3",
    ]);
    expect(out.talos.nodes["prod-workers-2"]).toEqual([
      { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: "prod-workers-2" },
    ]);
  });

  it("exits 1 on a stack file with two broken rules, listing both and declaring nothing", () => {
    const r = brokenRun;
    expect(r.status).toBe(1);
    const out = JSON.parse(r.stdout) as {
      problems: { key: string; message: string }[];
      resources: unknown[];
    };
    expect(out.problems.map((p) => p.key)).toEqual([
      "hcloud-talos-cilium:datapathMode",
      "hcloud-talos-cilium:hubbleRelay",
    ]);
    expect(out.problems[0]?.message).toMatch(
      /^hcloud-talos-cilium:datapathMode = "netkit": the agent refuses to start: "netkit connector not available/,
    );
    expect(out.problems[1]?.message).toMatch(
      /^hcloud-talos-cilium:hubbleRelay = true: the chart fails: "Hubble Relay requires .Values.hubble.enabled=true"/,
    );
    expect(out.resources).toEqual([]);
  });

  it("prints the problems for a person without --json", async () => {
    const file = stackFile("x", ["  hcloud-talos-cilium:adminCidrs: []"]);
    expect(render(await buildPlan("x", file, importFresh))).toContain(
      "1 problem(s); nothing would be created or changed:\n  ✗ hcloud-talos-cilium:adminCidrs = []: nothing could reach",
    );
  });

  it("prints the resource tree and the values for a person", async () => {
    const text = render(await buildPlan("ci", undefined, importFresh));
    expect(text).toContain("Resources (");
    expect(text).toContain(
      "hcloud-talos-cilium:hetzner:TalosNodes  nodes\n  hcloud:index/server:Server  nodes-ci-cp-1\n  hcloud:index/server:Server  nodes-ci-workers-1",
    );
    expect(text).toContain("Cilium Helm values:\n");
    expect(text).toContain("Talos patches (controlplane):\n");
  });
});

describe("plan arguments", () => {
  it("parses --stack, --config-file and --json", () => {
    expect(parseArgs(["--stack", "ci", "--config-file", "x.yaml", "--json"])).toEqual({
      stack: "ci",
      configFile: "x.yaml",
      json: true,
    });
  });

  it("refuses a missing --stack and unknown flags with the usage", () => {
    expect(() => parseArgs(["--json"])).toThrow(
      "--stack is required\nusage: npm run plan -- --stack <name> [--config-file <path>] [--json]",
    );
    expect(() => parseArgs(["--stack", "ci", "--yes"])).toThrow('unexpected argument "--yes"');
  });
});
