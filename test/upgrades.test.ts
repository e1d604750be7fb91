/**
 * Day-2 upgrades: the supported version changes (every refusal a table row with its message), the
 * rolling order, the scripts (run for real by /bin/sh against a stand-in talosctl), and the component
 * under the mock engine: one command per node, chained, triggered only by the versions and schematic.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it } from "vitest";
import { planNodes, type ClusterSpec } from "../components/config/spec";
import { parseTalosVersion, type TalosVersion } from "../components/core/kernel";
import { rollOrder } from "../components/rolling";
import {
  DEFAULT_SCHEMATIC_ID,
  GATE_CREATE,
  gateReboots,
  gateUpdateScript,
  kubernetesUpgradeScript,
  NO_OP_UPDATE,
  planUpgrades,
  providerApplyMode,
  selfReferenceName,
  TalosUpgrades,
  talosHealthArgs,
  talosUpgradePath,
  talosUpgradeScript,
  upgradeProblems,
  type UpgradeNode,
} from "../components/upgrades";
import {
  declareOffline,
  settle,
  startEngine,
  type EngineRecord,
  type Registration,
  registration,
} from "../tools/mock-engine";
import { MOCK_SECRET_MARK } from "../tools/mocks/talos";
import { specOf, valueOf } from "./helpers";
import { deepFreeze, once } from "./shared-state";

const v = (raw: string): TalosVersion => parseTalosVersion(raw) as TalosVersion;

describe("supported version changes", () => {
  const settings = (talosVersion: string, kubernetesVersion = "1.36.3") => ({
    talosVersion,
    kubernetesVersion,
  });

  it.each([
    ["a first deployment", {}, "v1.13.9", "1.36.3"],
    ["no change", { talosVersion: "v1.13.9", kubernetesVersion: "1.36.3" }, "v1.13.9", "1.36.3"],
    ["a Talos patch up", { talosVersion: "v1.13.2" }, "v1.13.9", "1.36.3"],
    ["a Talos patch down", { talosVersion: "v1.13.9" }, "v1.13.2", "1.36.3"],
    ["one Talos minor up", { talosVersion: "v1.12.7" }, "v1.13.9", "1.36.3"],
    ["one Kubernetes minor up", { kubernetesVersion: "1.35.4" }, "v1.13.9", "1.36.3"],
    ["a Kubernetes patch down", { kubernetesVersion: "1.36.3" }, "v1.13.9", "1.36.1"],
  ])("allows %s", (_what, deployed, talos, kubernetes) => {
    expect(upgradeProblems(settings(talos, kubernetes), deployed)).toEqual([]);
  });

  it.each([
    [
      "skipping a Talos minor",
      { talosVersion: "v1.11.5" },
      settings("v1.13.9"),
      'hcloud-talos-cilium:talosVersion = "v1.13.9": the nodes run v1.11.5 (this stack\'s last deployment), and Talos migrates its configuration only between adjacent minors. Allowed: v1.11.x or v1.12.x. Fix: upgrade one minor at a time, each to its latest patch: v1.11.5 → v1.11.x → v1.12.x → v1.13.9; this program\'s machine config targets v1.13.x only, so take the v1.11.x, v1.12.x steps by hand with `talosctl upgrade` (README, "Day-2") and deploy v1.13.9 last.',
    ],
    [
      "going back a Talos minor",
      { talosVersion: "v1.14.1" },
      settings("v1.13.9"),
      "hcloud-talos-cilium:talosVersion = \"v1.13.9\": the nodes run v1.14.1 (this stack's last deployment), and Talos documents and tests upgrades forward only, one minor at a time; going back is `talosctl rollback`'s job. Allowed: v1.14.x or v1.15.x. Fix: set talosVersion back to v1.14.1; to undo an upgrade, run `talosctl rollback` on each node (the previous image is kept), then set the version it rolled back to.",
    ],
    [
      "skipping a Kubernetes minor",
      { kubernetesVersion: "1.34.2" },
      settings("v1.13.9", "1.36.3"),
      'hcloud-talos-cilium:kubernetesVersion = "1.36.3": the cluster runs Kubernetes 1.34.2 (this stack\'s last deployment), and `talosctl upgrade-k8s` moves one minor at a time (the version skew policy). Allowed: 1.34.x or 1.35.x. Fix: deploy one minor at a time: 1.34.2 → 1.35.x → 1.36.3.',
    ],
    [
      "going back a Kubernetes minor",
      { kubernetesVersion: "1.36.3" },
      settings("v1.13.9", "1.35.9"),
      'hcloud-talos-cilium:kubernetesVersion = "1.35.9": the cluster runs Kubernetes 1.36.3 (this stack\'s last deployment), and Kubernetes cannot go back a minor (objects are stored in the newer API versions). Allowed: 1.36.x or 1.37.x. Fix: set kubernetesVersion back to 1.36.3, or a later 1.36 patch.',
    ],
  ])("refuses %s, naming the key", (_what, deployed, target, message) => {
    expect(upgradeProblems(target, deployed)).toEqual([
      { key: message.slice(0, message.indexOf(" ")), message },
    ]);
  });

  it("reports a Talos and a Kubernetes refusal together", () => {
    const problems = upgradeProblems(settings("v1.13.9", "1.36.3"), {
      talosVersion: "v1.11.5",
      kubernetesVersion: "1.33.1",
    });
    expect(problems.map((p) => p.key)).toEqual([
      "hcloud-talos-cilium:talosVersion",
      "hcloud-talos-cilium:kubernetesVersion",
    ]);
  });

  it("gives the path through the latest patch of every minor", () => {
    expect(talosUpgradePath(v("v1.10.2"), v("v1.13.9"))).toEqual([
      "v1.10.2",
      "v1.10.x",
      "v1.11.x",
      "v1.12.x",
      "v1.13.9",
    ]);
    expect(talosUpgradePath(v("v1.13.2"), v("v1.13.9"))).toEqual(["v1.13.2", "v1.13.9"]);
  });
});

describe("what the last deployment ran", () => {
  it("is read from this very stack (a DIY backend's organization is `organization`)", async () => {
    await startEngine({ project: "hcloud-talos-cilium", stack: "prod" });
    expect(selfReferenceName()).toBe("organization/hcloud-talos-cilium/prod");
  });
});

describe("the rolling order", () => {
  const nodesOf = (spec: ClusterSpec): UpgradeNode<string>[] =>
    planNodes(spec).map((n) => ({ ...n, address: `pub-${n.name}` }));

  it("upgrades the control planes first, in plan order, then the workers, whatever order they come in", () => {
    const nodes = nodesOf(specOf("prod"));
    const plan = planUpgrades([...nodes].reverse());
    expect(rollOrder(plan.roll).map((n) => [n.name, n.role, n.address])).toEqual([
      ["prod-cp-3", "controlplane", "pub-prod-cp-3"],
      ["prod-cp-2", "controlplane", "pub-prod-cp-2"],
      ["prod-cp-1", "controlplane", "pub-prod-cp-1"],
      ["prod-workers-3", "worker", "pub-prod-workers-3"],
      ["prod-workers-2", "worker", "pub-prod-workers-2"],
      ["prod-workers-1", "worker", "pub-prod-workers-1"],
    ]);
    const inOrder = planUpgrades(nodes);
    expect(rollOrder(inOrder.roll).map((n) => n.name)).toEqual(nodes.map((n) => n.name));
    expect(inOrder.healthAddress).toBe("pub-prod-cp-1");
    expect(inOrder.controlPlaneIps).toEqual(["10.0.1.11", "10.0.1.12", "10.0.1.13"]);
    expect(inOrder.workerIps).toEqual(["10.0.1.21", "10.0.1.22", "10.0.1.23"]);
  });

  it("refuses a cluster without a control plane", () => {
    const workers = nodesOf(specOf("prod")).filter((n) => n.role === "worker");
    expect(() => planUpgrades(workers)).toThrow("planUpgrades: no control-plane node");
  });
});

/**
 * A stand-in talosctl: logs every call (and, when the state file `log-configs` exists, its
 * talosconfig's path, mode and content), answers `version` and `get extensions` from state files, fails
 * `health` while the state file `unhealthy` exists, and counts `reboot`s in `boots`. It reads its state
 * with the shell's own `read` (no `cat`): each process a stand-in starts is one more per call.
 */
