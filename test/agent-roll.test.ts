/**
 * The Cilium agent roll: its scripts run for real by /bin/sh against stand-ins for kubectl (with the
 * agent's cilium-dbg and cilium-health behind `kubectl exec`), hubble, date and sleep
 * (test/agent-roll-fakes.ts), node by node as Pulumi runs them: the order, the stop on a failing node
 * for each kind of check, the resume, no roll for a change that rolls nothing, the window refusal;
 * and the plan (order, batches, deadlines, duration).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import {
  AGENT_UPDATE_STRATEGY,
  baselineScript,
  planAgentRoll,
  showDuration,
  stepScript,
  stepTimeoutSeconds,
  windowEnvironment,
  parseRollWindow,
  type RollWindow,
} from "../components/agent-roll";
import { releaseTimeoutSeconds } from "../components/cilium";
import { planNodes } from "../components/config/spec";
import { FakeCluster, type FakeAgent } from "./agent-roll-fakes";
import { specOf } from "./helpers";

// The stacks run Kubernetes 1.36: the scripts ask for kubectl of that minor (upgrades/scripts.ts kubectlRange).
const BASELINE_SCRIPT = baselineScript("v1.36.x");
const STEP_SCRIPT = stepScript("v1.36.x");

const KUBECONFIG = "apiVersion: v1\n# client-key-data: SECRET-KUBECONFIG-KEY";
/** prod's nodes in roll order (the order test); the other tests roll a control plane and two workers. */
const PROD = ["prod-cp-1", "prod-cp-2", "prod-cp-3", "prod-workers-1", "prod-workers-2", "prod-workers-3"];
let NODES = ["prod-cp-1", "prod-workers-1", "prod-workers-2"];
const OLD = "aaa111";
const NEW = "bbb222";

const clusters: FakeCluster[] = [];
afterEach(() => {
  clusters.splice(0).forEach((c) => c.close());
  NODES = ["prod-cp-1", "prod-workers-1", "prod-workers-2"];
});

/** A cluster whose agents all run `revision`, with per-node overrides. */
function cluster(
  revision: string,
  overrides: Readonly<Record<string, Partial<FakeAgent>>> = {},
  tools?: readonly string[],
): FakeCluster {
  const agents = Object.fromEntries(NODES.map((n) => [n, { revision: OLD, ...overrides[n] }]));
  const c = new FakeCluster(revision, agents, tools);
  clusters.push(c);
  return c;
}

const window = (text: string): RollWindow => {
  const parsed = parseRollWindow(text);
  if (!parsed.ok || !parsed.value) throw new Error(`bad window ${text}`);
  return parsed.value;
};

/** A step's environment, as the component builds it. */
function stepEnv(node: string, baseline: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_NAME: node,
    PEER_NODE: node === NODES[0] ? (NODES[1] as string) : (NODES[0] as string),
    HUBBLE: "yes",
    DROP_WINDOW: "30",
    DROP_THRESHOLD: "10",
    BASELINE: baseline,
    ROLL_REVISION: "7",
    ...windowEnvironment(undefined),
    KUBECONFIG_CONTENT: KUBECONFIG,
    ...extra,
  };
}

/** The baseline command, as the component runs it (Hubble on, a 30 s window, release revision 7). */
const runBaseline = (c: FakeCluster) =>
  c.run(BASELINE_SCRIPT, {
    HUBBLE: "yes",
    DROP_WINDOW: "30",
    ROLL_REVISION: "7",
    KUBECONFIG_CONTENT: KUBECONFIG,
  });

/** What Pulumi keeps per step: the stdout of its last successful run. */
type Records = Record<string, string>;

/**
 * One `pulumi up` of the roll: the baseline (when given none), then each node in order, stopping at
 * the first failure; a step's record changes only when it succeeds (pulumi-command keeps the previous
 * state of a failed update).
 */
