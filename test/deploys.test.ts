/**
 * Deploy records (.github/scripts/record-deploy.sh writes them, tools/knobs-git.ts reads them) and the
 * gates that read them: `--base deployed` compares each stack with its last successful deploy, and the
 * soak clock starts at ci's successful deploy of a value. Temporary git repositories with controlled
 * dates; the records are written by the workflow's own script under bash.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stackFileText } from "../components/config/stack-file";
import { defaultKnobs, type Knobs } from "../components/knobs/catalogue";
import type { KnobSnapshot } from "../components/datapath/history";
import { soakGate } from "../components/datapath/soak";
import { check } from "../tools/knobs";
import { deployHistory, deployRecords, GitError, lastDeployed, loadRolloutInput } from "../tools/knobs-git";
import { GIT_ENV, tempRepos } from "./git-repos";
import { recordDeploy } from "./helpers";

const { repo, tempDir } = tempRepos("deploys");

const ciFile = (set: Record<string, unknown> = {}): string =>
  stackFileText({ adminCidrs: ["0.0.0.0/0"], ...set });
const prodFile = (set: Record<string, unknown> = {}): string =>
  stackFileText({ production: true, adminCidrs: ["203.0.113.0/24"], ...set });
const CI = "Pulumi.ci.yaml";
const PROD = "Pulumi.prod.yaml";
const NOW = new Date("2026-11-21T12:00:00Z");

const messages = (dir: string, base = "HEAD"): string[] =>
  check(dir, { base, now: NOW }).violations.map((v) => v.message);

describe("the test repositories (test/git-repos.ts writes git's formats itself)", () => {
  // Nested folders, an executable, and names whose order differs between a tree ("a/" sorts after
  // "a.b") and a plain sort ("a" before "a.b"): where a hand-written tree or index would go wrong.
  const FIRST = { "a.b": "x\n", "a/c.txt": "y\n", "z/deep/er.yaml": "k: v\n", [CI]: ciFile() };
  const SECOND = { "a/c.txt": "changed\n", "b-": "new\n" };

  it("write the very commits git add -A && git commit writes: the same ids, parents, dates and author", () => {
    const r = repo();
    const ours = [r.commit(FIRST, "2026-11-01T10:00:00Z")];
    chmodSync(join(r.dir, "a.b"), 0o755);
    ours.push(r.commit(SECOND, "2026-11-02T10:00:00Z"));
    // The same history through real git, in a repository set up the way the helper sets one up.
    const dir = tempDir();
    const git = (args: string[], date?: string) =>
      execFileSync("git", args, {
        cwd: dir,
        encoding: "utf8",
        env: date ? { ...GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : GIT_ENV,
      }).trim();
    git(["init", "-q", "-b", "main"]);
    git(["config", "user.name", "deploys test"]);
    git(["config", "user.email", "deploys@example.com"]);
    const theirs = [FIRST, SECOND].map((files, i) => {
      const date = `2026-11-0${i + 1}T10:00:00Z`;
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(join(dir, name, ".."), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
      if (i === 1) chmodSync(join(dir, "a.b"), 0o755);
      git(["add", "-A"]);
      git(["commit", "-q", "-m", `change at ${date}`], date);
      return git(["rev-parse", "HEAD"]);
    });
    expect(ours).toEqual(theirs);
    expect(r.git(["log", "--format=%H %P|%an <%ae>|%aI|%cI|%s"]).split("\n")).toEqual([
      `${ours[1]} ${ours[0]}|deploys test <deploys@example.com>|2026-11-02T10:00:00+00:00|2026-11-02T10:00:00+00:00|change at 2026-11-02T10:00:00Z`,
      `${ours[0]} |deploys test <deploys@example.com>|2026-11-01T10:00:00+00:00|2026-11-01T10:00:00+00:00|change at 2026-11-01T10:00:00Z`,
    ]);
  });

  it("pass git fsck --strict, and leave an index git reads as clean that still sees an edit", () => {
    const r = repo();
    r.commit(FIRST, "2026-11-01T10:00:00Z");
    r.commit(SECOND);
    expect(r.git(["fsck", "--strict", "--no-dangling"])).toBe("");
    expect(r.git(["status", "--porcelain", "--untracked-files=all"])).toBe("");
    expect(
      r
        .git(["ls-files", "-s"])
        .split("\n")
        .map((l) => l.replace(/ [0-9a-f]{40} /, " ")),
    ).toEqual([
      `100644 0\t${CI}`,
      "100644 0\ta.b",
      "100644 0\ta/c.txt",
      "100644 0\tb-",
      "100644 0\tz/deep/er.yaml",
    ]);
    r.write({ "a/c.txt": "edited\n" });
    expect(r.git(["diff", "--name-only", "HEAD"])).toBe("a/c.txt");
    expect(r.git(["status", "--porcelain"])).toBe("M a/c.txt");
  });
});

describe("the record script (the workflow's own, under bash)", () => {
  it("writes an annotated tag on the commit, which deployRecords reads back with its date and outcome", () => {
    const r = repo();
    const sha = r.commit({ [CI]: ciFile() }, "2026-11-01T10:00:00Z");
    const out = recordDeploy(r.dir, {
      stack: "ci",
      outcome: "success",
      commit: "HEAD",
      date: "2026-11-01T12:30:00Z",
    });
    expect(out.status).toBe(0);
    const [record] = deployRecords(r.dir, "ci");
    expect(record).toEqual({
      tag: expect.stringMatching(/^deployed\/ci\/\d+\.1$/) as unknown as string,
      commit: sha,
      date: "2026-11-01T12:30:00.000Z",
      outcome: "success",
    });
    expect(out.stdout).toBe(`recorded ${record?.tag}: deploy ci success of ${sha}\n`);
    expect(r.git(["cat-file", "-p", record?.tag ?? ""])).toContain(
      "deploy ci success\n\nrun: https://github.com/example/hcloud-talos-cilium/actions/runs/",
    );
    expect(deployRecords(r.dir, "prod")).toEqual([]);
  });

  it("refuses a stack, an outcome or a commit it does not know, writing nothing", () => {
    const r = repo();
    r.commit({ [CI]: ciFile() }, "2026-11-01T10:00:00Z");
    const run = (stack: string, outcome: string, commit: string) =>
      recordDeploy(r.dir, { stack, outcome, commit, date: "2026-11-01T12:00:00Z" });
    expect(run("pr-7", "success", "HEAD")).toMatchObject({
      status: 2,
      stderr: 'record-deploy: stack "pr-7" is not ci or prod\n',
    });
    expect(run("ci", "ok", "HEAD")).toMatchObject({
      status: 2,
      stderr: 'record-deploy: outcome "ok" is not success or failure\n',
    });
    expect(run("ci", "success", "no-such-ref")).toMatchObject({
      status: 2,
      stderr: 'record-deploy: "no-such-ref" is not a commit in this repository\n',
    });
    expect(r.git(["tag", "-l"])).toBe("");
  });

  it("lists records newest first by when the deploy ended, failures included", () => {
    const r = repo();
    const a = r.commit({ [CI]: ciFile() }, "2026-11-01T10:00:00Z");
    const b = r.commit({ [CI]: ciFile({ bandwidthManager: true }) }, "2026-11-02T10:00:00Z");
    r.deploy("ci", b, "2026-11-03T10:00:00Z", "failure");
    r.deploy("ci", a, "2026-11-01T11:00:00Z");
    expect(deployRecords(r.dir, "ci").map((d) => [d.commit, d.date, d.outcome])).toEqual([
      [b, "2026-11-03T10:00:00.000Z", "failure"],
      [a, "2026-11-01T11:00:00.000Z", "success"],
    ]);
    expect(lastDeployed(r.dir, "ci").commit).toBe(a);
    expect(deployHistory(r.dir, "ci").map((s) => [s.commit, s.failed ?? false])).toEqual([
      [b, true],
      [a, false],
    ]);
  });

  it("rejects a record that is not one deploy.yml writes (a lightweight tag), naming it and the fix", () => {
    const r = repo();
    r.commit({ [CI]: ciFile() }, "2026-11-01T10:00:00Z");
    r.git(["tag", "deployed/ci/forged"]);
    expect(() => deployRecords(r.dir, "ci")).toThrow(
      new GitError(
        'deploy record deployed/ci/forged is not an annotated tag on a commit with the subject "deploy ci success" or "deploy ci failure" (found a commit, subject "change at 2026-11-01T10:00:00Z"). Fix: find out who wrote it; delete it (git push origin :refs/tags/deployed/ci/forged) if it is not a deploy.yml record.',
      ),
    );
  });
});

describe("the soak clock starts at ci's successful deploy", () => {
  it("counts from the deploy, not from the commit", () => {
    const r = repo();
    r.deployed("ci", { [CI]: ciFile(), [PROD]: prodFile() }, "2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z");
    const sha = r.commit({ [CI]: ciFile({ bandwidthManager: true }) }, "2026-11-10T12:00:00Z");
    r.deploy("ci", sha, "2026-11-15T12:00:00Z");
    r.write({ [PROD]: prodFile({ bandwidthManager: true }) });
    expect(messages(r.dir)).toEqual([
      `prod sets bandwidthManager = true, but ci has held it for 6 days (since 2026-11-15, commit ${sha.slice(0, 7)}); the soak gate needs 7 days (soakDays). Fix: wait until 2026-11-22 12:00 UTC, or revert prod.`,
    ]);
  });

  it("a value committed but never deployed has not started soaking", () => {
    const r = repo();
    r.deployed("ci", { [CI]: ciFile(), [PROD]: prodFile() }, "2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z");
    r.commit({ [CI]: ciFile({ bandwidthManager: true }) }, "2026-11-02T10:00:00Z");
    r.write({ [PROD]: prodFile({ bandwidthManager: true }) });
    expect(messages(r.dir)).toEqual([
      "prod sets bandwidthManager = true, but ci has held it for 0 days (since 2026-11-21, not yet deployed); the soak gate needs 7 days (soakDays). Fix: wait until 2026-11-28 12:00 UTC, or revert prod.",
    ]);
  });

  it("a failed deploy of the value does not start the clock; the next successful one does", () => {
    const r = repo();
    r.deployed("ci", { [CI]: ciFile(), [PROD]: prodFile() }, "2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z");
    const sha = r.commit({ [CI]: ciFile({ bandwidthManager: true }) }, "2026-11-02T10:00:00Z");
    r.deploy("ci", sha, "2026-11-02T11:00:00Z", "failure");
    r.deploy("ci", sha, "2026-11-16T12:00:00Z");
    r.write({ [PROD]: prodFile({ bandwidthManager: true }) });
    expect(messages(r.dir)).toEqual([
      `prod sets bandwidthManager = true, but ci has held it for 5 days (since 2026-11-16, commit ${sha.slice(0, 7)}); the soak gate needs 7 days (soakDays). Fix: wait until 2026-11-23 12:00 UTC, or revert prod.`,
    ]);
  });

  it("a failed deploy of another value breaks the hold (part of ci may have rolled)", () => {
    const r = repo();
    const held = r.commit(
      { [CI]: ciFile({ bandwidthManager: true }), [PROD]: prodFile() },
      "2026-11-01T10:00:00Z",
    );
    r.deploy("ci", held, "2026-11-01T11:00:00Z");
    const other = r.commit({ [CI]: ciFile() }, "2026-11-17T10:00:00Z");
    r.deploy("ci", other, "2026-11-17T11:00:00Z", "failure");
    const back = r.commit({ [CI]: ciFile({ bandwidthManager: true }) }, "2026-11-18T10:00:00Z");
    r.deploy("ci", back, "2026-11-18T12:00:00Z");
    r.write({ [PROD]: prodFile({ bandwidthManager: true }) });
    expect(messages(r.dir)).toEqual([
      `prod sets bandwidthManager = true, but ci has held it for 3 days (since 2026-11-18, commit ${back.slice(0, 7)}); the soak gate needs 7 days (soakDays). Fix: wait until 2026-11-25 12:00 UTC, or revert prod.`,
    ]);
  });

  it("with no deploy of ci on record, says so and how to get the records", () => {
    const r = repo();
    r.commit({ [CI]: ciFile({ bandwidthManager: true }), [PROD]: prodFile() }, "2026-11-01T10:00:00Z");
    r.write({ [PROD]: prodFile({ bpfMasquerade: true }) });
    expect(messages(r.dir)).toEqual([
      "prod sets bpfMasquerade = true, but ci has no deploy on record (ci's deploy records are the git tags deployed/ci/*, which deploy.yml writes). Fix: fetch them (git fetch --tags origin); if ci was never deployed, set the value on ci first and soak it for 7 days.",
    ]);
  });

  it("the pure gate: a failed snapshot breaks a run of another value and never starts one", () => {
    const snap = (
      commit: string | null,
      date: string,
      set: Partial<Knobs>,
      failed = false,
    ): KnobSnapshot => ({
      commit,
      date,
      knobs: { ...defaultKnobs(), ...set },
      ...(failed ? { failed } : {}),
    });
    const on = { bandwidthManager: true };
    const gate = (history: KnobSnapshot[]) =>
      soakGate({
        prod: { ...defaultKnobs(), ...on },
        ciHistory: history,
        soakDays: 7,
        now: NOW.toISOString(),
      });
    const failedOnly = gate([
      snap(null, NOW.toISOString(), on),
      snap("a".repeat(40), "2026-11-01T00:00:00Z", on, true),
    ]);
    expect(failedOnly.status[0]?.since).toEqual({ date: NOW.toISOString(), commit: null });
    const broken = gate([
      snap(null, NOW.toISOString(), on),
      snap("c".repeat(40), "2026-11-19T00:00:00.000Z", on),
      snap("b".repeat(40), "2026-11-10T00:00:00.000Z", {}, true),
      snap("a".repeat(40), "2026-11-01T00:00:00.000Z", on),
    ]);
    expect(broken.status[0]?.since).toEqual({ date: "2026-11-19T00:00:00.000Z", commit: "c".repeat(40) });
  });
});

describe("--base deployed: each stack against its last successful deploy", () => {
  it("fails a push of two commits that each move one ci knob (what HEAD~1 let through)", () => {
    const r = repo();
    const first = r.commit({ [CI]: ciFile(), [PROD]: prodFile() }, "2026-11-01T10:00:00Z");
    r.deploy("ci", first, "2026-11-01T11:00:00Z");
    r.deploy("prod", first, "2026-11-01T12:00:00Z");
    r.commit({ [CI]: ciFile({ bandwidthManager: true }) }, "2026-11-02T10:00:00Z");
    r.commit({ [CI]: ciFile({ bandwidthManager: true, bpfMasquerade: true }) }, "2026-11-02T10:01:00Z");
    expect(messages(r.dir, "HEAD~1")).toEqual([]);
    expect(messages(r.dir, "deployed")).toEqual([
      "ci changes 2 knobs in one change (bandwidthManager, bpfMasquerade); one knob per change. Fix: split it into separate pull requests.",
    ]);
  });

  it("judges prod against prod's own last deploy, ci against ci's, and says which they are", () => {
    const r = repo();
    const first = r.commit({ [CI]: ciFile(), [PROD]: prodFile() }, "2026-10-01T10:00:00Z");
    r.deploy("prod", first, "2026-10-01T12:00:00Z");
    const soaked = r.commit({ [CI]: ciFile({ bandwidthManager: true }) }, "2026-10-02T10:00:00Z");
    r.deploy("ci", soaked, "2026-10-02T11:00:00Z");
    r.commit({ [PROD]: prodFile({ bandwidthManager: true }) }, "2026-11-20T10:00:00Z");
    const input = loadRolloutInput(r.dir, { base: "deployed", now: NOW });
    expect(input.base).toMatch(
      new RegExp(
        `^last successful deploys: ci ${soaked.slice(0, 7)} \\(deployed/ci/\\d+\\.1\\), prod ${first.slice(0, 7)} \\(deployed/prod/\\d+\\.1\\)$`,
      ),
    );
    const report = check(r.dir, { base: "deployed", now: NOW });
    expect([
      report.violations,
      report.stacks.ci.changes,
      report.stacks.prod.changes.map((c) => c.knob),
    ]).toEqual([[], [], ["bandwidthManager"]]);
  });

  it("refuses to guess when a stack has no successful deploy on record, naming the fix", () => {
    const r = repo();
    const first = r.commit({ [CI]: ciFile(), [PROD]: prodFile() }, "2026-11-01T10:00:00Z");
    r.deploy("ci", first, "2026-11-01T11:00:00Z");
    r.deploy("prod", first, "2026-11-01T12:00:00Z", "failure");
    expect(() => loadRolloutInput(r.dir, { base: "deployed", now: NOW })).toThrow(
      new GitError(
        '--base deployed: no successful deploy of prod is on record (git tags deployed/prod/*, written by deploy.yml). Fix: fetch them (git fetch --tags origin); before the first deploy by the workflow, record the commit prod runs now: git tag -a deployed/prod/bootstrap -m "deploy prod success" <commit> && git push origin refs/tags/deployed/prod/bootstrap',
      ),
    );
  });
});