const FAKE_TALOSCTL = `#!/bin/sh
printf '%s\\n' "$*" >>"$FAKE_STATE/calls"
if [ -e "$FAKE_STATE/log-configs" ] && [ -n "\${TALOSCONFIG:-}" ]; then
  printf '%s %s\\n' "$TALOSCONFIG" "$(stat -c %a "$TALOSCONFIG")" >>"$FAKE_STATE/configs"
  cat "$TALOSCONFIG" >"$FAKE_STATE/config-content"
fi
while [ $# -gt 0 ]; do
  case $1 in
    --endpoints|--nodes) shift 2 ;;
    *) break ;;
  esac
done
case $1 in
  version)
    read -r version <"$FAKE_STATE/version" || true
    printf 'Client:\\n\\tTag:         v1.13.9\\nServer:\\n\\tNODE:        x\\n\\tTag:         %s\\n' "$version" ;;
  get)
    printf 'NODE   NAMESPACE   TYPE              ID   VERSION   NAME               VERSION\\n'
    printf 'x      runtime     ExtensionStatus   1    1         qemu-guest-agent   10.0.2\\n'
    if [ -s "$FAKE_STATE/schematic" ]; then
      read -r schematic <"$FAKE_STATE/schematic" || true
      printf 'x      runtime     ExtensionStatus   0    1         schematic          %s\\n' "$schematic"
    fi ;;
  health)
    if [ -e "$FAKE_STATE/unhealthy" ]; then
      echo "waiting for etcd to be healthy: timeout" >&2
      exit 1
    fi ;;
  reboot)
    printf 'x' >>"$FAKE_STATE/boots" ;;
  upgrade)
    if [ ! -e "$FAKE_STATE/rollback" ]; then
      image=$3
      printf '%s' "\${image##*:}" >"$FAKE_STATE/version"
      rest=\${image#*/hcloud-installer/}
      printf '%s' "\${rest%%:*}" >"$FAKE_STATE/schematic"
    fi ;;
esac
`;

/**
 * A stand-in kubectl: logs every call (after the talosctl calls, in one log) and, when the state file
 * `log-configs` exists, its kubeconfig's path and mode; `drain` fails while the state file `pdb` exists
 * (a PodDisruptionBudget that allows no eviction).
 */
const FAKE_KUBECTL = `#!/bin/sh
printf 'kubectl %s\\n' "$*" >>"$FAKE_STATE/calls"
if [ -e "$FAKE_STATE/log-configs" ]; then
  printf '%s %s\\n' "$KUBECONFIG" "$(stat -c %a "$KUBECONFIG")" >>"$FAKE_STATE/kubeconfigs"
fi
if [ "$1" = drain ] && [ -e "$FAKE_STATE/pdb" ]; then
  echo "error when evicting pods/\\"hubble-relay-1\\" -n \\"kube-system\\": Cannot evict pod as it would violate the pod's disruption budget." >&2
  exit 1
fi
`;

