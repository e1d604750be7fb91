/**
 * The knob rollout check (`npm run knobs -- check`): the soak gate, one knob per change, the "config"
 * rule and the rollout report, first as pure functions over plain data, then against temporary git
 * repositories with controlled commit dates, then as the CLI the workflows run. "now" is always
 * injected, so no test depends on the clock.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { stackFileText } from "../components/config/stack-file";
import { defaultKnobs, knobDef, type Knobs } from "../components/knobs/catalogue";
import type { KnobSnapshot, Snapshot } from "../components/datapath/history";
import { show } from "../components/core/define";
import { showRef } from "../components/datapath/render-diff";
import {
  describeChange,
  rolloutCheck,
  type KnobsReport,
  type RolloutInput,
} from "../components/datapath/rollout";
import {
  renderedLines,
  renderMarkdown,
  renderText,
  workloadLine,
} from "../components/datapath/rollout-render";
import { soakGate } from "../components/datapath/soak";
import { check, main, VALUES_CODE } from "../tools/knobs";
import { resolveBase } from "../tools/knobs-git";
import { GIT_ENV, tempRepos } from "./git-repos";
import { helmOnPath, reference, ROOT, runTool, type CliRun } from "./helpers";

// ---------------------------------------------------------------------------------------------------
// Plain data

const ciFile = (set: Record<string, unknown> = {}): string =>
  stackFileText({ adminCidrs: ["0.0.0.0/0"], ...set });
const prodFile = (set: Record<string, unknown> = {}): string =>
  stackFileText({ production: true, adminCidrs: ["203.0.113.0/24"], ...set });

const sha = (digit: string): string => digit.repeat(40);
const snap = (commit: string | null, date: string, set: Partial<Knobs> = {}): KnobSnapshot => ({
  commit,
  date,
  knobs: { ...defaultKnobs(), ...set },
});

const NOW = "2026-11-21T12:00:00.000Z";

/** A rollout input: baseline stack files unchanged, ci's file committed on 2026-11-01. */
function input(over: {
  ci?: { base?: string; now?: string };
  prod?: { base?: string; now?: string };
  ciHistory?: Snapshot[];
}): RolloutInput {
  return {
    base: "origin/main",
    baseCommit: sha("b"),
    now: NOW,
    files: {
      ci: { base: ciFile(), now: ciFile(), ...over.ci },
      prod: { base: prodFile(), now: prodFile(), ...over.prod },
    },
    ciHistory: over.ciHistory ?? [{ commit: sha("1"), date: "2026-11-01T12:00:00.000Z", text: ciFile() }],
  };
}

/** ci has held both knobs since 2026-11-01 (long soaked). */
const SOAKED = {
  ciHistory: [
    {
      commit: sha("1"),
      date: "2026-11-01T12:00:00.000Z",
      text: ciFile({ bandwidthManager: true, bpfMasquerade: true }),
    },
  ],
  ci: {
    base: ciFile({ bandwidthManager: true, bpfMasquerade: true }),
    now: ciFile({ bandwidthManager: true, bpfMasquerade: true }),
  },
};