function up(
  c: FakeCluster,
  records: Records,
  options: { baseline?: string; extra?: Record<string, string> } = {},
): { baseline: string; ran: string[]; failed?: { node: string; stderr: string; status: number | null } } {
  let baseline = options.baseline;
  if (baseline === undefined) {
    const b = runBaseline(c);
    if (b.status !== 0) throw new Error(`baseline failed: ${b.stderr}`);
    baseline = b.stdout;
  }
  const ran: string[] = [];
  for (const node of NODES) {
    ran.push(node);
    const r = c.run(STEP_SCRIPT, {
      ...stepEnv(node, baseline, options.extra),
      PULUMI_COMMAND_STDOUT: records[node] ?? "",
    });
    if (r.status !== 0) return { baseline, ran, failed: { node, stderr: r.stderr, status: r.status } };
    records[node] = r.stdout;
  }
  return { baseline, ran };
}

const stopMessage = (node: string, check: string, detail: string) =>
  `agent roll stopped at ${node}: check ${check} failed: ${detail}. The nodes after it keep their old agents; fix the cause and run pulumi up again: the roll resumes at ${node} (README, "The agent roll")\n`;

/** How a roll that stopped at `node` on `check` ends: that step's exit 1 and its message. */
const stoppedAt = (node: string, check: string, detail: string) => ({
  node,
  status: 1,
  stderr: stopMessage(node, check, detail),
});