const TALOSCONFIG = `context: prod\n# key: ${MOCK_SECRET_MARK}:prod-talosconfig-key`;
const KUBECONFIG = `apiVersion: v1\n# client-key-data: ${MOCK_SECRET_MARK}:prod-kubeconfig-key`;
const INSTALLER = (schematic: string, version: string) =>
  `factory.talos.dev/hcloud-installer/${schematic}:${version}`;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: string[];
  configs: string[];
  configContent: string;
  /** Each kubeconfig kubectl was handed: its path and mode. */
  kubeconfigs: string[];
  /** Whether each talosconfig file talosctl was handed still existed when the script had ended. */
  configsLeft: boolean[];
  /** What the node ends at: its Talos version, and how many times it was rebooted. */
  version: string;
  reboots: number;
  /** The run's temporary directory, removed by now. */
  dir: string;
}

/** The node a script runs against, as the stand-in talosctl answers for it. */
interface FakeNode {
  version: string;
  schematic: string;
  rollback?: boolean;
  talosctl?: boolean;
  /** `talosctl health` fails. */
  unhealthy?: boolean;
  /** kubectl is on PATH (default), and its drain is blocked by a PodDisruptionBudget. */
  kubectl?: boolean;
  pdb?: boolean;
  /** Also put the stand-in talosctl in this folder (a test that builds its own PATH). */
  talosctlIn?: string;
  /** The stand-ins log each talosconfig and kubeconfig they are handed (`configs`, `kubeconfigs`). */
  logConfigs?: boolean;
}

/**
 * Runs a script with /bin/sh against the stand-in talosctl; the node starts at `version`/`schematic`.
 * Its temporary directory (talosctl, state, the script's TMPDIR) is removed before it returns.
 */