describe("soak gate (pure)", () => {
  const gate = (ciHistory: KnobSnapshot[], prod: Partial<Knobs>, now = NOW) =>
    soakGate({ prod: { ...defaultKnobs(), ...prod }, ciHistory, soakDays: 7, now });

  it("fails when prod enables a knob ci never held", () => {
    const r = gate([snap(null, NOW), snap(sha("1"), "2026-11-01T12:00:00Z")], { bpfMasquerade: true });
    expect(r.violations).toEqual([
      {
        rule: "soak-gate",
        stack: "prod",
        knob: "bpfMasquerade",
        message:
          "prod sets bpfMasquerade = true, but ci has never held that value. Fix: set it on ci first and soak it for 7 days.",
      },
    ]);
  });

  it("fails when ci has held the value for fewer than soakDays days, naming the commit and the date it may pass", () => {
    const held = { bandwidthManager: true };
    const r = gate(
      [
        snap(null, NOW, held),
        snap(sha("2"), "2026-11-18T12:00:00.000Z", held),
        snap(sha("1"), "2026-11-01T12:00:00.000Z"),
      ],
      held,
    );
    expect(r.violations.map((v) => v.message)).toEqual([
      "prod sets bandwidthManager = true, but ci has held it for 3 days (since 2026-11-18, commit 2222222); the soak gate needs 7 days (soakDays). Fix: wait until 2026-11-25 12:00 UTC, or revert prod.",
    ]);
    expect(r.status).toEqual([
      {
        knob: "bandwidthManager",
        value: true,
        since: { date: "2026-11-18T12:00:00.000Z", commit: sha("2") },
        days: 3,
        readyAt: "2026-11-25T12:00:00.000Z",
        ok: false,
      },
    ]);
  });

  it("passes at exactly soakDays × 24 h (the boundary is inclusive) and fails one second before", () => {
    const held = { bandwidthManager: true };
    const history = (now: string) => [
      snap(null, now, held),
      snap(sha("2"), "2026-11-18T12:00:00.000Z", held),
    ];
    expect(gate(history("2026-11-25T12:00:00.000Z"), held, "2026-11-25T12:00:00.000Z").violations).toEqual(
      [],
    );
    expect(
      gate(history("2026-11-25T11:59:59.000Z"), held, "2026-11-25T11:59:59.000Z").violations.map(
        (v) => v.message,
      ),
    ).toEqual([
      "prod sets bandwidthManager = true, but ci has held it for 6 days (since 2026-11-18, commit 2222222); the soak gate needs 7 days (soakDays). Fix: wait until 2026-11-25 12:00 UTC, or revert prod.",
    ]);
  });

  it("counts from the last unbroken stretch when ci held the value, reverted, and took it again", () => {
    const held = { bandwidthManager: true };
    const r = gate(
      [
        snap(null, NOW, held),
        snap(sha("3"), "2026-11-19T12:00:00.000Z", held),
        snap(sha("2"), "2026-11-10T12:00:00.000Z"),
        snap(sha("1"), "2026-11-01T12:00:00.000Z", held),
      ],
      held,
    );
    expect(r.violations.map((v) => v.message)).toEqual([
      "prod sets bandwidthManager = true, but ci has held it for 2 days (since 2026-11-19, commit 3333333); the soak gate needs 7 days (soakDays). Fix: wait until 2026-11-26 12:00 UTC, or revert prod.",
    ]);
  });

  it("fails when ci held the value once but no longer holds it, naming what ci has now", () => {
    const r = gate(
      [
        snap(null, NOW),
        snap(sha("2"), "2026-11-19T12:00:00.000Z"),
        snap(sha("1"), "2026-11-01T12:00:00.000Z", { bandwidthManager: true }),
      ],
      { bandwidthManager: true },
    );
    expect(r.violations.map((v) => v.message)).toEqual([
      "prod sets bandwidthManager = true, but ci no longer holds that value (ci has bandwidthManager = false since 2026-11-19, commit 2222222). Fix: set it on ci again and soak it for 7 days, or revert prod.",
    ]);
  });

  it("checks only knobs prod moves off the baseline: a baseline prod passes whatever ci holds", () => {
    expect(gate([snap(null, NOW, { bpfMasquerade: true })], {})).toEqual({ status: [], violations: [] });
  });
});

describe("one knob per change, settings alongside (pure)", () => {
  it("fails when prod changes two knobs in one change", () => {
    const r = rolloutCheck(
      input({ ...SOAKED, prod: { now: prodFile({ bandwidthManager: true, bpfMasquerade: true }) } }),
    );
    expect(r.violations).toEqual([
      {
        rule: "one-knob-per-change",
        stack: "prod",
        message:
          "prod changes 2 knobs in one change (bandwidthManager, bpfMasquerade); one knob per change. Fix: split it into separate pull requests.",
      },
    ]);
    expect(r.ok).toBe(false);
  });

  it("fails when ci changes two knobs in one change", () => {
    const r = rolloutCheck(input({ ci: { now: ciFile({ bandwidthManager: true, bpfMasquerade: true }) } }));
    expect(r.violations.map((v) => v.message)).toEqual([
      "ci changes 2 knobs in one change (bandwidthManager, bpfMasquerade); one knob per change. Fix: split it into separate pull requests.",
    ]);
  });

  it("passes one soaked knob on prod", () => {
    const r = rolloutCheck(input({ ...SOAKED, prod: { now: prodFile({ bandwidthManager: true }) } }));
    expect(r.violations).toEqual([]);
    expect(r.stacks.prod.changes.map((c) => [c.knob, c.from, c.to])).toEqual([
      ["bandwidthManager", false, true],
    ]);
  });

  it("passes a version bump and a worker count alone: settings are not knobs", () => {
    const now = prodFile({
      talosVersion: "v1.13.10",
      kubernetesVersion: "1.36.4",
      workerPools: [{ name: "workers", count: 4, serverType: "cpx41", location: "fsn1" }],
    });
    const r = rolloutCheck(input({ prod: { now } }));
    expect(r.violations).toEqual([]);
    expect(r.stacks.prod).toEqual({
      changes: [],
      settings: ["talosVersion", "kubernetesVersion", "workerPools"],
      render: {
        rendered: false,
        reason: "not-rendered",
        message: "the check was run without rendering",
        fallback: true,
      },
    });
  });

  it("passes a version bump plus one soaked knob", () => {
    const now = prodFile({ talosVersion: "v1.13.10", bandwidthManager: true });
    const r = rolloutCheck(input({ ...SOAKED, prod: { now } }));
    expect(r.violations).toEqual([]);
    expect(r.stacks.prod.changes.map((c) => c.knob)).toEqual(["bandwidthManager"]);
    expect(r.stacks.prod.settings).toEqual(["talosVersion"]);
  });

  it("counts a stack file absent at the base as all defaults", () => {
    const r = rolloutCheck(input({ ci: { base: undefined, now: ciFile({ bandwidthManager: true }) } }));
    expect(r.stacks.ci.changes.map((c) => [c.knob, c.from, c.to])).toEqual([
      ["bandwidthManager", false, true],
    ]);
    expect(r.stacks.ci.settings).toEqual(["adminCidrs"]);
    expect(r.violations).toEqual([]);
  });
});