describe("the agent roll's scripts", () => {
  it("are POSIX sh with set -eu, and parse", () => {
    for (const script of [BASELINE_SCRIPT, STEP_SCRIPT]) {
      expect(script.split("\n")[0]).toBe("set -eu");
      expect(spawnSync("/bin/sh", ["-n", "-c", script]).status).toBe(0);
    }
  });

  it("record the pre-roll baseline: the cluster's dropped flows in the window, and each node's", () => {
    const c = cluster(NEW, { "prod-workers-2": { drops: 3 }, "prod-workers-1": { drops: 2 } });
    const r = runBaseline(c);
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n").filter(Boolean);
    expect(lines[0]).toBe("dropped flows in the 30 s before the agent roll (release revision 7):");
    expect(lines.slice(1).sort()).toEqual(
      ["drop-baseline: 5", "drop-baseline: prod-workers-2 3", "drop-baseline: prod-workers-1 2"].sort(),
    );
    const calls = c.lines("calls");
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(
      new RegExp(
        `^hubble observe --port-forward --port-forward-port 0 --kubeconfig ${c.dir}/tmp\\.\\w+/kubeconfig --since 30s --verdict DROPPED -o jsonpb$`,
      ),
    );
  });

  it("roll every node in order, control planes first, each replaced, Ready and checked before the next", () => {
    NODES = planAgentRoll(planNodes(specOf("prod")), {
      agentRollBatchSize: 1,
      agentRollDropWindow: 30,
      agentRollDropThreshold: 10,
    }).order as string[];
    expect(NODES).toEqual(PROD);
    const c = cluster(NEW);
    const records: Records = {};
    const r = up(c, records);
    expect(r.failed).toBeUndefined();
    expect(c.deleted()).toEqual(NODES.map((n) => `cilium-${n}-${OLD}`));
    expect(c.revisions(NODES)).toEqual(Object.fromEntries(NODES.map((n) => [n, NEW])));
    // Each node: its delete, then its new agent's status and probe, then the drop count (the
    // baseline's is the first hubble call), all before the next node's delete.
    const calls = c.lines("calls");
    const at = (line: string) => calls.indexOf(line);
    const hubble = calls.flatMap((l, i) => (l.startsWith("hubble ") ? [i] : []));
    const marks = NODES.map((n, i) => [
      at(`kubectl -n kube-system delete pod cilium-${n}-${OLD} --wait=true --timeout=120s`),
      at(`kubectl -n kube-system exec cilium-${n}-${NEW} -c cilium-agent -- cilium-dbg status --brief`),
      at(
        `kubectl -n kube-system exec cilium-${n}-${NEW} -c cilium-agent -- cilium-health status --probe --succinct`,
      ),
      hubble[i + 1] as number,
    ]);
    const flat = marks.flat();
    expect(flat.every((x) => x >= 0)).toBe(true);
    expect(flat).toEqual([...flat].sort((a, b) => a - b));
    // The drop window is waited for once per node, before its count.
    expect(c.lines("sleeps")).toEqual(NODES.map(() => "sleep 30"));
    expect(records["prod-workers-3"]?.split("\n").filter(Boolean)).toEqual([
      `prod-workers-3: rolling its agent cilium-prod-workers-3-${OLD} to revision ${NEW}`,
      `prod-workers-3: agent cilium-prod-workers-3-${NEW} is Ready`,
      "prod-workers-3: cilium status OK; the health probes reach its node and pods, and it reaches every node",
      "prod-workers-3: 0 dropped flows on the node (before the roll: 0), 0 across the cluster (before: 0) in 30 s",
      `agent-rolled: prod-workers-3 ${NEW}`,
    ]);
  });

  it("start no roll for a change that rolls nothing: every node on the current revision, checked, does nothing", () => {
    // After a roll to NEW, checked on every node (each step's record, as the order test shows them),
    // the next release change renders the same agent template: the revision stays NEW.
    const c = cluster(NEW, Object.fromEntries(NODES.map((n) => [n, { revision: NEW }])));
    const records: Records = Object.fromEntries(NODES.map((n) => [n, `agent-rolled: ${n} ${NEW}\n`]));
    const again = up(c, records);
    expect(again.failed).toBeUndefined();
    const calls = c.lines("calls");
    expect(calls.filter((l) => / delete | exec /.test(l))).toEqual([]);
    expect(calls.filter((l) => l.startsWith("hubble"))).toHaveLength(1); // the baseline only
    expect(c.lines("sleeps")).toEqual([]);
    expect(records["prod-cp-1"]).toBe(
      `prod-cp-1: its agent runs the current revision ${NEW} and was checked: nothing to roll\nagent-rolled: prod-cp-1 ${NEW}\n`,
    );
  });

  it.each([
    [
      "agent-ready",
      { neverReady: true },
      `no agent pod of revision ${NEW} became Ready on prod-workers-1 within 905 s (kubectl -n kube-system describe pod -l k8s-app=cilium --field-selector spec.nodeName=prod-workers-1)`,
    ],
    [
      "cilium-status",
      { statusBad: true },
      `cilium-dbg status --brief in cilium-prod-workers-1-${NEW} does not report OK: Cilium: Failure   Err: BPF masquerade requires NodePort (kubectl -n kube-system exec cilium-prod-workers-1-${NEW} -c cilium-agent -- cilium-dbg status --verbose)`,
    ],
  ] as const)(
    "stop at the first node whose %s check fails, leaving the nodes after it on their old agents",
    (check, flags, detail) => {
      NODES = ["prod-workers-1", "prod-workers-2"];
      const c = cluster(NEW, { "prod-workers-1": flags });
      c.speed(60);
      const r = up(c, {});
      expect(r.failed).toEqual(stoppedAt("prod-workers-1", check, detail));
      expect(c.revisions(NODES)).toEqual({ "prod-workers-1": NEW, "prod-workers-2": OLD });
    },
  );

  it("stop when the node's pods are unreachable: its own probe, and a peer's of it", () => {
    NODES = ["prod-workers-1", "prod-workers-2"];
    const c = cluster(NEW, { "prod-workers-1": { unreachable: true } });
    const r = up(c, {});
    expect(r.failed?.node).toBe("prod-workers-1");
    expect(r.failed?.stderr).toMatch(
      /^agent roll stopped at prod-workers-1: check reachability failed: the health probe from cilium-prod-workers-1-bbb222 does not reach every node and health endpoint: Cluster health: {3}x\/y reachable {3}\(2026-12-01T02:10:00Z\); {2}Name {3}IP {3}Node {3}Endpoints;/,
    );
    expect(r.failed?.stderr).toContain(
      "  default/prod-workers-1 (localhost)   10.0.1.1   unreachable   unreachable;",
    );
    // Three probes, 20 s apart, before it gives up.
    expect(
      c
        .lines("calls")
        .filter((l) => l.includes("cilium-prod-workers-1-bbb222") && l.includes("cilium-health")),
    ).toHaveLength(3);
    expect(c.revisions(NODES)["prod-workers-2"]).toBe(OLD);
  });

  it("stop when the rolled node drops more flows than its pre-roll baseline plus the threshold", () => {
    NODES = ["prod-workers-1", "prod-workers-2"];
    const c = cluster(NEW, { "prod-workers-1": { drops: 2, after: { "prod-workers-1": 13 } } });
    const r = up(c, {});
    expect(r.failed).toEqual(
      stoppedAt(
        "prod-workers-1",
        "hubble-drops",
        "Hubble saw 13 dropped flows on prod-workers-1 in the 30 s after its roll, against 2 before the roll (threshold: 10 more) (hubble observe --port-forward --verdict DROPPED --node-name '*/prod-workers-1')",
      ),
    );
    expect(c.revisions(NODES)["prod-workers-2"]).toBe(OLD);
  });

  it("allow drops up to the threshold over the baseline, and stop on the cluster's count when no node alone exceeds it", () => {
    NODES = ["prod-workers-1", "prod-workers-2"];
    const fine = cluster(NEW, { "prod-workers-1": { drops: 2, after: { "prod-workers-1": 12 } } });
    expect(up(fine, {}).failed).toBeUndefined();
    // prod-workers-1's roll adds 6 drops on each of two other nodes: +12 across the cluster, none on itself.
    const spread = cluster(NEW, {
      "prod-workers-1": { after: { "prod-workers-2": 6, "prod-workers-3": 6 } },
    });
    const r = up(spread, {});
    expect(r.failed).toEqual(
      stoppedAt(
        "prod-workers-1",
        "hubble-drops",
        "Hubble saw 12 dropped flows across the cluster in the 30 s after prod-workers-1's roll, against 0 before the roll (threshold: 10 more) (hubble observe --port-forward --verdict DROPPED)",
      ),
    );
  });

  it("stop when Hubble's relay cannot be read after a node, and refuse to start without a baseline", () => {
    // With the relay up, the baseline reads it (the roll's steps are the other tests').
    const up0 = runBaseline(cluster(NEW));
    expect([up0.status, up0.stdout]).toEqual([0, expect.stringContaining("drop-baseline: 0")]);
    const d = cluster(NEW);
    d.flag("hubble-down");
    const b = runBaseline(d);
    expect([b.status, b.stderr]).toEqual([
      1,
      "failed to connect to 'localhost:0': port-forward failed\ncould not read the dropped flows before the agent roll from Hubble's relay (hubble observe --port-forward): no node was rolled\n",
    ]);
    const r = up(d, {}, { baseline: "drop-baseline: 0\n" });
    expect(r.failed?.stderr).toBe(
      "failed to connect to 'localhost:0': port-forward failed\n" +
        stopMessage(
          "prod-cp-1",
          "hubble-drops",
          "could not read the dropped flows from Hubble's relay (hubble observe --port-forward)",
        ),
    );
  });

  it("resume at the failed node: finished nodes do nothing, the failed one is checked again without a new roll, the rest roll", () => {
    const c = cluster(NEW, { "prod-workers-1": { statusBad: true } });
    const records: Records = {};
    const first = up(c, records);
    expect(first.failed?.node).toBe("prod-workers-1");
    // The cause is fixed (say, a values fix that keeps the revision, or the node recovered).
    c.flag("status-bad", "prod-workers-1", false);
    const deletedBefore = c.deleted().length;
    const second = up(c, records, { baseline: first.baseline });
    expect(second.failed).toBeUndefined();
    expect(c.deleted().slice(deletedBefore)).toEqual([`cilium-prod-workers-2-${OLD}`]);
    expect(records["prod-cp-1"]).toContain("was checked: nothing to roll");
    expect(records["prod-workers-1"]?.split("\n")[0]).toBe(
      `prod-workers-1: its agent cilium-prod-workers-1-${NEW} runs the current revision ${NEW}, unchecked: checking it`,
    );
    expect(records["prod-workers-1"]).toContain(`agent-rolled: prod-workers-1 ${NEW}`);
  });

  it("wait for a pod a previous run deleted, then check it", () => {
    const c = cluster(NEW);
    // The previous run was interrupted between the delete and the new pod: no agent on the node yet.
    c.flag("pods", "prod-cp-1", false);
    c.speed(100);
    const r = c.run(STEP_SCRIPT, {
      ...stepEnv("prod-cp-1", "drop-baseline: 0\n"),
      PULUMI_COMMAND_STDOUT: "",
    });
    expect(r.status).toBe(1);
    expect(r.stdout.split("\n")[0]).toBe(
      "prod-cp-1: no running agent (a previous run deleted it): waiting for the new one",
    );
    expect(c.deleted()).toEqual([]);
  });

  describe("the roll window", () => {
    const berlin = windowEnvironment(window("Mon-Thu 02:00-05:00 Europe/Berlin"));

    it("refuses to start a node outside it, says when it opens, and leaves every agent as it was", () => {
      const c = cluster(NEW);
      c.clock(5, "14:02"); // Friday afternoon in Berlin
      const r = up(c, {}, { extra: berlin });
      expect(r.failed).toEqual(
        stoppedAt(
          "prod-cp-1",
          "window",
          "outside the roll window Mon-Thu 02:00-05:00 Europe/Berlin (it is Fri 14:02 Europe/Berlin), so prod-cp-1 keeps its old agent; the window opens Mon 02:00 Europe/Berlin: run pulumi up then",
        ),
      );
      expect(c.deleted()).toEqual([]);
      expect(c.lines("clock-reads")).toEqual(["+%u %H %M TZ=Europe/Berlin"]);
    });

    it("says the same day's opening before the window, and rolls inside it", () => {
      const c = cluster(NEW);
      c.clock(2, "01:59");
      expect(up(c, {}, { extra: berlin }).failed?.stderr).toContain(
        "(it is Tue 01:59 Europe/Berlin), so prod-cp-1 keeps its old agent; the window opens Tue 02:00 Europe/Berlin",
      );
      c.clock(4, "04:59");
      expect(up(c, {}, { extra: berlin }).failed).toBeUndefined();
      expect(c.deleted()).toHaveLength(NODES.length);
    });

    it("checks an already rolled node outside the window (it changes nothing), but starts no new one", () => {
      const c = cluster(NEW, { "prod-cp-1": { revision: NEW } });
      c.clock(4, "05:00"); // the end is exclusive
      const r = up(c, {}, { extra: berlin });
      expect(r.failed?.node).toBe("prod-workers-1");
      expect(r.failed?.stderr).toContain("check window failed: outside the roll window");
      expect(r.failed?.stderr).toContain("the window opens Mon 02:00 Europe/Berlin");
    });

    it("fails closed when the runner has no tz data for the zone", () => {
      const c = cluster(NEW);
      const r = c.run(STEP_SCRIPT, {
        ...stepEnv(
          "prod-cp-1",
          "drop-baseline: 0\n",
          windowEnvironment(window("Mon-Sun 00:00-24:00 America/New_York")),
        ),
        PULUMI_COMMAND_STDOUT: "",
      });
      expect([r.status, r.stderr]).toEqual([
        1,
        stopMessage(
          "prod-cp-1",
          "window",
          `the runner's time zone database (${c.zones}) has no America/New_York, so it cannot tell whether the roll window Mon-Sun 00:00-24:00 America/New_York is open; install tzdata (or set TZDIR)`,
        ),
      ]);
    });
  });

  it("fail clearly without kubectl or hubble, and need no hubble when Hubble's relay is off", () => {
    const none = cluster(NEW, {}, []);
    const r = none.run(STEP_SCRIPT, { ...stepEnv("prod-cp-1", ""), PATH: `${none.bin}:/nonexistent` });
    expect([r.status, r.stderr]).toEqual([
      127,
      'kubectl is required on the machine running pulumi: install kubectl v1.36.x and put it on PATH (README, "The agent roll")\n',
    ]);
    const noHubble = cluster(NEW, {}, ["kubectl"]);
    const h = noHubble.run(STEP_SCRIPT, {
      ...stepEnv("prod-cp-1", ""),
      PATH: `${noHubble.bin}:/usr/bin:/bin`,
    });
    expect([h.status, h.stderr]).toEqual([
      127,
      'hubble is required on the machine running pulumi: install hubble v1.19.x and put it on PATH (README, "The agent roll")\n',
    ]);
    const off = noHubble.run(STEP_SCRIPT, {
      ...stepEnv("prod-cp-1", "", { HUBBLE: "no" }),
      PATH: `${noHubble.bin}:/usr/bin:/bin`,
    });
    expect(off.status).toBe(0);
    expect(noHubble.lines("sleeps")).toEqual([]);
  });

  it("hand kubectl the kubeconfig in a private file, deleted afterwards, never printed", () => {
    NODES = ["prod-cp-1"];
    const c = cluster(NEW);
    c.flag("log-configs");
    const records: Records = {};
    up(c, records);
    const files = new Set(c.lines("configs").map((l) => l.split(" ")[0]));
    expect([...new Set(c.lines("configs").map((l) => l.split(" ")[1]))]).toEqual(["600"]);
    expect(c.read("config-content")).toBe(`${KUBECONFIG}\n`);
    expect([...files].every((f) => !existsSync(f as string))).toBe(true);
    expect(Object.values(records).join("")).not.toContain("SECRET-KUBECONFIG-KEY");
  });
});