function runScript(script: string, env: Record<string, string>, node: FakeNode): Run {
  const dir = mkdtempSync(join(tmpdir(), "talosctl-"));
  try {
    return runIn(dir, script, env, node);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runIn(dir: string, script: string, env: Record<string, string>, node: FakeNode): Run {
  const bin = join(dir, "bin");
  const state = join(dir, "state");
  mkdirSync(bin, { recursive: true });
  mkdirSync(state, { recursive: true });
  if (node.talosctl !== false) {
    writeFileSync(join(bin, "talosctl"), FAKE_TALOSCTL);
    chmodSync(join(bin, "talosctl"), 0o755);
  }
  if (node.talosctlIn) {
    writeFileSync(join(node.talosctlIn, "talosctl"), FAKE_TALOSCTL);
    chmodSync(join(node.talosctlIn, "talosctl"), 0o755);
  }
  if (node.kubectl !== false) {
    writeFileSync(join(bin, "kubectl"), FAKE_KUBECTL);
    chmodSync(join(bin, "kubectl"), 0o755);
  }
  if (node.pdb) writeFileSync(join(state, "pdb"), "");
  if (node.logConfigs) writeFileSync(join(state, "log-configs"), "");
  writeFileSync(join(state, "version"), node.version);
  writeFileSync(join(state, "schematic"), node.schematic);
  if (node.rollback) writeFileSync(join(state, "rollback"), "");
  if (node.unhealthy) writeFileSync(join(state, "unhealthy"), "");
  const r = spawnSync("/bin/sh", ["-c", script], {
    env: {
      PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      TMPDIR: dir,
      FAKE_STATE: state,
      TALOSCONFIG_CONTENT: TALOSCONFIG,
      KUBECONFIG_CONTENT: KUBECONFIG,
      ...env,
    },
    encoding: "utf8",
  });
  const read = (f: string) => (existsSync(join(state, f)) ? readFileSync(join(state, f), "utf8") : "");
  const configs = read("configs").split("\n").filter(Boolean);
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    calls: read("calls").split("\n").filter(Boolean),
    kubeconfigs: read("kubeconfigs").split("\n").filter(Boolean),
    configs,
    configContent: read("config-content"),
    configsLeft: configs.map((line) => existsSync(line.split(" ")[0] as string)),
    version: read("version"),
    reboots: read("boots").length,
    dir,
  };
}

const STEP_ENV = {
  NODE_NAME: "prod-workers-1",
  NODE_ADDRESS: "198.51.100.21",
  TARGET_VERSION: "v1.13.9",
  TARGET_SCHEMATIC: "abc123",
  INSTALLER_IMAGE: INSTALLER("abc123", "v1.13.9"),
  HEALTH_ADDRESS: "198.51.100.11",
  CONTROL_PLANE_IPS: "10.0.1.11,10.0.1.12,10.0.1.13",
  WORKER_IPS: "10.0.1.21,10.0.1.22,10.0.1.23",
};
const at = (address: string) => `--endpoints ${address} --nodes ${address}`;

/** The health targets of STEP_ENV. */
const STEP_TARGETS = {
  healthAddress: "198.51.100.11",
  controlPlaneIps: ["10.0.1.11", "10.0.1.12", "10.0.1.13"],
  workerIps: ["10.0.1.21", "10.0.1.22", "10.0.1.23"],
};

/** talosctl's health check for STEP_TARGETS, as the steps and the deploy gate run it. */
const STEP_HEALTH_ARGS = [
  ...["--endpoints", "198.51.100.11", "--nodes", "198.51.100.11", "health", "--wait-timeout", "10m"],
  ...["--control-plane-nodes", "10.0.1.11,10.0.1.12,10.0.1.13"],
  ...["--worker-nodes", "10.0.1.21,10.0.1.22,10.0.1.23"],
];

/** The Talos step's script for the stacks' versions. */
const TALOS_STEP = talosUpgradeScript("v1.13.x", "v1.36.x");
/**
 * The scenarios several tests read, each run once: an older node upgraded (the stand-ins logging the
 * configs they are handed), a node already on the target, a node that rolls the upgrade back.
 */
const upgraded = once(() =>
  deepFreeze(runScript(TALOS_STEP, STEP_ENV, { version: "v1.13.8", schematic: "abc123", logConfigs: true })),
);
const current = once(() =>
  deepFreeze(runScript(TALOS_STEP, STEP_ENV, { version: "v1.13.9", schematic: "abc123" })),
);
const rolledBack = once(() =>
  deepFreeze(runScript(TALOS_STEP, STEP_ENV, { version: "v1.13.8", schematic: "abc123", rollback: true })),
);

describe("the health check's arguments", () => {
  it("run it on the first control plane alone, naming every node's private address", () => {
    expect(talosHealthArgs(STEP_TARGETS)).toEqual(STEP_HEALTH_ARGS);
  });

  it("name no worker nodes for a cluster without workers", () => {
    expect(talosHealthArgs({ ...STEP_TARGETS, workerIps: [] })).toEqual([
      ...["--endpoints", "198.51.100.11", "--nodes", "198.51.100.11", "health", "--wait-timeout", "10m"],
      ...["--control-plane-nodes", "10.0.1.11,10.0.1.12,10.0.1.13"],
    ]);
  });
});

describe("the Talos step's script", () => {
  const script = TALOS_STEP;

  it("is POSIX sh with set -eu, and parses", () => {
    expect(script.split("\n")[0]).toBe("set -eu");
    expect(spawnSync("/bin/sh", ["-n", "-c", script]).status).toBe(0);
  });

  it("fails clearly when talosctl is not on PATH", () => {
    const r = runScript(
      script,
      { ...STEP_ENV, PATH: "/nonexistent" },
      { version: "v1.13.8", schematic: "abc123", talosctl: false },
    );
    expect(r.status).toBe(127);
    expect(r.stderr).toBe(
      "talosctl is required on the machine running pulumi: install talosctl v1.13.x from https://github.com/siderolabs/talos/releases and put it on PATH (README, Day-2)\n",
    );
  });

  it("does not upgrade a node that already runs the version and the schematic, and still checks health", () => {
    const r = current();
    expect([r.status, r.stdout]).toEqual([
      0,
      "prod-workers-1 runs Talos v1.13.9 with schematic abc123: no upgrade; checking the cluster's health before the next node\n" +
        "prod-workers-1 runs Talos v1.13.9; the cluster is healthy\n",
    ]);
    expect(r.calls).toEqual([
      `${at("198.51.100.21")} version`,
      `${at("198.51.100.21")} get extensions`,
      "kubectl uncordon prod-workers-1",
      STEP_HEALTH_ARGS.join(" "),
    ]);
  });

  it("health-checks on a re-run after a partial failure: the node upgraded, its check failed", () => {
    // First run: the upgrade goes through, the cluster does not become healthy in time.
    const first = runScript(script, STEP_ENV, { version: "v1.13.8", schematic: "abc123", unhealthy: true });
    expect([first.status, first.version, first.calls.at(-1)]).toEqual([
      1,
      "v1.13.9",
      STEP_HEALTH_ARGS.join(" "),
    ]);
    expect(first.stderr).toBe("waiting for etcd to be healthy: timeout\n");
    // The re-run finds the node on the target: no upgrade, but the check before the next node.
    const still = runScript(script, STEP_ENV, { version: "v1.13.9", schematic: "abc123", unhealthy: true });
    expect([still.status, still.calls.at(-1)]).toEqual([1, STEP_HEALTH_ARGS.join(" ")]);
    const healthy = current();
    expect([healthy.status, healthy.calls.filter((c) => c.includes(" upgrade "))]).toEqual([0, []]);
    expect(healthy.calls.at(-1)).toBe(STEP_HEALTH_ARGS.join(" "));
  });

  it("upgrades an older node to the installer, checks it came back on the version, then waits for health", () => {
    const r = upgraded();
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([
      `${at("198.51.100.21")} version`,
      `${at("198.51.100.21")} get extensions`,
      "kubectl drain prod-workers-1 --ignore-daemonsets --delete-emptydir-data --timeout=10m",
      `${at("198.51.100.21")} upgrade --image factory.talos.dev/hcloud-installer/abc123:v1.13.9 --wait --drain=false`,
      `${at("198.51.100.21")} version`,
      "kubectl uncordon prod-workers-1",
      `${at("198.51.100.11")} health --wait-timeout 10m --control-plane-nodes 10.0.1.11,10.0.1.12,10.0.1.13 --worker-nodes 10.0.1.21,10.0.1.22,10.0.1.23`,
    ]);
    // The same check as the deploy gate's (the stack output talosHealthArgs).
    expect(r.calls.at(-1)).toBe(STEP_HEALTH_ARGS.join(" "));
    expect(r.stdout).toContain(
      "prod-workers-1: Talos v1.13.8 (schematic abc123) -> factory.talos.dev/hcloud-installer/abc123:v1.13.9",
    );
  });

  it("upgrades a node on the right version but another schematic", () => {
    const r = runScript(script, STEP_ENV, { version: "v1.13.9", schematic: "old456" });
    expect(r.status).toBe(0);
    expect(r.calls).toContain(
      `${at("198.51.100.21")} upgrade --image ${INSTALLER("abc123", "v1.13.9")} --wait --drain=false`,
    );
  });

  it("reads a node without a schematic extension as the default schematic", () => {
    const env = { ...STEP_ENV, TARGET_SCHEMATIC: DEFAULT_SCHEMATIC_ID };
    const r = runScript(script, env, { version: "v1.13.9", schematic: "" });
    expect([r.status, r.calls.filter((c) => c.includes(" upgrade "))]).toEqual([0, []]);
  });

  it("fails when the node rolled the upgrade back, before the next node's step", () => {
    const r = rolledBack();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      "prod-workers-1 runs Talos v1.13.8 after the upgrade, not v1.13.9: it rolled back",
    );
    expect(r.calls.some((c) => c.includes(" health "))).toBe(false);
  });

  it("checks the health of control planes only when there are no workers", () => {
    const r = runScript(script, { ...STEP_ENV, WORKER_IPS: "" }, { version: "v1.13.8", schematic: "abc123" });
    expect(r.calls.at(-1)).toBe(
      `${at("198.51.100.11")} health --wait-timeout 10m --control-plane-nodes 10.0.1.11,10.0.1.12,10.0.1.13`,
    );
    expect(r.calls.at(-1)).toBe(talosHealthArgs({ ...STEP_TARGETS, workerIps: [] }).join(" "));
  });

  it("drains with kubectl (not talosctl, whose drain dials the private load balancer), then uncordons", () => {
    const r = upgraded();
    const drain = r.calls.indexOf(
      "kubectl drain prod-workers-1 --ignore-daemonsets --delete-emptydir-data --timeout=10m",
    );
    const upgrade = r.calls.findIndex((c) => c.includes(" upgrade --image "));
    const uncordon = r.calls.indexOf("kubectl uncordon prod-workers-1");
    expect([drain >= 0, drain < upgrade, upgrade < uncordon]).toEqual([true, true, true]);
    expect(r.calls[upgrade]).toMatch(/ --drain=false$/);
    expect(r.stdout).toContain(
      "prod-workers-1: draining it (kubectl drain: PodDisruptionBudgets respected, at most 10m)\n",
    );
  });

  it("stops before the upgrade when a PodDisruptionBudget blocks the drain, and uncordons the node", () => {
    const r = runScript(script, STEP_ENV, { version: "v1.13.8", schematic: "abc123", pdb: true });
    expect(r.status).toBe(1);
    expect(r.calls.filter((c) => c.startsWith("kubectl "))).toEqual([
      "kubectl drain prod-workers-1 --ignore-daemonsets --delete-emptydir-data --timeout=10m",
      "kubectl uncordon prod-workers-1",
    ]);
    expect(r.calls.some((c) => c.includes(" upgrade "))).toBe(false);
    expect(r.version).toBe("v1.13.8");
    expect(r.stderr).toBe(
      'error when evicting pods/"hubble-relay-1" -n "kube-system": Cannot evict pod as it would violate the pod\'s disruption budget.\n' +
        "prod-workers-1 could not be drained within 10m (a PodDisruptionBudget that allows no eviction, or a pod without a controller: see kubectl drain's message above); it is uncordoned and was not touched. Fix that, then pulumi up again\n",
    );
  });

  it("leaves a node that rolled back cordoned, and a re-run on the target uncordons it after its check", () => {
    const back = rolledBack();
    expect([back.status, back.calls.includes("kubectl uncordon prod-workers-1")]).toEqual([1, false]);
    const again = current();
    expect(again.calls.slice(-2)).toEqual(["kubectl uncordon prod-workers-1", STEP_HEALTH_ARGS.join(" ")]);
  });

  it("fails clearly when kubectl is not on PATH, and hands it the kubeconfig in a private file, deleted, never printed", () => {
    // A PATH with the stand-in talosctl and the few tools the script needs before it looks for kubectl
    // (this machine may have a real kubectl in /usr/bin).
    const tools = mkdtempSync(join(tmpdir(), "talosctl-tools-"));
    const needed = ["mktemp", "rm", "cat", "stat"];
    // One shell for the four look-ups (each process a test starts costs a fork of this worker).
    const found = spawnSync("sh", ["-c", `for t in ${needed.join(" ")}; do command -v "$t"; done`], {
      encoding: "utf8",
    })
      .stdout.split("\n")
      .filter(Boolean);
    expect(found).toHaveLength(needed.length);
    needed.forEach((t, i) => symlinkSync(found[i] as string, join(tools, t)));
    const none = runScript(
      script,
      { ...STEP_ENV, PATH: `${tools}:/nonexistent` },
      { version: "v1.13.8", schematic: "abc123", kubectl: false, talosctlIn: tools },
    );
    rmSync(tools, { recursive: true, force: true });
    expect([none.status, none.stderr]).toEqual([
      127,
      "kubectl is required on the machine running pulumi: install kubectl v1.36.x and put it on PATH (README, Day-2)\n",
    ]);
    const r = upgraded();
    const seen = r.kubeconfigs.map((l) => l.split(" "));
    expect([...new Set(seen.map((l) => l[1]))]).toEqual(["600"]);
    expect(seen.every((l) => !existsSync(l[0] as string))).toBe(true);
    expect(`${r.stdout}${r.stderr}`).not.toContain(MOCK_SECRET_MARK);
  });

  it("hands talosctl the talosconfig in a private file, deleted afterwards, never printed", () => {
    const r = upgraded();
    expect(r.configContent).toBe(`${TALOSCONFIG}\n`);
    const files = new Set(r.configs.map((line) => line.split(" ")[0]));
    expect([...new Set(r.configs.map((line) => line.split(" ")[1]))]).toEqual(["600"]);
    expect(files.size).toBe(1);
    expect(r.configsLeft).toEqual(r.configs.map(() => false));
    expect(r.configsLeft.length).toBeGreaterThan(0);
    expect(`${r.stdout}${r.stderr}`).not.toContain(MOCK_SECRET_MARK);
  });
});

