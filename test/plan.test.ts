/**
 * The plan command as users and tools run it: `npm run plan -- --stack <name> [--config-file] [--json]
 * [--out]`. Its JSON is a stable interface (architecture.md); an invalid stack exits 1 listing every
 * problem; paths are the caller's (npm's INIT_CWD); the program's log is printed once.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ciliumValues } from "../components/cilium/values";
import { parseArgs, planLog, render, withSdkLog } from "../tools/plan";
import { buildPlan, type Plan } from "../tools/planner";
import type { Logged } from "../tools/offline-log";
import { importFresh, PROD_NODE_NAMES, runTool, specOf, type CliRun } from "./helpers";

/** The prod plan, built once in-process (the same function the command calls), through JSON as it prints it. */
let prodOnce: Promise<Plan> | undefined;
const prodPlan = (): Promise<Plan> =>
  (prodOnce ??= buildPlan("prod", undefined, importFresh).then((p) => JSON.parse(JSON.stringify(p)) as Plan));

/** The ci plan, built once in-process with the program's log captured, as the command runs it. */
let ciOnce: Promise<Logged<Plan>> | undefined;
const ciRun = (): Promise<Logged<Plan>> =>
  (ciOnce ??= withSdkLog(() => buildPlan("ci", undefined, importFresh)));
const ciPlan = async (): Promise<Plan> => (await ciRun()).result as Plan;

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
  // As `npm run` starts it: in the package root, the caller's directory in INIT_CWD; the paths given
  // are relative to the caller's, and `--stack=<name>` is one word.
  brokenRun = await runTool(
    "plan",
    ["--stack=broken", "--config-file", "Pulumi.broken.yaml", "--json", "--out", "out/plan.json"],
    {
      env: { ...process.env, INIT_CWD: dirname(broken) },
    },
  );
  brokenJson = readFileSync(join(dirname(broken), "out", "plan.json"), "utf8");
}, 60_000);
let brokenJson: string;

