/**
 * The agent roll component under the mock engine: the baseline, one command per node in the roll's
 * batches (control planes one at a time, then workers in batches of agentRollBatchSize), exactly the
 * scripts and environments, the kubeconfig secret; and in the program, after the release and the
 * config roll, before the Talos upgrades.
 */
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import {
  AgentRoll,
  baselineScript,
  stepScript,
  windowEnvironment,
  parseRollWindow,
} from "../components/agent-roll";
import { planNodes, type ClusterSpec } from "../components/config/spec";
import { declareOffline, registration, settle, startEngine, type EngineRecord } from "../tools/mock-engine";
import { buildPlan } from "../tools/planner";
import { importFresh, PROD_NODE_NAMES, runStack, specOf } from "./helpers";

// The stacks run Kubernetes 1.36: the scripts ask for kubectl of that minor (upgrades/scripts.ts kubectlRange).
const BASELINE_SCRIPT = baselineScript("v1.36.x");
const STEP_SCRIPT = stepScript("v1.36.x");

/** A stand-in for what the roll waits for (the release). */
class StandIn extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Release", name, {});
  }
}

const KUBECONFIG = "apiVersion: v1\n# client-key-data: K";

async function build(spec: ClusterSpec): Promise<EngineRecord> {
  const record = await startEngine({ project: "hcloud-talos-cilium", stack: spec.stack });
  await declareOffline(() => {
    const release = new StandIn("cilium-release");
    new AgentRoll("cilium-agents", {
      spec,
      nodes: planNodes(spec),
      kubeconfig: pulumi.secret(KUBECONFIG),
      revision: pulumi.output("7"),
      after: [release],
    });
  });
  return record;
}

afterEach(settle);

const names = (record: EngineRecord, urns: readonly string[]) =>
  urns.map((u) => record.resources.find((r) => r.urn === u)?.name ?? u);

describe("the agent roll component", () => {
  it("declares the baseline after the release, then one step per node, each batch after the one before", async () => {
    const spec = specOf("prod", {
      agentRollBatchSize: 2,
      workerPools: [{ name: "workers", count: 3, serverType: "cpx42", location: "fsn1" }],
    });
    const record = await build(spec);
    const commands = record.resources.filter((r) => r.type === "command:local:Command");
    // Every step also holds the baseline's stdout, so it depends on the baseline too.
    const B = "cilium-agents-baseline";
    expect(commands.map((c) => [c.name, names(record, c.dependsOn)])).toEqual([
      [B, ["cilium-release"]],
      ["cilium-agents-prod-cp-1", [B]],
      ["cilium-agents-prod-cp-2", ["cilium-agents-prod-cp-1", B]],
      ["cilium-agents-prod-cp-3", ["cilium-agents-prod-cp-2", B]],
      ["cilium-agents-prod-workers-1", ["cilium-agents-prod-cp-3", B]],
      ["cilium-agents-prod-workers-2", ["cilium-agents-prod-cp-3", B]],
      ["cilium-agents-prod-workers-3", ["cilium-agents-prod-workers-1", "cilium-agents-prod-workers-2", B]],
    ]);
    const component = registration(record, "cilium-agents");
    expect(component.type).toBe("hcloud-talos-cilium:agent-roll:AgentRoll");
    expect(commands.map((c) => c.parent)).toEqual(commands.map(() => component.urn));
  });

  it("gives each step the scripts, its node, a peer, the drop settings, the baseline, the revision, the window and the kubeconfig as a secret", async () => {
    const spec = specOf("prod", {
      rollWindow: "Mon-Thu 02:00-05:00 Europe/Berlin",
      agentRollDropWindow: 45,
      agentRollDropThreshold: 20,
    });
    const record = await build(spec);
    const step = registration(record, "cilium-agents-prod-workers-2");
    const window = parseRollWindow("Mon-Thu 02:00-05:00 Europe/Berlin");
    expect(step.inputs).toEqual({
      interpreter: ["/bin/sh", "-c"],
      create: STEP_SCRIPT,
      update: STEP_SCRIPT,
      environment: {
        NODE_NAME: "prod-workers-2",
        PEER_NODE: "prod-cp-1",
        HUBBLE: "yes",
        DROP_WINDOW: "45",
        DROP_THRESHOLD: "20",
        // The baseline's stdout: the offline engine's commands print nothing (tools/mocks/command.ts).
        BASELINE: "",
        ROLL_REVISION: "7",
        ...windowEnvironment(window.ok ? window.value : undefined),
        KUBECONFIG_CONTENT: KUBECONFIG,
      },
    });
    expect(step.inputs.environment).toMatchObject({
      ROLL_WINDOW: "Mon-Thu 02:00-05:00 Europe/Berlin",
      ROLL_WINDOW_DAYS: "1 2 3 4",
      ROLL_WINDOW_START: "120",
      ROLL_WINDOW_END: "300",
      ROLL_WINDOW_ZONE: "Europe/Berlin",
    });
    expect(step.secretInputs).toEqual(["environment"]);
    expect(registration(record, "cilium-agents-prod-cp-1").inputs.environment).toMatchObject({
      PEER_NODE: "prod-cp-2",
    });
    const baseline = registration(record, "cilium-agents-baseline");
    expect(baseline.inputs).toEqual({
      interpreter: ["/bin/sh", "-c"],
      create: BASELINE_SCRIPT,
      update: `printf '%s\\n' "\${PULUMI_COMMAND_STDOUT:-}"`,
      environment: { HUBBLE: "yes", DROP_WINDOW: "45", ROLL_REVISION: "7", KUBECONFIG_CONTENT: KUBECONFIG },
      triggers: ["7"],
    });
    expect(baseline.secretInputs).toEqual(["environment"]);
  });

  it("checks no drops when Hubble's relay is off", async () => {
    const record = await build(specOf("ci", { hubbleRelay: false, hubbleUI: false }));
    expect(registration(record, "cilium-agents-ci-cp-1").inputs.environment).toMatchObject({ HUBBLE: "no" });
  });
});