describe("the stand-in runs", () => {
  it("leave no temporary directory behind", () => {
    const r = upgraded();
    expect([r.status, r.dir.startsWith(join(tmpdir(), "talosctl-")), existsSync(r.dir)]).toEqual([
      0,
      true,
      false,
    ]);
  });
});

describe("the apply mode and the gate's reboot", () => {
  it("never hands the provider a mode in which Talos reboots by itself", () => {
    const modes = ["auto", "no_reboot", "reboot", "staged", "staged_if_needing_reboot"] as const;
    expect(modes.map((m) => [m, providerApplyMode(m)])).toEqual([
      ["auto", "staged_if_needing_reboot"],
      ["no_reboot", "no_reboot"],
      ["reboot", "staged_if_needing_reboot"],
      ["staged", "staged"],
      ["staged_if_needing_reboot", "staged_if_needing_reboot"],
    ]);
  });

  it.each([
    ["auto", "auto", false],
    ["auto", "staged", true],
    ["staged_if_needing_reboot", "auto", false],
    ["staged_if_needing_reboot", "staged", true],
    ["reboot", "auto", true],
    ["reboot", "staged", true],
    ["staged", "staged", true],
    ["no_reboot", "no_reboot", false],
  ] as const)("%s, resolved by the provider to %s: reboot %s", (mode, resolved, reboots) => {
    expect(gateReboots(mode, resolved)).toBe(reboots);
  });
});