describe("the agent roll's plan", () => {
  const nodes = planNodes(specOf("prod"));
  const settings = { agentRollBatchSize: 1, agentRollDropWindow: 30, agentRollDropThreshold: 10 };

  it("sets the agent DaemonSet to OnDelete, without the chart's rollingUpdate", () => {
    expect(AGENT_UPDATE_STRATEGY).toEqual({ type: "OnDelete", rollingUpdate: null });
  });

  it("rolls control planes one at a time first, then workers in batches of agentRollBatchSize", () => {
    const plan = planAgentRoll([...nodes].reverse(), { ...settings, agentRollBatchSize: 2 });
    expect(plan.batches).toEqual([
      ["prod-cp-3"],
      ["prod-cp-2"],
      ["prod-cp-1"],
      ["prod-workers-3", "prod-workers-2"],
      ["prod-workers-1"],
    ]);
    expect(planAgentRoll(nodes, settings).order).toEqual(PROD);
  });

  it("derives every deadline from the chart's probes, the window and the number of batches", () => {
    // 60 observed + 120 delete + (600 + 5 + 300) ready + 150 status + 240 probes + 60 hubble + 30 window.
    expect(stepTimeoutSeconds(30)).toBe(1565);
    const one = planAgentRoll(nodes, settings);
    expect([one.stepTimeoutSeconds, one.rollTimeoutSeconds]).toEqual([1565, 6 * 1565]);
    expect(one.expectedSeconds).toEqual({ min: 6 * (25 + 30), max: 6 * (100 + 30) });
    const two = planAgentRoll(nodes, { ...settings, agentRollBatchSize: 3 });
    expect([two.batches.length, two.rollTimeoutSeconds, two.expectedSeconds]).toEqual([
      4,
      4 * 1565,
      { min: 4 * 55, max: 4 * 130 },
    ]);
    expect([showDuration(45), showDuration(330), showDuration(780), showDuration(9390)]).toEqual([
      "45 s",
      "6 min",
      "13 min",
      "2 h 37 min",
    ]);
  });

  it("gives the release a timeout that no agent roll needs, growing with Envoy's roll of the nodes", () => {
    expect([releaseTimeoutSeconds(2), releaseTimeoutSeconds(6), releaseTimeoutSeconds(100)]).toEqual([
      1200, 1200, 6600,
    ]);
  });
});