describe("the config rule and soakDays (pure)", () => {
  it("fails with the resolution's problems when a working-tree stack file is invalid", () => {
    const r = rolloutCheck(input({ prod: { now: prodFile({ bandwidthManager: "yes" }) } }));
    expect(r.violations).toEqual([
      {
        rule: "config",
        stack: "prod",
        knob: "bandwidthManager",
        message:
          'Pulumi.prod.yaml: hcloud-talos-cilium:bandwidthManager = "yes": not a boolean (true or false). Allowed: a boolean (true or false). Fix: correct it, or remove the key for the default false.',
      },
    ]);
  });

  it("fails when a working-tree stack file is not YAML, and counts it as unchanged", () => {
    const r = rolloutCheck(input({ ci: { now: "config: [unclosed" } }));
    expect(r.violations.map((v) => [v.rule, v.stack])).toEqual([["config", "ci"]]);
    expect(r.violations[0]?.message).toMatch(
      /^Pulumi\.ci\.yaml: not valid YAML: .*Fix: correct the file\.$/s,
    );
    expect(r.stacks.ci.changes).toEqual([]);
  });

  it("reads soakDays from prod, and a change cannot lower the gate it is judged by", () => {
    const history = [
      { commit: sha("2"), date: "2026-11-18T12:00:00.000Z", text: ciFile({ bandwidthManager: true }) },
    ];
    const ci = { base: ciFile({ bandwidthManager: true }), now: ciFile({ bandwidthManager: true }) };
    const lowered = rolloutCheck(
      input({ ci, ciHistory: history, prod: { now: prodFile({ bandwidthManager: true, soakDays: 2 }) } }),
    );
    expect(lowered.soakDays).toBe(7);
    expect(lowered.ok).toBe(false);
    const merged = rolloutCheck(
      input({
        ci,
        ciHistory: history,
        prod: { base: prodFile({ soakDays: 2 }), now: prodFile({ bandwidthManager: true, soakDays: 2 }) },
      }),
    );
    expect(merged.soakDays).toBe(2);
    expect(merged.violations).toEqual([]);
  });
});