/** A gate's environment: prod-cp-2, its applied config hash, the health targets of STEP_ENV. */
const GATE_ENV_OF = (configHash: string, reboot: "yes" | "no" = "no") => ({
  NODE_NAME: "prod-cp-2",
  NODE_ADDRESS: "198.51.100.12",
  CONFIG_HASH: configHash,
  REBOOT: reboot,
  HEALTH_ADDRESS: STEP_ENV.HEALTH_ADDRESS,
  CONTROL_PLANE_IPS: STEP_ENV.CONTROL_PLANE_IPS,
  WORKER_IPS: STEP_ENV.WORKER_IPS,
});
const AT_TARGET = { version: "v1.13.9", schematic: "abc123" };

describe("the config apply's health gate", () => {
  const update = gateUpdateScript("v1.13.x", "v1.36.x");
  /** The gate's first run (its create) for hash-1 at 198.51.100.12: the record most updates start from, run once. */
  const created = once(() => deepFreeze(runScript(GATE_CREATE, GATE_ENV_OF("hash-1"), AT_TARGET)));
  /** Runs the update as pulumi-command does: the previous run's stdout in PULUMI_COMMAND_STDOUT. */
  const rerun = (previous: Run | string, env: Record<string, string>, node: FakeNode = AT_TARGET) =>
    runScript(
      update,
      { ...env, PULUMI_COMMAND_STDOUT: typeof previous === "string" ? previous : previous.stdout },
      node,
    );

  it("are POSIX sh with set -eu, and parse", () => {
    for (const script of [GATE_CREATE, update]) {
      expect(script.split("\n")[0]).toBe("set -eu");
      expect(spawnSync("/bin/sh", ["-n", "-c", script]).status).toBe(0);
    }
  });

  it("checks nothing when created (a first deployment, a new node), and needs no talosctl for it", () => {
    const r = runScript(
      GATE_CREATE,
      { ...GATE_ENV_OF("hash-1"), PATH: "/nonexistent" },
      { ...AT_TARGET, talosctl: false },
    );
    expect([r.status, r.stdout, r.calls]).toEqual([
      0,
      "prod-cp-2: its first config (a new node, or the stack's first deployment): nothing to roll\n" +
        "rolled: hash-1 198.51.100.12\n",
      [],
    ]);
  });

  it("does nothing when its node's config and address are what it last rolled (a scale-up changed the lists)", () => {
    const lists = {
      ...GATE_ENV_OF("hash-1"),
      WORKER_IPS: `${STEP_ENV.WORKER_IPS},10.0.1.24`,
      PATH: "/nonexistent",
    };
    const r = rerun(created(), lists, { ...AT_TARGET, talosctl: false });
    expect([r.status, r.stdout, r.calls]).toEqual([
      0,
      "prod-cp-2: its applied config is unchanged: nothing to roll\nrolled: hash-1 198.51.100.12\n",
      [],
    ]);
  });

  it("health-checks the cluster after a changed config before the next node, and records it", () => {
    const r = rerun(created(), GATE_ENV_OF("hash-2"), { ...AT_TARGET, logConfigs: true });
    expect([r.status, r.calls, r.reboots]).toEqual([0, [STEP_HEALTH_ARGS.join(" ")], 0]);
    expect(r.stdout).toBe(
      "prod-cp-2: new config in effect; checking the cluster's health before the next node\n" +
        "rolled: hash-2 198.51.100.12\n",
    );
    // The talosconfig: a private file, gone afterwards, never printed.
    expect([r.configsLeft, `${r.stdout}${r.stderr}`.includes(MOCK_SECRET_MARK)]).toEqual([[false], false]);
  });

  it("drains a node whose config waits for a reboot (staged), reboots it, waits, uncordons it, then checks health", () => {
    const r = rerun(created(), GATE_ENV_OF("hash-2", "yes"));
    expect([r.status, r.reboots]).toEqual([0, 1]);
    expect(r.calls).toEqual([
      "kubectl drain prod-cp-2 --ignore-daemonsets --delete-emptydir-data --timeout=10m",
      `${at("198.51.100.12")} reboot --wait --timeout 10m`,
      "kubectl uncordon prod-cp-2",
      STEP_HEALTH_ARGS.join(" "),
    ]);
    expect(r.stdout).toBe(
      "prod-cp-2: draining it (kubectl drain: PodDisruptionBudgets respected, at most 10m)\n" +
        "prod-cp-2: rebooting into its new config\n" +
        "prod-cp-2: new config in effect; checking the cluster's health before the next node\n" +
        "rolled: hash-2 198.51.100.12\n",
    );
  });

  it("does not reboot a node whose drain a PodDisruptionBudget blocks, and keeps no record", () => {
    const r = rerun(created(), GATE_ENV_OF("hash-2", "yes"), { ...AT_TARGET, pdb: true });
    expect([r.status, r.reboots, r.stdout.includes("rolled:")]).toEqual([1, 0, false]);
    expect(r.calls).toEqual([
      "kubectl drain prod-cp-2 --ignore-daemonsets --delete-emptydir-data --timeout=10m",
      "kubectl uncordon prod-cp-2",
    ]);
  });

  it("checks a node that moved to a new address (a replaced server) with the same config", () => {
    const r = rerun(created(), { ...GATE_ENV_OF("hash-1"), NODE_ADDRESS: "198.51.100.99" });
    expect([r.status, r.calls, r.stdout.split("\n").at(-2)]).toEqual([
      0,
      [STEP_HEALTH_ARGS.join(" ")],
      "rolled: hash-1 198.51.100.99",
    ]);
  });

  it("fails without a record when the cluster stays unhealthy, so the next run checks again", () => {
    const failed = rerun(created(), GATE_ENV_OF("hash-2", "yes"), { ...AT_TARGET, unhealthy: true });
    expect([failed.status, failed.stderr, failed.stdout.includes("rolled:")]).toEqual([
      1,
      "waiting for etcd to be healthy: timeout\n",
      false,
    ]);
    // pulumi-command keeps the previous state after a failed update: the same previous stdout again.
    const retried = rerun(created(), GATE_ENV_OF("hash-2", "yes"));
    expect([retried.status, retried.reboots, retried.calls.at(-1)]).toEqual([
      0,
      1,
      STEP_HEALTH_ARGS.join(" "),
    ]);
  });

  it("acts when there is no previous record at all", () => {
    const r = rerun("", GATE_ENV_OF("hash-1"));
    expect([r.status, r.calls]).toEqual([0, [STEP_HEALTH_ARGS.join(" ")]]);
  });

  it("over a sequence of deployments checks exactly on the changes", () => {
    let last = created();
    const checked: number[] = [];
    for (const hash of ["hash-1", "hash-2", "hash-2", "hash-3", "hash-3"]) {
      last = rerun(last, GATE_ENV_OF(hash));
      expect(last.status).toBe(0);
      checked.push(last.calls.length);
    }
    expect(checked).toEqual([0, 1, 0, 1, 0]);
  });

  it("fails clearly when talosctl is not on PATH and there is something to roll", () => {
    const r = runScript(
      update,
      {
        ...GATE_ENV_OF("hash-2"),
        PULUMI_COMMAND_STDOUT: "rolled: hash-1 198.51.100.12",
        PATH: "/nonexistent",
      },
      { ...AT_TARGET, talosctl: false },
    );
    expect([r.status, r.stderr]).toEqual([
      127,
      "talosctl is required on the machine running pulumi: install talosctl v1.13.x from https://github.com/siderolabs/talos/releases and put it on PATH (README, Day-2)\n",
    ]);
  });
});