describe("the agent roll in the program", () => {
  it("runs after the release and the config roll, and the Talos upgrades wait for its last batch", async () => {
    const { record } = await runStack("prod");
    const deps = (name: string) => names(record, registration(record, name).dependsOn);
    // The kubeconfig (its server: the first control plane's address) brings its own dependencies.
    expect(deps("cilium-agents-baseline")).toEqual([
      "talos-roll-prod-workers-3",
      "cilium-release",
      "talos-kubeconfig",
      "nodes-prod-cp-1",
    ]);
    expect(deps("upgrades-prod-cp-1")).toContain("cilium-agents-prod-workers-3");
    const env = registration(record, "cilium-agents-prod-cp-1").inputs.environment as Record<string, string>;
    expect(env.KUBECONFIG_CONTENT).toContain("server: https://");
  });
});

describe("the agent roll in the plan JSON", () => {
  it("shows the update strategy the release declares and the roll's steps, batches and deadlines", async () => {
    const plan = JSON.parse(JSON.stringify(await buildPlan("prod", undefined, importFresh))) as {
      agentRoll: Record<string, unknown> & {
        steps: { node: string; resource: string; waitsFor: string[] }[];
      };
    };
    const { steps, ...rest } = plan.agentRoll;
    expect(rest).toEqual({
      updateStrategy: { type: "OnDelete", rollingUpdate: null },
      batchSize: 1,
      dropWindowSeconds: 30,
      dropThreshold: 10,
      rollWindow: "Mon-Thu 02:00-05:00 Europe/Berlin",
      baseline: "cilium-agents-baseline",
      batches: PROD_NODE_NAMES.map((n) => [n]),
      stepTimeoutSeconds: 1565,
      rollTimeoutSeconds: 9390,
      expectedSeconds: { min: 330, max: 780 },
    });
    // Each step after the one before (the first after the baseline), and after the release.
    const order = PROD_NODE_NAMES;
    expect(steps.map((s) => [s.node, s.resource, s.waitsFor[0]])).toEqual(
      order.map((n, i) => [
        n,
        `cilium-agents-${n}`,
        i === 0 ? "cilium-agents-baseline" : `cilium-agents-${order[i - 1]}`,
      ]),
    );
    expect(steps.every((s) => s.waitsFor.includes("cilium-release"))).toBe(true);
  });
});