describe("npm run plan", () => {
  it("prints the ci stack's plan as JSON with no problems and the exact Helm values", async () => {
    const out = JSON.parse(JSON.stringify(await ciPlan())) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual([
      "stack",
      "problems",
      "warnings",
      "knobs",
      "resources",
      "ciliumValues",
      "talos",
      "serverTypes",
      "exposure",
      "agentRoll",
    ]);
    expect(out.stack).toBe("ci");
    expect(out.problems).toEqual([]);
    expect(out.knobs).toEqual(specOf("ci").knobs);
    expect(out.ciliumValues).toEqual(ciliumValues(specOf("ci")));
  });

  it("lists every prod resource with its parent, the release values and the Talos patches per role and node", async () => {
    const out = (await prodPlan()) as unknown as {
      resources: { type: string; name: string; parent: string; protect: boolean }[];
      ciliumValues: unknown;
      talos: {
        controlplane: { kind?: string }[];
        worker: { kind?: string }[];
        nodes: Record<string, { kind?: string; hostname?: string }[]>;
      };
    };
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(out.resources.filter((x) => x.type === "hcloud:index/server:Server").sort(byName)).toEqual(
      PROD_NODE_NAMES.map((n) => ({
        type: "hcloud:index/server:Server",
        name: `nodes-${n}`,
        parent: "nodes",
        protect: true,
      })),
    );
    expect(out.resources).toContainEqual({
      type: "kubernetes:helm.sh/v3:Release",
      name: "cilium-release",
      parent: "cilium",
      protect: true,
    });
    expect(out.resources).toContainEqual({
      type: "talos:machine/bootstrap:Bootstrap",
      name: "talos-bootstrap",
      parent: "talos",
      protect: false,
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
    expect(Object.keys(out.talos.nodes)).toEqual(PROD_NODE_NAMES);
    expect(out.talos.nodes["prod-workers-2"]).toEqual([
      { apiVersion: "v1alpha1", kind: "HostnameConfig", auto: "off", hostname: "prod-workers-2" },
    ]);
  });

  it("exits 1 on a stack file with two broken rules, listing both and declaring nothing (into --out)", () => {
    const r = brokenRun;
    expect([r.status, r.stdout, r.stderr]).toEqual([1, "", ""]);
    const out = JSON.parse(brokenJson) as {
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
    const text = render(await ciPlan());
    expect(text).toContain("Resources (");
    expect(text).toContain(
      "hcloud-talos-cilium:hetzner:TalosNodes  nodes\n  hcloud:index/primaryIp:PrimaryIp  nodes-ci-cp-1-ipv4\n",
    );
    expect(text).toContain("\n  hcloud:index/server:Server  nodes-ci-cp-1\n");
    expect(text).toContain(
      "\nFirewall (the servers' public interfaces; everything else inbound is denied):\n  in tcp 6443 from 0.0.0.0/0, ::/0  (Kubernetes API from admins)\n",
    );
    expect(text).toContain("\nLoad balancer (private network only):\n  tcp 6443 -> 6443\n");
    expect(text).toContain("\nKubernetes API: first-control-plane (ci-cp-1); runnerAccess: admin-cidrs\n");
    expect(text).toContain(
      "\nServer types checked against the offline snapshot of Hetzner's server types of 2026-08-21 (a real preview asks the Hetzner API).\n",
    );
    expect(text).toContain("Cilium Helm values:\n");
    expect(text).toContain("Talos patches (controlplane):\n");
  });
});

describe("the prod plan's exposure, for an offline review", () => {
  let prod: Plan;
  beforeAll(async () => {
    prod = await prodPlan();
  }, 60_000);

  it("shows the load balancer private, with the Kubernetes API and no 50000 service", () => {
    expect(prod.exposure?.loadBalancer).toEqual({
      publicInterface: false,
      services: [{ protocol: "tcp", listenPort: 6443, destinationPort: 6443 }],
    });
  });

  it("shows the firewall's rules: 6443 and 50000 from adminCidrs only (no runner this run), ICMP", () => {
    expect(prod.exposure?.firewall).toEqual([
      {
        description: "Kubernetes API from admins",
        direction: "in",
        protocol: "tcp",
        port: "6443",
        sourceIps: ["203.0.113.0/24"],
      },
      {
        description: "Talos API from admins",
        direction: "in",
        protocol: "tcp",
        port: "50000",
        sourceIps: ["203.0.113.0/24"],
      },
      {
        description: "ICMP (path-MTU discovery, ping)",
        direction: "in",
        protocol: "icmp",
        sourceIps: ["0.0.0.0/0", "::/0"],
      },
    ]);
    expect(prod.exposure?.access).toEqual({
      kubernetesApi: "first-control-plane",
      apiNode: "prod-cp-1",
      runnerAccess: "runner-ip",
    });
  });

  it("shows which resources are protected", () => {
    expect(
      prod.resources
        .filter((r) => r.protect)
        .map((r) => r.name)
        .sort(),
    ).toEqual(
      [
        "cilium-release",
        "nodes-prod-cp-1",
        "nodes-prod-cp-1-ipv4",
        "nodes-prod-cp-2",
        "nodes-prod-cp-3",
        "nodes-prod-workers-1",
        "nodes-prod-workers-2",
        "nodes-prod-workers-3",
        "prod-api-lb",
        "prod-firewall",
        "prod-network",
        "prod-subnet",
        "talos-secrets",
      ].sort(),
    );
  });

  it("says the server types were checked against the dated snapshot, with their architectures", () => {
    expect(prod.serverTypes).toEqual({
      source: "snapshot",
      date: "2026-08-21",
      description:
        "the offline snapshot of Hetzner's server types of 2026-08-21 (a real preview asks the Hetzner API)",
      types: { cpx32: "x86", cpx42: "x86" },
    });
  });

  it("reads DEPLOY_RUNNER_IP from its environment, as the program does, and refuses a bad one", async () => {
    process.env.DEPLOY_RUNNER_IP = "192.0.2.7/32";
    try {
      const plan = await buildPlan("prod", undefined, importFresh);
      expect([plan.problems.map((p) => p.key), plan.resources]).toEqual([["DEPLOY_RUNNER_IP"], []]);
    } finally {
      delete process.env.DEPLOY_RUNNER_IP;
    }
  });
});

describe("bad input the plan refuses, declaring nothing", () => {
  it.each([
    [
      "a plain-text hcloud:token in the stack file",
      ["  hcloud:token: abc123", "  hcloud-talos-cilium:adminCidrs: [198.51.100.0/24]"],
      "hcloud:token",
      "hcloud:token is set in plain text in the stack's config (its value is not shown)",
    ],
    [
      "a server type Hetzner does not have",
      [
        "  hcloud-talos-cilium:adminCidrs: [198.51.100.0/24]",
        "  hcloud-talos-cilium:workerPools: [{name: workers, count: 1, serverType: cpx99, location: fsn1}]",
      ],
      "hcloud-talos-cilium:workerPools",
      'hcloud-talos-cilium:workerPools[0].serverType = "cpx99": the offline snapshot of Hetzner\'s server types of 2026-08-21 (a real preview asks the Hetzner API) has no server type "cpx99".',
    ],
  ])("%s", async (_what, lines, key, message) => {
    const plan = await buildPlan("x", stackFile("x", lines), importFresh);
    expect(plan.problems.map((p) => p.key)).toEqual([key]);
    expect(plan.problems[0]?.message).toContain(message);
    expect(plan.problems[0]?.message).not.toContain("abc123");
    expect([plan.resources, plan.exposure]).toEqual([[], undefined]);
  });
});

describe("plan arguments", () => {
  it("parses --stack (also as --stack=ci), --config-file, --json and --out, paths from the caller's directory", () => {
    const args = ["--stack=ci", "--config-file", "x.yaml", "--json", "--out", "../plan.json"];
    expect(parseArgs(args, "/home/me/work")).toEqual({
      stack: "ci",
      configFile: "/home/me/work/x.yaml",
      json: true,
      out: "/home/me/plan.json",
    });
    expect(parseArgs(["--stack", "ci"], "/x")).toEqual({
      stack: "ci",
      configFile: undefined,
      json: false,
      out: undefined,
    });
  });

  it("refuses a missing --stack, an unknown flag and a flag without its value, with the usage", () => {
    const usage = "usage: npm run plan -- --stack <name> [--config-file <path>] [--json] [--out <file>]";
    expect(() => parseArgs(["--json"])).toThrow(`--stack is required\n${usage}`);
    expect(() => parseArgs(["--stack", "ci", "--yes"])).toThrow(`Unknown option '--yes'\n${usage}`);
    expect(() => parseArgs(["--stack"])).toThrow(`Option '--stack <value>' argument missing\n${usage}`);
  });
});

describe("the program's log, printed once", () => {
  it("leaves the config warnings to the plan's list and says the offline snapshot answered the server types", async () => {
    const run = await ciRun();
    const plan = run.result as Plan;
    // The SDK did print each warning (so leaving them out is not vacuous), and the plan lists them.
    const warned = run.lines.filter((l) => l.startsWith("warning: [runtime] "));
    expect(warned).toEqual(plan.warnings.map((w) => `warning: [runtime] ${w.message}`));
    expect(warned).toHaveLength(3);
    expect(planLog(run.lines, plan)).toEqual([
      "info: Server types from the offline snapshot of Hetzner's server types of 2026-08-21 (a real preview asks the Hetzner API): cpx22 (x86), cpx32 (x86).",
      "info: [runtime] Access: the Kubernetes API is reached on ci-cp-1's public address, port 6443 (no public load balancer); the firewall opens 6443 and 50000 to adminCidrs only (runnerAccess: admin-cidrs: the runner must be inside them).",
      "info: [runtime] Server changes: not checked against the last deployment: the last deployment exported no clusterFootprint (a stack never deployed, or deployed before this check existed).",
    ]);
  });

  it("prints each line once, and a failed run's errors only as its failure", () => {
    const lines = [
      "info: [runtime] a",
      "info: [runtime] a",
      "error: [runtime] Error serializing arguments for invoke x:y:z: boom",
    ];
    expect(planLog(lines, { warnings: [] } as unknown as Plan)).toEqual([lines[0], lines[2]]);
    expect(planLog(lines, undefined)).toEqual([lines[0]]);
  });
});