describe("the Kubernetes step's script", () => {
  it("runs upgrade-k8s to the version on the first control plane", () => {
    const script = kubernetesUpgradeScript("v1.13.x");
    expect(spawnSync("/bin/sh", ["-n", "-c", script]).status).toBe(0);
    const r = runScript(
      script,
      { HEALTH_ADDRESS: "198.51.100.11", KUBERNETES_VERSION: "1.36.4" },
      {
        version: "v1.13.9",
        schematic: "abc123",
      },
    );
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([`${at("198.51.100.11")} upgrade-k8s --to 1.36.4`]);
    expect(`${r.stdout}${r.stderr}`).not.toContain(MOCK_SECRET_MARK);
  });
});

/** A stand-in for what the first step waits for (the config applies, the releases). */
class StandIn extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Release", name, {});
  }
}

const SCHEMATIC = "abc123";

async function build(spec: ClusterSpec): Promise<{ record: EngineRecord; upgrades: TalosUpgrades }> {
  const record = await startEngine({ project: "hcloud-talos-cilium", stack: spec.stack });
  const upgrades = await declareOffline(() => {
    const after = new StandIn("cilium-release");
    return new TalosUpgrades("upgrades", {
      spec,
      nodes: planNodes(spec).map((n) => ({
        ...n,
        address: pulumi.output(`198.51.100.${n.privateIp.split(".")[3]}`),
      })),
      schematicId: pulumi.output(SCHEMATIC),
      installerImage: pulumi.output(INSTALLER(SCHEMATIC, spec.settings.talosVersion)),
      talosconfig: pulumi.secret(TALOSCONFIG),
      kubeconfig: pulumi.secret(KUBECONFIG),
      after: [after],
    });
  });
  return { record: deepFreeze(record), upgrades };
}