describe("rollout report (pure)", () => {
  it("names the costs of the bandwidth manager: agents roll, operator rolls", () => {
    const c = describeChange("prod", { knob: "bandwidthManager", from: false, to: true });
    expect(c).toEqual({
      knob: "bandwidthManager",
      from: false,
      to: true,
      title: "bandwidth manager",
      costs: [
        {
          cost: "agents-roll",
          label: "agents roll",
          meaning:
            "the agent DaemonSet's pod template changes (a cilium-config change, through rollOutCiliumPods, or the agent's own spec): every Cilium agent restarts, one node at a time: the deploy's agent roll replaces each node's agent (OnDelete) and checks it before the next (workers agentRollBatchSize at a time)",
        },
        {
          cost: "operator-rolls",
          label: "operator rolls",
          meaning:
            "the operator Deployment's pod template changes (a cilium-config change, through operator.rollOutPods, or its own spec): its 2 pods are replaced one at a time and leadership moves to a new pod",
        },
      ],
      // The catalogue's own words for the knob, passed through (their owner: knobs/catalogue.ts).
      costNote: knobDef("bandwidthManager").costNote,
      decision: knobDef("bandwidthManager").decision,
      warnings: [],
      verify: [
        "cilium status --verbose",
        "hubble observe --verdict DROPPED",
        "pulumi stack output talosHealthArgs --json --stack prod | jq -r '.[]' | xargs talosctl",
      ],
      notes: [
        "prod: deploy in a low-traffic window",
        "operator rolls: wait for `kubectl -n kube-system rollout status deployment/cilium-operator` before judging Gateways, endpoint slices or identities",
      ],
    });
  });

  it("names the costs of BPF masquerade: agents roll, operator rolls, conntrack resets (expect connection resets)", () => {
    const c = describeChange("ci", { knob: "bpfMasquerade", from: false, to: true });
    expect([c.from, c.to, c.costs.map((x) => x.label)]).toEqual([
      false,
      true,
      ["agents roll", "operator rolls", "conntrack resets"],
    ]);
    expect(c.notes.slice(1)).toEqual([
      "conntrack resets: expect connection resets while each node rolls; connection tracking and NAT state start empty",
    ]);
    expect(c.verify.at(-1)).toBe(
      "pulumi stack output talosHealthArgs --json --stack ci | jq -r '.[]' | xargs talosctl",
    );
  });

  it("names the costs of netkit: agents roll, operator rolls, pods restart, nodes replaced, with the resolution's warnings", () => {
    const base = ciFile({ bandwidthManager: true, bpfMasquerade: true });
    const r = rolloutCheck(
      input({
        ci: { base, now: ciFile({ bandwidthManager: true, bpfMasquerade: true, datapathMode: "netkit" }) },
      }),
    );
    expect(r.violations).toEqual([]);
    const [c] = r.stacks.ci.changes;
    expect([c?.knob, c?.from, c?.to, c?.costs.map((x) => x.label)]).toEqual([
      "datapathMode",
      "veth",
      "netkit",
      ["agents roll", "operator rolls", "pods restart", "nodes replaced"],
    ]);
    expect(c?.notes.slice(1)).toEqual([
      "pods restart: existing pods keep the old behaviour until they restart; restart them once every agent has rolled",
      "nodes replaced: existing pods must be recreated (drain each node after its agent rolls) or the nodes replaced; mixing old and new is unsupported",
    ]);
    expect(c?.decision.verdict).toBe("later");
    expect(c?.warnings).toEqual([
      'hcloud-talos-cilium:datapathMode = "netkit": our rule: the decision of record is "later": the largest upstream win (host-namespace throughput for pods); re-evaluate once 1.20.x has matured and the adopted knobs have soaked. Allowed: "veth" (the baseline). Fix: only change it after the decision is revisited in datapath.md §4.',
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Temporary git repositories

const { repo, tempDir } = tempRepos("knobs");

const at = (iso: string): Date => new Date(iso);
const CI = "Pulumi.ci.yaml";
const PROD = "Pulumi.prod.yaml";

describe("soak gate against git history", () => {
  it("fails when prod enables a knob ci never held", () => {
    const r = repo();
    r.deployed("ci", { [CI]: ciFile(), [PROD]: prodFile() }, "2026-11-01T12:00:00Z", "2026-11-01T13:00:00Z");
    r.write({ [PROD]: prodFile({ bpfMasquerade: true }) });
    const report = check(r.dir, { base: "HEAD", now: at(NOW) });
    expect(report.violations.map((v) => v.message)).toEqual([
      "prod sets bpfMasquerade = true, but ci has never held that value. Fix: set it on ci first and soak it for 7 days.",
    ]);
  });

  describe("ci took bandwidthManager on 2026-11-18 12:00; prod takes it in the working tree", () => {
    let dir = "";
    let since = "";
    beforeAll(() => {
      const r = repo();
      r.deployed(
        "ci",
        { [CI]: ciFile(), [PROD]: prodFile() },
        "2026-11-01T11:00:00Z",
        "2026-11-01T12:00:00Z",
      );
      since = r.commit({ [CI]: ciFile({ bandwidthManager: true }) }, "2026-11-18T11:00:00Z");
      r.deploy("ci", since, "2026-11-18T12:00:00Z");
      const later = r.commit(
        { [CI]: ciFile({ bandwidthManager: true, talosVersion: "v1.13.10" }) },
        "2026-11-20T11:00:00Z",
      );
      r.deploy("ci", later, "2026-11-20T12:00:00Z");
      r.write({ [PROD]: prodFile({ bandwidthManager: true }) });
      dir = r.dir;
    });

    it("fails after 3 days, naming the commit that started the hold", () => {
      const report = check(dir, { base: "HEAD", now: at(NOW) });
      expect(report.violations.map((v) => v.message)).toEqual([
        `prod sets bandwidthManager = true, but ci has held it for 3 days (since 2026-11-18, commit ${since.slice(0, 7)}); the soak gate needs 7 days (soakDays). Fix: wait until 2026-11-25 12:00 UTC, or revert prod.`,
      ]);
      expect(report.soak[0]?.since).toEqual({ date: "2026-11-18T12:00:00.000Z", commit: since });
    });

    it("passes at exactly 7 days", () => {
      expect(check(dir, { base: "HEAD", now: at("2026-11-25T12:00:00Z") }).violations).toEqual([]);
    });

    it("passes after more than 7 days", () => {
      expect(check(dir, { base: "HEAD", now: at("2026-12-01T00:00:00Z") }).ok).toBe(true);
    });
  });

  it("counts from the last unbroken stretch when ci held the value, reverted, and held it again", () => {
    const r = repo();
    const first = r.commit(
      { [CI]: ciFile({ bandwidthManager: true }), [PROD]: prodFile() },
      "2026-11-01T11:00:00Z",
    );
    r.deploy("ci", first, "2026-11-01T12:00:00Z");
    r.deploy("ci", r.commit({ [CI]: ciFile() }, "2026-11-05T11:00:00Z"), "2026-11-05T12:00:00Z");
    const again = r.commit({ [CI]: ciFile({ bandwidthManager: true }) }, "2026-11-10T11:00:00Z");
    r.deploy("ci", again, "2026-11-10T12:00:00Z");
    r.write({ [PROD]: prodFile({ bandwidthManager: true }) });
    expect(
      check(r.dir, { base: "HEAD", now: at("2026-11-14T12:00:00Z") }).violations.map((v) => v.message),
    ).toEqual([
      `prod sets bandwidthManager = true, but ci has held it for 4 days (since 2026-11-10, commit ${again.slice(0, 7)}); the soak gate needs 7 days (soakDays). Fix: wait until 2026-11-17 12:00 UTC, or revert prod.`,
    ]);
    expect(check(r.dir, { base: "HEAD", now: at("2026-11-17T12:00:00Z") }).ok).toBe(true);
  });

  it("counts from ci's successful deploy of the merge, not from the branch commit or the merge's date", () => {
    const r = repo();
    r.deployed("ci", { [CI]: ciFile(), [PROD]: prodFile() }, "2026-11-01T12:00:00Z", "2026-11-01T13:00:00Z");
    r.git(["checkout", "-q", "-b", "soak"]);
    // The helper answers the branch's new commit (it reads the ref instead of asking git).
    expect(r.commit({ [CI]: ciFile({ bandwidthManager: true }) }, "2026-11-02T12:00:00Z")).toBe(
      r.git(["rev-parse", "soak"]),
    );
    r.git(["checkout", "-q", "main"]);
    r.git(["merge", "-q", "--no-ff", "-m", "merge soak", "soak"], "2026-11-15T12:00:00Z");
    const merge = r.git(["rev-parse", "HEAD"]);
    r.deploy("ci", merge, "2026-11-16T12:00:00Z");
    r.write({ [PROD]: prodFile({ bandwidthManager: true }) });
    expect(check(r.dir, { base: "HEAD", now: at(NOW) }).violations.map((v) => v.message)).toEqual([
      `prod sets bandwidthManager = true, but ci has held it for 5 days (since 2026-11-16, commit ${merge.slice(0, 7)}); the soak gate needs 7 days (soakDays). Fix: wait until 2026-11-23 12:00 UTC, or revert prod.`,
    ]);
  });

  it("counts an undeployed ci change as held since now", () => {
    const r = repo();
    r.deployed("ci", { [CI]: ciFile(), [PROD]: prodFile() }, "2026-11-01T12:00:00Z", "2026-11-01T13:00:00Z");
    r.write({ [CI]: ciFile({ bandwidthManager: true }), [PROD]: prodFile({ bandwidthManager: true }) });
    expect(check(r.dir, { base: "HEAD", now: at(NOW) }).violations.map((v) => v.message)).toEqual([
      "prod sets bandwidthManager = true, but ci has held it for 0 days (since 2026-11-21, not yet deployed); the soak gate needs 7 days (soakDays). Fix: wait until 2026-11-28 12:00 UTC, or revert prod.",
    ]);
  });
});

describe("one knob per change against git", () => {
  let dir = "";
  let git: (args: string[]) => string = () => "";
  let write: (files: Record<string, string>) => void = () => undefined;
  beforeAll(() => {
    const r = repo();
    const first = r.commit(
      { [CI]: ciFile({ bandwidthManager: true, bpfMasquerade: true }), [PROD]: prodFile() },
      "2026-11-01T12:00:00Z",
    );
    r.deploy("ci", first, "2026-11-01T13:00:00Z");
    ({ dir, git, write } = r);
  });
  const prodChange = (set: Record<string, unknown>) => {
    write({ [PROD]: prodFile(set) });
    return check(dir, { base: "HEAD", now: at(NOW) });
  };

  it("fails when prod changes two knobs in one change", () => {
    expect(
      prodChange({ bandwidthManager: true, bpfMasquerade: true }).violations.map((v) => v.message),
    ).toEqual([
      "prod changes 2 knobs in one change (bandwidthManager, bpfMasquerade); one knob per change. Fix: split it into separate pull requests.",
    ]);
  });

  it("passes one knob", () => {
    expect(prodChange({ bpfMasquerade: true }).violations).toEqual([]);
  });

  it("passes a version bump alone", () => {
    const report = prodChange({ talosVersion: "v1.13.10", kubernetesVersion: "1.36.4" });
    expect([report.violations, report.stacks.prod.settings]).toEqual([
      [],
      ["talosVersion", "kubernetesVersion"],
    ]);
  });

  it("passes a version bump plus one knob", () => {
    const report = prodChange({ talosVersion: "v1.13.10", bandwidthManager: true });
    expect(report.violations).toEqual([]);
    expect(report.stacks.prod.changes.map((c) => [c.knob, c.from, c.to])).toEqual([
      ["bandwidthManager", false, true],
    ]);
  });

  it("defaults the base to HEAD~1, or to the merge-base with origin/main when it exists", () => {
    expect(() => resolveBase(dir)).toThrow(`no origin/main and no HEAD~1 in ${dir}: pass --base <git ref>`);
    const first = git(["rev-parse", "HEAD"]);
    git(["commit", "-q", "--allow-empty", "-m", "second"]);
    expect(resolveBase(dir)).toEqual({ ref: "HEAD~1", commit: first });
    git(["update-ref", "refs/remotes/origin/main", first]);
    git(["commit", "-q", "--allow-empty", "-m", "third"]);
    expect(resolveBase(dir)).toEqual({ ref: "merge-base of HEAD and origin/main", commit: first });
  });
});

// ---------------------------------------------------------------------------------------------------
// The CLI, as the workflows run it

describe("npm run knobs -- check (CLI)", () => {
  const cli = (cwd: string, ...args: string[]) => runTool("knobs", ["check", ...args], { cwd, env: GIT_ENV });
  const inProcess = async (cwd: string, ...args: string[]): Promise<CliRun> => {
    let stdout = "";
    let stderr = "";
    const status = await main(["check", ...args], cwd, {
      out: (t) => (stdout += t),
      err: (t) => (stderr += t),
    });
    return { status, stdout, stderr };
  };
  let violation: CliRun;
  let clean: CliRun;
  let usage: CliRun;
  beforeAll(async () => {
    // Two repositories: a violation and a clean change.
    const dirs = [0, 1].map(() => {
      const r = repo();
      r.deployed(
        "ci",
        { [CI]: ciFile(), [PROD]: prodFile() },
        "2026-11-01T12:00:00Z",
        "2026-11-01T13:00:00Z",
      );
      r.deploy(
        "ci",
        r.commit({ [CI]: ciFile({ bandwidthManager: true }) }, "2026-11-02T12:00:00Z"),
        "2026-11-02T13:00:00Z",
      );
      return r.dir;
    });
    const [bad = "", good = ""] = dirs;
    writeFileSync(join(bad, PROD), prodFile({ bpfMasquerade: true }));
    writeFileSync(join(good, PROD), prodFile({ bandwidthManager: true }));
    // One real process proves the wiring and the exit code; the other cases run `main` in-process.
    violation = await cli(bad, "--base", "HEAD", "--json", "--now", NOW);
    clean = await inProcess(good, "--base", "HEAD", "--markdown", "--repo", ".", "--now", NOW);
    usage = await inProcess(bad, "--json", "--markdown");
  }, 60_000);

  it("exits 1 on a violation: the JSON report on stdout, the message on stderr", () => {
    const r = violation;
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(report)).toEqual([
      "base",
      "baseCommit",
      "now",
      "soakDays",
      "codeChanges",
      "stacks",
      "soak",
      "violations",
      "ok",
      "settings",
    ]);
    // No setting moved on either stack: nothing was planned.
    expect(report.settings).toEqual({});
    const message =
      "prod sets bpfMasquerade = true, but ci has never held that value. Fix: set it on ci first and soak it for 7 days.";
    expect(report.violations).toEqual([{ rule: "soak-gate", stack: "prod", knob: "bpfMasquerade", message }]);
    expect(r.stderr).toBe(`✗ ${message}\n`);
  });

  it("exits 0 on a clean change and prints the Markdown table of the rollout", () => {
    expect([clean.status, clean.stderr]).toEqual([0, ""]);
    expect(clean.stdout).toContain("### Knob rollout check: ✓ passed\n");
    expect(clean.stdout).toContain(
      [
        "#### prod: 1 knob change",
        "",
        "| knob | from | to | costs | decision of record |",
        "| --- | --- | --- | --- | --- |",
        "| bandwidth manager (`bandwidthManager`) | `false` | `true` | **agents roll, operator rolls**: every agent and the operator roll; each agent replaces the node qdisc with fq (Cilium re-applies it; hand fixes do not stick) | **adopt (step 1)**: fq/EDT pacing: better tail latency and fairness on egress; soak with WireGuard on (fq's 100-packet flow limit dropped WireGuard bursts in a field report) |",
      ].join("\n"),
    );
    expect(clean.stdout).toContain(
      "Rollout checklist (run the commands after each node rolls):\n\n- [ ] `cilium status --verbose`\n- [ ] `hubble observe --verdict DROPPED`\n- [ ] `pulumi stack output talosHealthArgs --json --stack prod | jq -r '.[]' | xargs talosctl`\n- [ ] prod: deploy in a low-traffic window\n- [ ] operator rolls: wait for `kubectl -n kube-system rollout status deployment/cilium-operator` before judging Gateways, endpoint slices or identities\n",
    );
  });

  it("exits 2 with the usage on a usage error", () => {
    const r = usage;
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^--json and --markdown exclude each other\nusage: npm run check -- \(or: npm run knobs -- check\) /,
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// The report rendered from the real chart

const chart = reference("charts/cilium-1.20.0.tgz");
const CHARTS = join(chart.path, "..");

describe("the chart's refusal (pure)", () => {
  it("is a config violation when the working tree's values do not render, not when the base's do not", () => {
    const error =
      "Error: execution error at (cilium/templates/validate.yaml:71:7): Hubble Relay requires .Values.hubble.enabled=true";
    const refuse = (side: "base" | "head") =>
      rolloutCheck({
        ...input({}),
        render: { ci: { rendered: false, reason: "chart-error", side, message: error } },
      });
    expect(refuse("head").violations).toEqual([
      {
        rule: "config",
        stack: "ci",
        message: `Pulumi.ci.yaml: the Cilium chart refuses the Helm values this file resolves to: ${error}. Fix: change the stack file until \`npm run plan -- --stack ci\`'s ciliumValues render.`,
      },
    ]);
    expect(refuse("base").violations).toEqual([]);
    expect(refuse("base").stacks.ci.render).toMatchObject({
      rendered: false,
      reason: "chart-error",
      fallback: true,
    });
  });
});

const helm = helmOnPath();

describe.skipIf(!chart.present || helm === undefined)("npm run knobs -- check, rendered", () => {
  /** A repository with baseline ci and prod files; the working tree's ci file sets `ci`. */
  const changed = (ci: Record<string, unknown>, prod: Record<string, unknown> = {}) => {
    const r = repo();
    r.commit({ [CI]: ciFile(), [PROD]: prodFile() }, "2026-11-01T12:00:00Z");
    r.write({ [CI]: ciFile(ci), [PROD]: prodFile(prod) });
    return r.dir;
  };
  const run = async (dir: string, ...args: string[]): Promise<CliRun> => {
    let stdout = "";
    let stderr = "";
    const status = await main(["check", "--base", "HEAD", "--now", NOW, ...args], dir, {
      out: (t) => (stdout += t),
      err: (t) => (stderr += t),
    });
    return { status, stdout, stderr };
  };
  const fates = (r: KnobsReport, stack: "ci" | "prod") => {
    const render = r.stacks[stack].render;
    return render.rendered
      ? Object.fromEntries(render.diff.workloads.map((w) => [w.workload, w.fate]))
      : render;
  };

  describe("turning SPIRE off on ci", () => {
    let json: KnobsReport;
    let text = "";
    let markdown = "";
    beforeAll(async () => {
      const dir = changed({ mutualAuth: false });
      json = JSON.parse((await run(dir, "--charts", CHARTS, "--json")).stdout) as KnobsReport;
      text = (await run(dir, "--charts", CHARTS)).stdout;
      markdown = (await run(dir, "--charts", CHARTS, "--markdown")).stdout;
    }, 60_000);

    it("rolls the agents and the operator (a mount goes) and removes the SPIRE server and agent", () => {
      expect(fates(json, "ci")).toEqual({
        agent: "rolls",
        operator: "rolls",
        envoy: "unchanged",
        relay: "unchanged",
        ui: "unchanged",
        "spire-server": "removed",
        "spire-agent": "removed",
      });
      const render = json.stacks.ci.render;
      if (!render.rendered) throw new Error("not rendered");
      expect(render.diff.workloads.find((w) => w.workload === "operator")?.podTemplate).toEqual([
        'metadata.annotations["cilium.io/cilium-configmap-checksum"]',
        "spec.containers[cilium-operator].volumeMounts",
        "spec.volumes[spire-agent-socket]",
      ]);
      expect(render.diff.config.find((c) => c.key === "mesh-auth-enabled")).toEqual({
        key: "mesh-auth-enabled",
        from: "true",
        to: "false",
      });
      expect([render.costs, render.drift, render.chart, render.digest]).toEqual([
        ["agents-roll", "operator-rolls", "spire-toggles"],
        [],
        "cilium 1.20.0",
        "c5f013912360d1a334f44ef25f36da59ba3414cdb48f466ee12d0c4fdff27883",
      ]);
    });

    it("renders prod, unchanged, as the same release: nothing changes", () => {
      expect(json.stacks.prod.render).toMatchObject({
        rendered: true,
        sameInputs: true,
        diff: { identical: true },
        costs: [],
      });
    });

    it("prints the same facts as text and Markdown as it gives in JSON", () => {
      const render = json.stacks.ci.render;
      if (!render.rendered) throw new Error("not rendered");
      const { head, lines } = renderedLines(render);
      for (const line of [head, ...lines]) expect(text).toContain(line.trim());
      expect(markdown).toContain(`**Rendered:** ${head}.`);
      for (const w of render.diff.workloads) {
        expect(text).toContain(w.fate === "unchanged" ? w.title : workloadLine(w));
        const what = workloadLine(w).split("): ").slice(1).join("): ");
        expect(markdown).toContain(
          `| ${w.title} | \`${showRef(w.object)}\` | ${what.replace(/\|/g, "\\|")} |`,
        );
      }
      for (const c of render.diff.config) {
        const line = `${c.key}: ${show(c.from)} → ${show(c.to)}`;
        expect([text.includes(line), markdown.includes(`\`${line}\``)]).toEqual([true, true]);
      }
    });
  });

  it("turning the Hubble UI off only removes its objects: agents and operator do not roll", () => {
    const r = check(changed({ hubbleUI: false }), { base: "HEAD", now: at(NOW), charts: CHARTS });
    expect(fates(r, "ci")).toMatchObject({ agent: "unchanged", operator: "unchanged", ui: "removed" });
    expect(r.stacks.ci.render).toMatchObject({ costs: ["ui-toggles"], drift: [], diff: { config: [] } });
    expect(r.stacks.ci.changes[0]?.notes).toContain(
      "agents do not roll: run the checks once, after the change",
    );
  });

  it("says nothing rolls when the change resolves to the Helm values already deployed", () => {
    const same = check(changed({ talosVersion: "v1.13.10", hubbleRelayReplicas: 2 }), {
      base: "HEAD",
      now: at(NOW),
      charts: CHARTS,
    });
    expect([same.stacks.ci.changes, same.stacks.ci.settings]).toEqual([[], ["talosVersion"]]);
    expect(same.stacks.ci.render).toMatchObject({
      rendered: true,
      sameInputs: true,
      costs: [],
      diff: { identical: true },
    });
    expect(renderText(same)).toContain(
      "    nothing changes: every object renders the same (the same Helm values, chart and Kubernetes version); nothing rolls",
    );
    // A new Kubernetes patch is a new render input (the chart branches on the version); it renders the same.
    const patch = check(changed({ kubernetesVersion: "1.36.4" }), {
      base: "HEAD",
      now: at(NOW),
      charts: CHARTS,
    });
    expect(patch.stacks.ci.render).toMatchObject({
      rendered: true,
      sameInputs: false,
      costs: [],
      diff: { identical: true },
    });
    expect(renderText(patch)).toContain("    nothing changes: every object renders the same; nothing rolls");
  });

  it("falls back to the catalogue's prediction and says why: no archive, no helm, a digest mismatch, no pinned digest", async () => {
    const dir = changed({ bandwidthManager: true });
    const noArchive = await run(dir);
    expect(noArchive.stdout).toContain(
      "  not rendered (base), fell back to the catalogue's prediction: no-archive:\n    helm pull cilium --repo https://helm.cilium.io --version 1.20.0 failed: the helm on PATH cannot pull (offline stand-in). Fix: pass --charts <folder with cilium-1.20.0.tgz>\n",
    );
    const noHelm = check(dir, { base: "HEAD", now: at(NOW), charts: CHARTS, helm: join(dir, "no-helm") });
    expect(noHelm.stacks.ci.render).toEqual({
      rendered: false,
      reason: "no-helm",
      side: "base",
      message: "no helm on PATH. Fix: install Helm 3 (https://helm.sh/docs/intro/install/)",
      fallback: true,
    });
    const tampered = tempDir();
    writeFileSync(join(tampered, "cilium-1.20.0.tgz"), "not the chart");
    const mismatch = check(dir, { base: "HEAD", now: at(NOW), charts: tampered });
    expect(mismatch.stacks.ci.render).toMatchObject({
      rendered: false,
      reason: "digest-mismatch",
      fallback: true,
    });
    expect(renderText(mismatch)).toContain("fell back to the catalogue's prediction: digest-mismatch:");
    const unknown = check(changed({ ciliumVersion: "1.20.1" }), {
      base: "HEAD",
      now: at(NOW),
      charts: CHARTS,
    });
    expect(unknown.stacks.ci.render).toMatchObject({
      rendered: false,
      reason: "unknown-version",
      side: "head",
    });
    expect(renderMarkdown(unknown)).toContain(
      "**Rendered:** not rendered (head), fell back to the catalogue's prediction: unknown-version.",
    );
  });

  it("says so when the change also edits the values code, which both sides are valued with", () => {
    const r = repo();
    mkdirSync(join(r.dir, "components", "cilium"), { recursive: true });
    r.commit(
      { [CI]: ciFile(), [PROD]: prodFile(), "components/cilium/values.ts": "// v1\n" },
      "2026-11-01T12:00:00Z",
    );
    r.write({ "components/cilium/values.ts": "// v2\n" });
    const report = check(r.dir, { base: "HEAD", now: at(NOW), charts: CHARTS });
    expect(report.codeChanges).toEqual(["components/cilium/values.ts"]);
    expect(renderText(report)).toContain(
      "⚠ this change also edits the values code (components/cilium/values.ts)",
    );
  });
});

describe("the values code the check watches (VALUES_CODE)", () => {
  it("holds every module the Helm values and the release are computed from (their value imports)", () => {
    const valueImports = (file: string): string[] =>
      [
        ...readFileSync(join(ROOT, file), "utf8").matchAll(/^import (?!type )[^;]*? from "(\.[^"]+)";/gms),
      ].map((m) => normalize(join(dirname(file), `${m[1] ?? ""}.ts`)));
    const missing = ["components/cilium/values.ts", "components/cilium/release.ts"]
      .flatMap(valueImports)
      // The node plan only counts the nodes for the release's timeout.
      .filter((f) => f !== "components/config/spec.ts" && !VALUES_CODE.includes(f));
    expect(missing).toEqual([]);
  });
});