/** The component on the prod stack, declared once for the tests that read it (the "nothing without a change" test declares anew). */
const prod = once(() => build(specOf("prod")));

const commands = (record: EngineRecord): Registration[] =>
  record.resources.filter((r) => r.type === "command:local:Command");

afterEach(settle);

describe("the upgrades component", () => {
  it("declares one command per node, control planes first, then upgrade-k8s, each a child of the component", async () => {
    const { record } = await prod();
    const component = registration(record, "upgrades");
    expect(component.type).toBe("hcloud-talos-cilium:upgrades:TalosUpgrades");
    expect(commands(record).map((c) => c.name)).toEqual([
      "upgrades-prod-cp-1",
      "upgrades-prod-cp-2",
      "upgrades-prod-cp-3",
      "upgrades-prod-workers-1",
      "upgrades-prod-workers-2",
      "upgrades-prod-workers-3",
      "upgrades-kubernetes",
    ]);
    expect(commands(record).map((c) => c.parent)).toEqual(commands(record).map(() => component.urn));
  });

  it("chains them: each waits for the one before, the first for what it was told to wait for", async () => {
    const { record } = await prod();
    const all = commands(record);
    expect(all.map((c) => c.dependsOn)).toEqual([
      [registration(record, "cilium-release").urn],
      ...all.slice(0, -1).map((c) => [c.urn]),
    ]);
  });

  it("gives each node's command its address, the installer of the schematic and version, and the health targets", async () => {
    const { record } = await prod();
    const env = (name: string) => registration(record, name).inputs.environment;
    const common = {
      TARGET_VERSION: "v1.13.9",
      TARGET_SCHEMATIC: SCHEMATIC,
      INSTALLER_IMAGE: "factory.talos.dev/hcloud-installer/abc123:v1.13.9",
      HEALTH_ADDRESS: "198.51.100.11",
      CONTROL_PLANE_IPS: "10.0.1.11,10.0.1.12,10.0.1.13",
      WORKER_IPS: "10.0.1.21,10.0.1.22,10.0.1.23",
      TALOSCONFIG_CONTENT: TALOSCONFIG,
      KUBECONFIG_CONTENT: KUBECONFIG,
    };
    expect(env("upgrades-prod-cp-2")).toEqual({
      NODE_NAME: "prod-cp-2",
      NODE_ADDRESS: "198.51.100.12",
      ...common,
    });
    expect(env("upgrades-prod-workers-3")).toEqual({
      NODE_NAME: "prod-workers-3",
      NODE_ADDRESS: "198.51.100.23",
      ...common,
    });
    expect(env("upgrades-kubernetes")).toEqual({
      HEALTH_ADDRESS: "198.51.100.11",
      KUBERNETES_VERSION: "1.36.3",
      TALOSCONFIG_CONTENT: TALOSCONFIG,
    });
  });

  it("runs the rendered POSIX scripts, with a no-op update, and keeps the talosconfig a secret", async () => {
    const { record } = await prod();
    for (const c of commands(record)) {
      expect(c.inputs.interpreter, c.name).toEqual(["/bin/sh", "-c"]);
      expect(c.inputs.update, c.name).toBe(NO_OP_UPDATE);
      expect(c.secretInputs, c.name).toEqual(["environment"]);
    }
    expect(registration(record, "upgrades-prod-cp-1").inputs.create).toBe(
      talosUpgradeScript("v1.13.x", "v1.36.x"),
    );
    expect(registration(record, "upgrades-kubernetes").inputs.create).toBe(
      kubernetesUpgradeScript("v1.13.x"),
    );
    expect(spawnSync("/bin/sh", ["-c", NO_OP_UPDATE]).status).toBe(0);
  });

  it("is triggered only by the Talos version and the schematic (upgrade-k8s: the Kubernetes version)", async () => {
    const { record } = await prod();
    const all = commands(record);
    expect(all.slice(0, -1).map((c) => c.inputs.triggers)).toEqual(
      all.slice(0, -1).map(() => ["v1.13.9", SCHEMATIC]),
    );
    expect(registration(record, "upgrades-kubernetes").inputs.triggers).toEqual(["1.36.3"]);
  });

  it("changes every node's triggers and installer for a new Talos version, and nothing without a change", async () => {
    const triggers = async (built: Promise<{ record: EngineRecord }>) =>
      commands((await built).record).map((c) => [c.name, c.inputs.triggers, c.inputs.environment]);
    const old = await triggers(build(specOf("prod", { talosVersion: "v1.13.8" })));
    const now = await triggers(prod());
    const again = await triggers(build(specOf("prod")));
    expect(again).toEqual(now);
    const changed = now.filter((c, i) => JSON.stringify(c[1]) !== JSON.stringify(old[i]?.[1]));
    expect(changed.map((c) => c[0])).toEqual(now.slice(0, -1).map((c) => c[0]));
    expect(old.slice(0, -1).map((c) => (c[2] as Record<string, string>).INSTALLER_IMAGE)).toEqual(
      old.slice(0, -1).map(() => "factory.talos.dev/hcloud-installer/abc123:v1.13.8"),
    );
  });

  it("reports the versions once every step has run", async () => {
    const { upgrades } = await prod();
    expect([await valueOf(upgrades.talosVersion), await valueOf(upgrades.kubernetesVersion)]).toEqual([
      "v1.13.9",
      "1.36.3",
    ]);
  });

  it("gives the steps' health check as talosctl arguments, on the first control plane's address", async () => {
    const { upgrades } = await prod();
    expect(await valueOf(upgrades.healthArgs)).toEqual(STEP_HEALTH_ARGS);
  });
});
