// Invariants of the GitHub Actions workflows in .github/workflows and their scripts in .github/scripts:
// pinned and checksum-verified tools and actions, one environment per stack's secrets, concurrency
// groups that never drop a deploy, the gates (knob check against the last deploy, health gate), the
// deploy records, the runner's firewall opening and closing, the labelled ephemeral cluster, fork
// safety and secret hygiene. The workflow scripts run under bash with stand-ins where they can.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { describe, it, expect } from "vitest";
import { parse } from "yaml";
import { neededUnderCi } from "./helpers";

type Dict = Record<string, unknown>;

interface Step {
  name?: string;
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Dict;
  env?: Dict;
  "continue-on-error"?: unknown;
}

interface Concurrency {
  group?: string;
  "cancel-in-progress"?: unknown;
  queue?: unknown;
}

interface Job {
  name?: string;
  "runs-on"?: string;
  if?: string;
  needs?: string | string[];
  environment?: string | { name?: string };
  concurrency?: string | Concurrency;
  permissions?: string | Dict;
  strategy?: { matrix?: Dict; "fail-fast"?: unknown };
  env?: Dict;
  outputs?: Dict;
  steps?: Step[];
}

interface Workflow {
  name?: string;
  on?: Dict;
  permissions?: string | Dict;
  env?: Dict;
  concurrency?: string | Concurrency;
  jobs?: Record<string, Job>;
}

const WORKFLOW_DIR = path.resolve(__dirname, "..", ".github", "workflows");
const EXPECTED_FILES = ["deploy.yml", "janitor.yml", "pr-closed.yml", "pr.yml"];
const SCRIPTS = path.resolve(__dirname, "..", ".github", "scripts");
const FORK_GUARD = "github.event.pull_request.head.repo.full_name == github.repository";
const EPHEMERAL_STACK = "pr-${{ github.event.number }}";

const files = readdirSync(WORKFLOW_DIR)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
const rawText = new Map<string, string>(
  files.map((f) => [f, readFileSync(path.join(WORKFLOW_DIR, f), "utf8")]),
);
const parsed = new Map<string, Workflow>();
const parseErrors = new Map<string, string>();
for (const [file, text] of rawText) {
  try {
    parsed.set(file, parse(text) as Workflow);
  } catch (err) {
    parseErrors.set(file, String(err));
  }
}

function workflow(file: string): Workflow {
  const wf = parsed.get(file);
  if (!wf) throw new Error(`workflow ${file} is missing or did not parse`);
  return wf;
}

function jobsOf(file: string): Record<string, Job> {
  return workflow(file).jobs ?? {};
}

function job(file: string, id: string): Job {
  const j = jobsOf(file)[id];
  if (!j) throw new Error(`${file} has no job ${id}`);
  return j;
}

function stepsOf(file: string, id: string): Step[] {
  return job(file, id).steps ?? [];
}

function needsOf(j: Job): string[] {
  if (j.needs === undefined) return [];
  return Array.isArray(j.needs) ? j.needs : [j.needs];
}

function stringMap(d: Dict | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(d ?? {})) out[k] = String(v);
  return out;
}

/** The environment a step's script sees from the workflow file: workflow env, then job env, then step env. */
function effectiveEnv(file: string, jobId: string, step: Step): Record<string, string> {
  return { ...stringMap(workflow(file).env), ...stringMap(job(file, jobId).env), ...stringMap(step.env) };
}

/** Replaces $VAR and ${VAR} by the workflow-level value of VAR where the file defines one. */
function resolveVars(word: string, env: Record<string, string>): string {
  return word.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, name: string) => env[name] ?? m);
}

/** Splits a script into logical lines (backslash continuations joined), without comments. */
function scriptLines(script: string): string[] {
  return script
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * Words of a shell line; quotes are removed and quoted text stays one word. The opening of a command
 * substitution (`x=$(` or `$(`) is dropped so the command inside is seen. Good enough for these scripts.
 */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const unquoted = m[3];
    if (unquoted === undefined) {
      words.push(m[1] ?? m[2] ?? "");
      continue;
    }
    const subst = /^(?:[A-Za-z_][A-Za-z0-9_]*=)?\$\((.*)$/.exec(unquoted);
    if (subst) {
      if (subst[1]) words.push(subst[1]);
    } else words.push(unquoted);
  }
  return words;
}

const SHELL_OPERATORS = new Set(["&&", "||", "|", ";", "then", "do", ">", ">>", "<", "<<<"]);

/** Words after which a new command starts. */
const COMMAND_STARTS = new Set(["if", "!", "then", "else", "do", "while", "until"]);

function isOperator(word: string): boolean {
  return SHELL_OPERATORS.has(word) || /^[0-9]*>/.test(word) || word.startsWith("<");
}

interface Invocation {
  stepIndex: number;
  /** Arguments after the program name (and after `npm run <script> --` for npm scripts). */
  argv: string[];
  /** Target of a `>`/`>>` redirection following the command, if any. */
  redirect?: string;
  line: string;
}

/** Finds every invocation of `program` (e.g. ["pulumi"] or ["npm", "run", "knobs", "--"]) in a job's scripts. */
function invocations(file: string, jobId: string, program: string[]): Invocation[] {
  const found: Invocation[] = [];
  stepsOf(file, jobId).forEach((step, stepIndex) => {
    if (step.run === undefined) return;
    const env = effectiveEnv(file, jobId, step);
    for (const line of scriptLines(step.run)) {
      const words = shellWords(line);
      for (let i = 0; i + program.length <= words.length; i++) {
        if (!program.every((p, k) => words[i + k] === p)) continue;
        // a command starts a line, or follows an operator or a keyword (not an argument like `... pulumi`)
        const before = words[i - 1];
        if (before !== undefined && !isOperator(before) && !COMMAND_STARTS.has(before)) continue;
        const argv: string[] = [];
        let redirect: string | undefined;
        for (let k = i + program.length; k < words.length; k++) {
          let w = words[k] ?? "";
          if (isOperator(w)) {
            if (w === ">" || w === ">>") redirect = resolveVars(words[k + 1] ?? "", env);
            break;
          }
          // `cmd;` and the `)` closing a command substitution end the command
          const endsCommand = /[;)]$/.test(w);
          if (endsCommand) w = w.replace(/;?\)?;?$/, "");
          argv.push(resolveVars(w, env));
          if (endsCommand) break;
        }
        found.push({ stepIndex, argv, line, ...(redirect === undefined ? {} : { redirect }) });
      }
    }
  });
  return found;
}

function flagValue(argv: string[], ...flags: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (flags.includes(a)) return argv[i + 1];
    for (const f of flags) if (f.startsWith("--") && a.startsWith(`${f}=`)) return a.slice(f.length + 1);
  }
  return undefined;
}

const FLAGS_WITH_VALUE = new Set([
  "--stack",
  "-s",
  "--copy-config-from",
  "--dest",
  "-d",
  "--secrets-provider",
]);

function firstPositional(argv: string[], from: number): string | undefined {
  for (let i = from; i < argv.length; i++) {
    const a = argv[i] ?? "";
    if (FLAGS_WITH_VALUE.has(a)) i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}

/** Stacks a pulumi CLI command operates on (not the ones it only reads config from). */
function stacksOfCommand(argv: string[]): string[] {
  const [sub, sub2] = argv;
  if (sub === "stack" && sub2 === "ls") return [];
  if (sub === "config" && sub2 === "cp") {
    const dest = flagValue(argv, "--dest", "-d");
    return dest === undefined ? [] : [dest];
  }
  const explicit = flagValue(argv, "--stack", "-s");
  if (explicit !== undefined) return [explicit];
  if (sub === "stack" && (sub2 === "init" || sub2 === "select" || sub2 === "rm")) {
    const positional = firstPositional(argv, 2);
    return positional === undefined ? [] : [positional];
  }
  return [];
}

/** Every stack a job operates on: the stacks its pulumi CLI commands name. */
function stackRefs(file: string, jobId: string): string[] {
  const refs = new Set<string>();
  for (const inv of invocations(file, jobId, ["pulumi"]))
    for (const s of stacksOfCommand(inv.argv)) refs.add(s);
  return [...refs];
}

/** Textual fallback so a job is still flagged if the structural detection above misses its stack use. */
function mentionsStack(j: Job): boolean {
  const text = JSON.stringify(j);
  return /stack-name|--stack\b|pulumi (up|preview|destroy|refresh)\b|pulumi stack (?!ls\b)/.test(text);
}

function concurrencyOf(j: Job): Concurrency | undefined {
  if (j.concurrency === undefined) return undefined;
  return typeof j.concurrency === "string" ? { group: j.concurrency } : j.concurrency;
}

function usesSecrets(value: unknown): boolean {
  return JSON.stringify(value ?? null).includes("secrets.");
}

/** Paths (dot-joined) of every string value in the parsed YAML. */
function stringLeaves(value: unknown, at: string[] = []): { path: string[]; value: string }[] {
  if (typeof value === "string") return [{ path: at, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...at, String(i)]));
  if (value !== null && typeof value === "object") {
    return Object.entries(value as Dict).flatMap(([k, v]) => stringLeaves(v, [...at, k]));
  }
  return [];
}

/** A `uses:` line's action, commit and the tag in its comment, from the raw text (comments are not YAML data). */
function actionPins(text: string): { action: string; sha: string; tag: string | undefined; line: string }[] {
  return [...text.matchAll(/^\s*(?:-\s+)?uses:\s*([^@\s]+)@(\S+)(?:\s+#\s*(\S+))?\s*$/gm)].map((m) => ({
    action: m[1] ?? "",
    sha: m[2] ?? "",
    tag: m[3],
    line: (m[0] ?? "").trim(),
  }));
}

/**
 * The releases each pinned action may be, and their commits. Source: the git tags of each repository
 * as GitHub serves them, read on 2026-12-01 from a snapshot of each (`git rev-parse <tag>^{commit}`):
 * github.com/actions/checkout, github.com/actions/setup-node,
 * github.com/marocchino/sticky-pull-request-comment.
 */
const ACTION_RELEASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "actions/checkout": {
    "v7.0.1": "3d3c42e5aac5ba805825da76410c181273ba90b1",
    "v7.0.0": "9c091bb21b7c1c1d1991bb908d89e4e9dddfe3e0",
    "v6.1.0": "d23441a48e516b6c34aea4fa41551a30e30af803",
  },
  "actions/setup-node": {
    "v7.0.0": "820762786026740c76f36085b0efc47a31fe5020",
    "v6.5.0": "249970729cb0ef3589644e2896645e5dc5ba9c38",
  },
  "marocchino/sticky-pull-request-comment": {
    "v3.0.5": "5770ad5eb8f42dd2c4f34da00c94c5381e49af88",
    "v3.0.4": "0ea0beb66eb9baf113663a64ec522f60e49231c0",
  },
};

/**
 * The releases each installed tool may be pinned at. Sources (read 2026-12-01):
 * - talosctl: the release tags of github.com/siderolabs/talos (v1.13.9 of 2026-08-19 is the newest 1.13);
 * - cilium CLI: github.com/cilium/cilium-cli tags and its stable.txt (v0.19.7 of 2026-07-28, "Cilium 1.17
 *   and newer" in its README); there is no v0.20.0;
 * - helm: github.com/helm/helm tags, the v3 line (v3.21.4 of 2026-08-13; the stand-in and the render
 *   check speak Helm 3);
 * - Pulumi CLI: the CLI and the SDKs are released together from one tag of github.com/pulumi/pulumi
 *   (.github/workflows/release.yml publishes @pulumi/pulumi from the GitHub release v<version>, whose
 *   pulumi-* archives and checksums go to get.pulumi.com); @pulumi/pulumi 3.270.0, the lockfile's, was
 *   published 2026-10-16 (npm registry); 3.259.0 is the newest tag in the snapshot of pulumi/pulumi;
 * - kubectl: the stacks' kubernetesVersion (1.36.3, a release Talos v1.13 supports), as kubectl is
 *   supported within one minor of the API server (kubernetes.io/releases/version-skew-policy, kubectl);
 * - hubble CLI: the release tags of github.com/cilium/hubble (a snapshot of 2026-08-05 ends at v1.19.4;
 *   v1.17.0 is the first whose vendored CLI has --port-forward: hubble/cmd/common/config/flags.go,
 *   cilium/cilium#35483), which the agent roll's Hubble queries use.
 */
const TOOL_RELEASES: Readonly<Record<string, readonly string[]>> = {
  TALOSCTL_VERSION: ["v1.13.9", "v1.13.8", "v1.13.7"],
  CILIUM_CLI_VERSION: ["v0.19.7", "v0.19.6", "v0.19.5"],
  HELM_VERSION: ["v3.21.4", "v3.21.3"],
  PULUMI_VERSION: ["3.270.0", "3.259.0"],
  KUBECTL_VERSION: ["v1.36.3"],
  HUBBLE_VERSION: ["v1.19.4", "v1.19.3", "v1.18.6"],
};

const INSTALL = readFileSync(path.join(SCRIPTS, "install-tools.sh"), "utf8");

/** A `NAME=value` assignment at the top level of a script. */
function scriptVar(text: string, name: string): string | undefined {
  return new RegExp(`^${name}=(\\S+)$`, "m").exec(text)?.[1];
}

/** What a job does to stacks: "deploy" (up, destroy, refresh, stack rm, stack tag set), "preview", or nothing. */
function stackUse(file: string, id: string): { deploys: boolean; previews: boolean } {
  const argvs = invocations(file, id, ["pulumi"]).map((i) => i.argv);
  const is = (a: string[], ...p: string[]) => p.every((w, k) => a[k] === w);
  return {
    deploys: argvs.some(
      (a) =>
        is(a, "up") ||
        is(a, "destroy") ||
        is(a, "refresh") ||
        is(a, "stack", "rm") ||
        is(a, "stack", "tag", "set"),
    ),
    previews: argvs.some((a) => is(a, "preview")),
  };
}

/** Every job of every workflow, as [file, id]. */
const allJobs = (): [string, string][] =>
  files.flatMap((f) => Object.keys(jobsOf(f)).map((id): [string, string] => [f, id]));

const envName = (j: Job): string | undefined =>
  typeof j.environment === "string" ? j.environment : j.environment?.name;

/** Which stacks each environment's secrets are for (README, "The workflows, their environments and secrets"). */
const ENVIRONMENT_STACKS: Readonly<Record<string, RegExp>> = {
  ci: /^ci$/,
  "ci-preview": /^ci$/,
  production: /^prod$/,
  "prod-preview": /^prod$/,
  pr: /^pr-(\$\{\{ (github\.event\.number|matrix\.pr) \}\}|\$n)$/,
};

/** Runs a script under bash as GitHub does (bash -e, no rc files) with extra env and a stand-in bin dir first on PATH. */
function runScript(script: string, args: string[], env: Record<string, string>, bin: string) {
  return spawnSync("bash", ["--noprofile", "--norc", "-e", script, ...args], {
    env: { PATH: `${bin}:${process.env.PATH ?? ""}`, ...env },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** A stand-in `curl` that serves `<web>/<host>/<path>` for https URLs, and fails like curl -f for others. */
function fakeCurl(dir: string): { bin: string; web: string } {
  const bin = path.join(dir, "bin");
  const web = path.join(dir, "web");
  mkdirSync(bin, { recursive: true });
  mkdirSync(web, { recursive: true });
  writeFileSync(
    path.join(bin, "curl"),
    [
      "#!/usr/bin/env bash",
      'out=""; url=""',
      'while [ "$#" -gt 0 ]; do case "$1" in -o) out=$2; shift 2 ;; --proto|--max-time|--retry|-H) shift 2 ;; -*) shift ;; *) url=$1; shift ;; esac; done',
      'f="$FAKE_WEB/${url#https://}"',
      '[ -f "$f" ] || { echo "curl: (22) 404 $url" >&2; exit 22; }',
      'if [ -n "$out" ]; then cp "$f" "$out"; else cat "$f"; fi',
      "",
    ].join("\n"),
  );
  chmodSync(path.join(bin, "curl"), 0o755);
  return { bin, web };
}

const sha256 = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");

describe("workflow files", () => {
  it("has all four workflows and every workflow file parses as a mapping with triggers and jobs", () => {
    expect(files).toEqual(EXPECTED_FILES);
    expect([...parseErrors.keys()]).toEqual([]);
    for (const file of files) {
      const wf = workflow(file);
      expect(typeof wf.name, file).toBe("string");
      expect(wf.on, file).toBeTypeOf("object");
      expect(Object.keys(wf.jobs ?? {}).length, file).toBeGreaterThan(0);
    }
  });

  it("has the expected triggers", () => {
    expect(workflow("pr.yml").on).toEqual({
      pull_request: { branches: ["main"], types: ["opened", "synchronize", "reopened", "labeled"] },
    });
    expect(workflow("pr-closed.yml").on).toEqual({
      pull_request: { types: ["closed", "unlabeled"], branches: ["main"] },
    });
    expect(workflow("deploy.yml").on).toEqual({ push: { branches: ["main"] }, workflow_dispatch: null });
    expect(workflow("janitor.yml").on).toEqual({
      schedule: [{ cron: "17 * * * *" }],
      workflow_dispatch: null,
    });
  });

  it("never uses pull_request_target (it would run PR code with secrets)", () => {
    for (const file of files)
      expect(Object.keys(workflow(file).on ?? {}), file).not.toContain("pull_request_target");
  });

  it("grants only read permissions at workflow level; contents: write only to the record jobs", () => {
    for (const file of files) expect(workflow(file).permissions, file).toEqual({ contents: "read" });
    const writers = allJobs()
      .filter(([f, id]) => JSON.stringify(job(f, id).permissions ?? {}).includes('"contents":"write"'))
      .map(([f, id]) => `${f}/${id}`);
    expect(writers).toEqual(["deploy.yml/record-ci", "deploy.yml/record-prod"]);
  });

  it("sets up Node 22 wherever Node is set up, and package.json's engines say so", () => {
    let count = 0;
    for (const [file, id] of allJobs()) {
      for (const step of stepsOf(file, id)) {
        if (!(step.uses ?? "").startsWith("actions/setup-node@")) continue;
        count++;
        expect(step.with?.["node-version"], `${file}/${id}`).toBe(22);
        // npm's cache only where no secret is in reach (setup-node's README: disable it in privileged workflows)
        expect(step.with?.["cache"] === "npm", `${file}/${id}`).toBe(!usesSecrets(job(file, id)));
      }
    }
    expect(count).toBeGreaterThan(8);
    const pkg = JSON.parse(readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as {
      engines: unknown;
    };
    expect(pkg.engines).toEqual({ node: ">=22" });
  });

  it("never compares with HEAD~1", () => {
    for (const file of files) expect(rawText.get(file), file).not.toMatch(/HEAD~|HEAD\^/);
  });
});

describe("pinned inputs", () => {
  it("pins every action by a 40-hex commit of a known release, with that release's tag in a comment", () => {
    let count = 0;
    for (const file of files) {
      for (const pin of actionPins(rawText.get(file) ?? "")) {
        count++;
        expect(pin.sha, pin.line).toMatch(/^[0-9a-f]{40}$/);
        expect(pin.tag, pin.line).toMatch(/^v\d+\.\d+\.\d+$/);
        expect(ACTION_RELEASES[pin.action]?.[pin.tag ?? ""], pin.line).toBe(pin.sha);
      }
    }
    // every `uses:` the YAML holds was seen by the text scan
    const parsedUses = allJobs().flatMap(([f, id]) => stepsOf(f, id).filter((s) => s.uses !== undefined));
    expect(count).toBe(parsedUses.length);
    expect(count).toBeGreaterThan(20);
  });

  it("pins each tool at a release from the list kept here (with its source)", () => {
    for (const [name, releases] of Object.entries(TOOL_RELEASES)) {
      expect(releases, name).toContain(scriptVar(INSTALL, name));
    }
    // the Pulumi CLI is the SDK's coordinated release (or newer)
    const lock = JSON.parse(readFileSync(path.join(__dirname, "..", "package-lock.json"), "utf8")) as {
      packages: Record<string, { version?: string }>;
    };
    const sdk = (lock.packages["node_modules/@pulumi/pulumi"]?.version ?? "").split(".").map(Number);
    const cli = (scriptVar(INSTALL, "PULUMI_VERSION") ?? "").split(".").map(Number);
    expect(
      cli[0] === sdk[0] && (cli[1] ?? 0) >= (sdk[1] ?? 0),
      `CLI ${cli.join(".")} vs SDK ${sdk.join(".")}`,
    ).toBe(true);
  });

  it("installs every tool from its release with the checksum file that release publishes", () => {
    for (const url of [
      'local base="https://github.com/siderolabs/talos/releases/download/${TALOSCTL_VERSION}"',
      'fetch "$base/sha256sum.txt"',
      "https://github.com/cilium/cilium-cli/releases/download/${CILIUM_CLI_VERSION}",
      'fetch "$base/$f.sha256sum"',
      'fetch "https://get.helm.sh/$f.sha256sum"',
      "https://get.pulumi.com/releases/sdk",
      "pulumi-${PULUMI_VERSION}-checksums.txt",
      'local base="https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/amd64"',
      'fetch "$base/kubectl.sha256"',
      'local base="https://github.com/cilium/hubble/releases/download/${HUBBLE_VERSION}"',
    ])
      expect(INSTALL).toContain(url);
    expect(INSTALL.match(/^\s+verify /gm) ?? []).toHaveLength(6);
  });

  it("never installs the Pulumi CLI another way (no pulumi/actions, no get.pulumi.com | sh)", () => {
    for (const file of files) {
      expect(rawText.get(file), file).not.toMatch(
        /pulumi\/actions@|get\.pulumi\.com \||curl[^\n]*\| *(ba)?sh/,
      );
    }
  });

  it("installs the tools each job runs, before it runs them", () => {
    for (const [file, id] of allJobs()) {
      const steps = stepsOf(file, id);
      const installAt = steps.findIndex((s) => (s.run ?? "").startsWith(".github/scripts/install-tools.sh"));
      const installed = (steps[installAt]?.run ?? "").split(/\s+/).slice(1);
      for (const tool of ["pulumi", "talosctl", "cilium", "helm"]) {
        const uses = steps.findIndex((s) => scriptLines(s.run ?? "").some((l) => shellWords(l)[0] === tool));
        if (uses < 0) continue;
        expect(installed, `${file}/${id} runs ${tool}`).toContain(tool);
        expect(installAt, `${file}/${id}`).toBeLessThan(uses);
      }
      // the program's upgrade commands run talosctl during every up and destroy
      if (stackUse(file, id).deploys) expect(installed, `${file}/${id}`).toContain("talosctl");
      // the agent roll's commands run kubectl and hubble during every up (not destroy: they have no delete)
      const ups = invocations(file, id, ["pulumi"]).some((i) => i.argv[0] === "up");
      if (ups) expect(installed, `${file}/${id}`).toEqual(expect.arrayContaining(["kubectl", "hubble"]));
    }
  });

  describe("install-tools.sh under bash, with a stand-in curl serving the releases", () => {
    const setup = (sums: (file: string, body: Buffer) => string) => {
      const dir = mkdtempSync(path.join(tmpdir(), "tools-"));
      const { bin, web } = fakeCurl(dir);
      const helm = scriptVar(INSTALL, "HELM_VERSION") ?? "";
      const stage = path.join(dir, "stage");
      mkdirSync(path.join(stage, "linux-amd64"), { recursive: true });
      writeFileSync(path.join(stage, "linux-amd64", "helm"), "#!/bin/sh\necho stand-in helm\n");
      const tgz = `helm-${helm}-linux-amd64.tar.gz`;
      mkdirSync(path.join(web, "get.helm.sh"), { recursive: true });
      spawnSync("tar", ["-czf", path.join(web, "get.helm.sh", tgz), "-C", stage, "linux-amd64/helm"]);
      const body = readFileSync(path.join(web, "get.helm.sh", tgz));
      writeFileSync(path.join(web, "get.helm.sh", `${tgz}.sha256sum`), sums(tgz, body));
      const githubPath = path.join(dir, "github-path");
      const r = runScript(
        path.join(SCRIPTS, "install-tools.sh"),
        ["helm"],
        { RUNNER_TEMP: dir, FAKE_WEB: web, GITHUB_PATH: githubPath },
        bin,
      );
      const installed = path.join(dir, "tools", "bin", "helm");
      return {
        r,
        installed: existsSync(installed),
        githubPath: existsSync(githubPath) ? readFileSync(githubPath, "utf8") : null,
        dir,
        tgz,
      };
    };

    it("installs an archive whose sha256 is the one its checksum file lists, and puts it on PATH", () => {
      const s = setup((f, b) => `${sha256(b)}  ${f}\n`);
      expect([s.r.status, s.installed, s.githubPath]).toEqual([0, true, `${s.dir}/tools/bin\n`]);
    });

    it("refuses an archive whose sha256 differs, or that the checksum file does not list", () => {
      const bad = setup((f) => `${"0".repeat(64)}  ${f}\n`);
      expect([bad.r.status, bad.installed, bad.githubPath]).toEqual([1, false, null]);
      expect(bad.r.stderr).toContain(
        `::error::install-tools: ${bad.tgz} does not match the sha256 its release publishes in ${bad.tgz}.sha256sum`,
      );
      const none = setup(() => `${"0".repeat(64)}  helm-other.tar.gz\n`);
      expect([none.r.status, none.installed]).toEqual([1, false]);
      expect(none.r.stderr).toContain(
        `::error::install-tools: ${none.tgz}.sha256sum has no sha256 for ${none.tgz}`,
      );
    });

    it("checks kubectl against the bare digest dl.k8s.io publishes beside it, and refuses another", () => {
      const kubectl = (digest: (body: Buffer) => string) => {
        const dir = mkdtempSync(path.join(tmpdir(), "tools-"));
        const { bin, web } = fakeCurl(dir);
        const at = path.join(
          web,
          "dl.k8s.io",
          "release",
          scriptVar(INSTALL, "KUBECTL_VERSION") ?? "",
          "bin",
          "linux",
          "amd64",
        );
        mkdirSync(at, { recursive: true });
        const body = Buffer.from("#!/bin/sh\necho stand-in kubectl\n");
        writeFileSync(path.join(at, "kubectl"), body);
        writeFileSync(path.join(at, "kubectl.sha256"), digest(body));
        const r = runScript(
          path.join(SCRIPTS, "install-tools.sh"),
          ["kubectl"],
          { RUNNER_TEMP: dir, FAKE_WEB: web },
          bin,
        );
        return { r, installed: existsSync(path.join(dir, "tools", "bin", "kubectl")) };
      };
      const good = kubectl((b) => sha256(b));
      expect([good.r.status, good.installed]).toEqual([0, true]);
      expect(good.r.stdout).toContain("verified kubectl sha256 ");
      const bad = kubectl(() => "0".repeat(64));
      expect([bad.r.status, bad.installed]).toEqual([1, false]);
      expect(bad.r.stderr).toContain(
        "::error::install-tools: kubectl does not match the sha256 its release publishes in kubectl.sha256sum",
      );
    });

    it("refuses an unknown tool", () => {
      const dir = mkdtempSync(path.join(tmpdir(), "tools-"));
      const r = runScript(
        path.join(SCRIPTS, "install-tools.sh"),
        ["kubeadm"],
        { RUNNER_TEMP: dir },
        fakeCurl(dir).bin,
      );
      expect([r.status, r.stderr]).toEqual([
        2,
        'install-tools: unknown tool "kubeadm" (talosctl, cilium, helm, pulumi, kubectl, hubble)\n',
      ]);
    });
  });

  it("checks the charts and the Gateway API manifest each up downloads before it runs", () => {
    for (const [file, id, stack] of [
      ["deploy.yml", "ci", "ci"],
      ["deploy.yml", "prod", "prod"],
      ["pr.yml", "cluster", '"$PR_STACK"'],
    ] as const) {
      const steps = stepsOf(file, id);
      const check = steps.findIndex(
        (s) => s.run === `node --require ./tools/ts-loader.cjs tools/deploy-inputs.ts --stack ${stack}`,
      );
      const up = steps.findIndex((s) => (s.run ?? "").startsWith(`pulumi up --stack ${stack} --yes`));
      expect([check >= 0, up >= 0, check < up], `${file}/${id}`).toEqual([true, true, true]);
    }
  });
});

describe("environments: each stack's secrets in its own environment", () => {
  it("every job that reads a secret names an environment, and only touches that environment's stack", () => {
    for (const [file, id] of allJobs()) {
      const j = job(file, id);
      if (!usesSecrets(j)) continue;
      const env = envName(j);
      expect(env, `${file}/${id}`).toBeDefined();
      const allowed = ENVIRONMENT_STACKS[env ?? ""];
      expect(allowed, `${file}/${id}: ${env}`).toBeDefined();
      for (const stack of stackRefs(file, id))
        expect(stack, `${file}/${id} (${env})`).toMatch(allowed ?? /^$/);
    }
  });

  it("deploys use ci and production, only from main; previews use ci-preview and prod-preview", () => {
    const envs = allJobs()
      .map(([f, id]) => [`${f}/${id}`, envName(job(f, id))])
      .filter(([, e]) => e !== undefined);
    expect(Object.fromEntries(envs)).toEqual({
      "deploy.yml/ci": "ci",
      "deploy.yml/prod": "production",
      "janitor.yml/find": "pr",
      "janitor.yml/destroy": "pr",
      "pr-closed.yml/destroy-ephemeral": "pr",
      "pr.yml/preview-ci": "ci-preview",
      "pr.yml/preview-prod": "prod-preview",
      "pr.yml/preview-pr": "pr",
      "pr.yml/cluster": "pr",
    });
    for (const id of ["ci", "prod"])
      expect(job("deploy.yml", id).if, id).toBe("github.ref == 'refs/heads/main'");
  });

  it("secrets are only the two per environment, used as whole env values", () => {
    const used = new Set<string>();
    for (const file of files)
      for (const m of (rawText.get(file) ?? "").matchAll(/\bsecrets\.([A-Za-z0-9_]+)/g)) used.add(m[1] ?? "");
    expect([...used].sort()).toEqual(["HCLOUD_TOKEN", "PULUMI_ACCESS_TOKEN"]);
    for (const file of files) {
      expect((rawText.get(file) ?? "").replace(/\$\{\{[\s\S]*?\}\}/g, ""), file).not.toMatch(/secrets\./);
      for (const leaf of stringLeaves(workflow(file))) {
        if (!leaf.value.includes("secrets.")) continue;
        const where = `${file}: ${leaf.path.join(".")}`;
        expect(leaf.path[leaf.path.length - 2], where).toBe("env");
        expect(leaf.value, where).toMatch(/^\$\{\{ secrets\.[A-Z_]+ \}\}$/);
      }
    }
  });

  it("jobs with secrets check out without persisting the git token, and PR jobs with secrets exclude forks", () => {
    for (const [file, id] of allJobs()) {
      const j = job(file, id);
      if (!usesSecrets(j)) continue;
      const checkout = stepsOf(file, id).find((s) => (s.uses ?? "").startsWith("actions/checkout@"));
      expect(checkout?.with?.["persist-credentials"], `${file}/${id}`).toBe(false);
      if (file.startsWith("pr")) expect(j.if ?? "", `${file}/${id}`).toContain(FORK_GUARD);
    }
    for (const id of ["test", "knobs"]) {
      expect([job("pr.yml", id).if, usesSecrets(job("pr.yml", id))], id).toEqual([undefined, false]);
    }
  });
});

describe("concurrency: previews and deploys never share a group, and no deploy is dropped", () => {
  const groups = () =>
    allJobs()
      .filter(([f, id]) => stackRefs(f, id).length > 0 || mentionsStack(job(f, id)))
      .map(([f, id]) => ({
        where: `${f}/${id}`,
        use: stackUse(f, id),
        c: concurrencyOf(job(f, id)),
        stacks: stackRefs(f, id),
      }));

  it("every job that changes a stack holds deploy-<stack>, is never cancelled, and queues (queue: max)", () => {
    const deploys = groups().filter((g) => g.use.deploys);
    expect(deploys.map((g) => g.where).sort()).toEqual([
      "deploy.yml/ci",
      "deploy.yml/prod",
      "janitor.yml/destroy",
      "pr-closed.yml/destroy-ephemeral",
      "pr.yml/cluster",
    ]);
    for (const g of deploys) {
      expect(g.stacks, g.where).toHaveLength(1);
      expect(g.c, g.where).toEqual({
        group: `deploy-${g.stacks[0]}`,
        "cancel-in-progress": false,
        queue: "max",
      });
    }
  });

  it("every preview holds a preview-* group of its own (per stack and PR), and none changes a stack", () => {
    const previews = groups().filter((g) => g.use.previews);
    expect(previews.map((g) => [g.where, g.use.deploys, g.c?.group])).toEqual([
      ["pr.yml/preview-ci", false, "preview-ci-pr-${{ github.event.number }}"],
      ["pr.yml/preview-prod", false, "preview-prod-pr-${{ github.event.number }}"],
      ["pr.yml/preview-pr", false, "preview-pr-${{ github.event.number }}"],
    ]);
    const deployGroups = new Set(
      groups()
        .filter((g) => g.use.deploys)
        .map((g) => g.c?.group?.toLowerCase()),
    );
    for (const p of previews) expect(deployGroups.has(p.c?.group?.toLowerCase()), p.where).toBe(false);
  });

  it("the only other stack job (janitor's finder) only reads, and no workflow-level group holds a stack job", () => {
    expect(
      groups()
        .filter((g) => !g.use.deploys && !g.use.previews)
        .map((g) => g.where),
    ).toEqual(["janitor.yml/find"]);
    for (const file of files) {
      const c = workflow(file).concurrency;
      if (c !== undefined)
        expect([file, c]).toEqual(["janitor.yml", { group: "janitor", "cancel-in-progress": false }]);
    }
  });

  it("every pulumi command names its stack", () => {
    for (const [file, id] of allJobs()) {
      for (const inv of invocations(file, id, ["pulumi"])) {
        if (inv.argv[0] === "stack" && inv.argv[1] === "ls") continue;
        expect(stacksOfCommand(inv.argv), `${file}/${id}: ${inv.line}`).toHaveLength(1);
      }
    }
  });

  it("the stack detection recognises every way a stack is named", () => {
    expect(stacksOfCommand(["up", "--stack", "ci"])).toEqual(["ci"]);
    expect(stacksOfCommand(["destroy", "-s", "prod", "--yes"])).toEqual(["prod"]);
    expect(stacksOfCommand(["stack", "init", "pr-1", "--copy-config-from", "ci"])).toEqual(["pr-1"]);
    expect(stacksOfCommand(["stack", "rm", "--yes", "pr-1"])).toEqual(["pr-1"]);
    expect(stacksOfCommand(["config", "cp", "--stack", "ci", "--dest", "pr-1"])).toEqual(["pr-1"]);
    expect(stacksOfCommand(["stack", "ls", "--json"])).toEqual([]);
    expect(mentionsStack({ steps: [{ run: "pulumi preview" }] })).toBe(true);
    expect(mentionsStack({ steps: [{ run: "pulumi stack ls --json" }] })).toBe(false);
  });
});

describe("the deploy: from main's head, checked against the last deploy, recorded", () => {
  const steps = (id: string) => stepsOf("deploy.yml", id);
  const at = (id: string, pred: (s: Step) => boolean) => steps(id).findIndex(pred);
  const upAt = (id: string, stack: string) =>
    at(id, (s) => s.run === `pulumi up --stack ${stack} --yes --non-interactive --suppress-outputs`);

  it("ci deploys main's head as it starts; prod deploys exactly the commit ci deployed, after ci and its record", () => {
    expect(steps("ci")[0]?.with).toEqual({ ref: "main", "fetch-depth": 0, "persist-credentials": false });
    expect(job("deploy.yml", "ci").outputs?.["sha"]).toBe("${{ steps.head.outputs.sha }}");
    expect(steps("ci").find((s) => s.id === "head")?.run).toBe(
      'echo "sha=$(git rev-parse HEAD)" >> "$GITHUB_OUTPUT"',
    );
    expect(needsOf(job("deploy.yml", "prod"))).toEqual(["ci", "record-ci"]);
    expect(steps("prod")[0]?.with?.["ref"]).toBe("${{ needs.ci.outputs.sha }}");
  });

  it("each deploy runs the knob check against every stack's last successful deploy before its up, and a failure stops it", () => {
    for (const [id, stack] of [
      ["ci", "ci"],
      ["prod", "prod"],
    ] as const) {
      const knobs = invocations("deploy.yml", id, ["npm", "run", "knobs", "--"]);
      expect(
        knobs.map((k) => k.argv),
        id,
      ).toEqual([["check", "--base", "deployed", "--markdown"]]);
      const step = steps(id)[knobs[0]?.stepIndex ?? -1];
      expect([step?.if, step?.["continue-on-error"]], id).toEqual([undefined, undefined]);
      expect(knobs[0]?.line, id).not.toMatch(/\|\||;\s*true|set \+e/);
      expect(knobs[0]?.stepIndex ?? Infinity, id).toBeLessThan(upAt(id, stack));
      expect(steps(id)[0]?.with?.["fetch-depth"], `${id}: the records are tags`).toBe(0);
    }
  });

  it("records every started deploy with its outcome, in a job of its own that alone may push", () => {
    for (const [id, stack] of [
      ["ci", "ci"],
      ["prod", "prod"],
    ] as const) {
      const attempt = at(id, (s) => s.id === "attempt");
      expect([attempt >= 0, attempt === upAt(id, stack) - 1], id).toEqual([true, true]);
      const record = job("deploy.yml", `record-${id}`);
      expect(needsOf(record), id).toEqual([id]);
      expect(record.if, id).toBe(`always() && needs.${id}.outputs.attempted == 'true'`);
      expect(record.permissions, id).toEqual({ contents: "write" });
      const run = (record.steps ?? []).find((s) => s.run !== undefined);
      expect(run?.run, id).toBe(`.github/scripts/record-deploy.sh ${stack} "$OUTCOME" "$DEPLOYED"`);
      expect(run?.env, id).toEqual({
        OUTCOME: `\${{ needs.${id}.result == 'success' && 'success' || 'failure' }}`,
        DEPLOYED: `\${{ needs.${id}.outputs.sha }}`,
        PUSH_RECORD: "1",
      });
      expect(usesSecrets(record), id).toBe(false);
      expect(JSON.stringify(record), id).not.toContain("npm ");
    }
  });
});

describe("the health gate", () => {
  const HEALTH_ARGS_FILE = "$RUNNER_TEMP/talos-health.json";
  const GATE_SCRIPT = [
    `mapfile -t args < <(jq -er '.[]' "${HEALTH_ARGS_FILE}")`,
    'test "${#args[@]}" -gt 0',
    'talosctl "${args[@]}"',
    "",
  ].join("\n");
  const GATED: [string, string, string][] = [
    ["deploy.yml", "ci", "ci"],
    ["deploy.yml", "prod", "prod"],
    ["pr.yml", "cluster", EPHEMERAL_STACK],
  ];

  it("every up is followed by its stack's credentials, talosctl with talosHealthArgs and cilium status", () => {
    for (const [file, id, stack] of GATED) {
      const steps = stepsOf(file, id);
      const up = steps.findIndex((s) => /^pulumi up --stack \S+ --yes/.test(s.run ?? ""));
      const outputs = invocations(file, id, ["pulumi"]).filter(
        (i) => i.argv[0] === "stack" && i.argv[1] === "output" && i.argv[2] !== "firewallUrn",
      );
      expect(outputs.map((o) => o.argv[2]).sort(), id).toEqual([
        "kubeconfig",
        "talosHealthArgs",
        "talosconfig",
      ]);
      for (const o of outputs)
        expect([flagValue(o.argv, "--stack"), o.stepIndex > up], id).toEqual([stack, true]);
      expect(outputs.find((o) => o.argv[2] === "talosHealthArgs")?.redirect, id).toBe(HEALTH_ARGS_FILE);
      const talos = steps.findIndex((s) => s.run === GATE_SCRIPT);
      const cilium = steps.findIndex((s) => s.run === "cilium status --wait --wait-duration 10m");
      expect([talos > (outputs[0]?.stepIndex ?? Infinity), cilium > talos], id).toEqual([true, true]);
    }
  });

  it("credentials are written under $RUNNER_TEMP with umask 077, never printed, and removed always", () => {
    for (const [file, id] of GATED) {
      for (const inv of invocations(file, id, ["pulumi"])) {
        if (!inv.argv.includes("--show-secrets")) continue;
        expect(inv.redirect, inv.line).toMatch(/^\$RUNNER_TEMP\/[a-z]+$/);
        const script = stepsOf(file, id)[inv.stepIndex]?.run ?? "";
        expect(script.indexOf("umask 077"), id).toBeLessThan(script.indexOf("--show-secrets"));
        expect(script.indexOf("umask 077"), id).toBeGreaterThanOrEqual(0);
      }
      for (const step of stepsOf(file, id))
        expect(step.run ?? "", id).not.toMatch(/\b(cat|head|tail|less)\b[^\n]*(talosconfig|kubeconfig)/);
      const last = stepsOf(file, id).at(-1);
      expect([last?.if, last?.run], id).toEqual([
        "always()",
        'rm -f "$RUNNER_TEMP/talosconfig" "$RUNNER_TEMP/kubeconfig" "$RUNNER_TEMP/talos-health.json"',
      ]);
    }
  });

  describe("the Talos gate's script, run by bash with a stand-in talosctl", () => {
    const hasJq =
      neededUnderCi(
        "jq on PATH (GitHub's runners have it)",
        spawnSync("jq", ["--version"]).status === 0 ? true : undefined,
      ) === true;
    const gate = (file: string | undefined) => {
      const dir = mkdtempSync(path.join(tmpdir(), "gate-"));
      const bin = path.join(dir, "bin");
      mkdirSync(bin);
      writeFileSync(path.join(bin, "talosctl"), '#!/bin/sh\nprintf \'%s\\n\' "$@" > "$RUNNER_TEMP/argv"\n');
      chmodSync(path.join(bin, "talosctl"), 0o755);
      if (file !== undefined) writeFileSync(path.join(dir, "talos-health.json"), file);
      const r = spawnSync("bash", ["--noprofile", "--norc", "-e", "-c", GATE_SCRIPT], {
        env: { PATH: `${bin}:${process.env.PATH ?? ""}`, RUNNER_TEMP: dir },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      const argv = existsSync(path.join(dir, "argv")) ? readFileSync(path.join(dir, "argv"), "utf8") : null;
      return { status: r.status, argv: argv === null ? null : argv.split("\n").slice(0, -1) };
    };
    const ARGS = [
      "--endpoints",
      "198.51.100.96",
      "--nodes",
      "198.51.100.96",
      "health",
      "--wait-timeout",
      "10m",
    ];

    it.skipIf(!hasJq)(
      "passes talosctl the output's arguments one by one (needs jq; fails under CI without)",
      () => {
        expect(gate(JSON.stringify(ARGS, null, 2))).toEqual({ status: 0, argv: ARGS });
      },
    );

    it.skipIf(!hasJq)("fails without calling talosctl on a missing, empty or broken file", () => {
      for (const file of [undefined, "[]", "", "not json"])
        expect(gate(file), String(file)).toEqual({ status: 1, argv: null });
    });
  });
});

describe("the runner's access to a closed prod (contract 2)", () => {
  const steps = () => stepsOf("deploy.yml", "prod");
  const index = (pred: (s: Step) => boolean) => steps().findIndex(pred);

  it("exports DEPLOY_RUNNER_IP before prod's up, and closes the firewall after the health gate whatever happened", () => {
    const ip = index((s) => s.run === ".github/scripts/runner-ip.sh");
    const up = index((s) => s.run === "pulumi up --stack prod --yes --non-interactive --suppress-outputs");
    const cilium = index((s) => s.run === "cilium status --wait --wait-duration 10m");
    const close = index((s) => (s.run ?? "").includes('--target "$urn"'));
    expect([ip >= 0, ip < up, cilium > up, close > cilium]).toEqual([true, true, true, true]);
    const step = steps()[close];
    expect(step?.if).toBe("always() && steps.attempt.outputs.attempted == 'true'");
    const lines = scriptLines(step?.run ?? "");
    expect(lines[0]).toBe("unset DEPLOY_RUNNER_IP");
    expect(lines.at(-1)).toBe(
      'pulumi up --stack prod --target "$urn" --yes --non-interactive --suppress-outputs',
    );
    expect(step?.run).toContain("pulumi stack output firewallUrn --stack prod");
    // only prod opens its firewall to the runner; ci's adminCidrs are open (Pulumi.ci.yaml)
    expect(stepsOf("deploy.yml", "ci").some((s) => (s.run ?? "").includes("runner-ip"))).toBe(false);
  });

  describe("runner-ip.sh under bash, with a stand-in curl answering for both services", () => {
    const run = (ipify: string | undefined, aws: string | undefined) => {
      const dir = mkdtempSync(path.join(tmpdir(), "ip-"));
      const { bin, web } = fakeCurl(dir);
      if (ipify !== undefined) writeFileSync(path.join(web, "api.ipify.org"), ipify);
      if (aws !== undefined) writeFileSync(path.join(web, "checkip.amazonaws.com"), aws);
      const envFile = path.join(dir, "github-env");
      const r = runScript(
        path.join(SCRIPTS, "runner-ip.sh"),
        [],
        { FAKE_WEB: web, GITHUB_ENV: envFile },
        bin,
      );
      return {
        status: r.status,
        env: existsSync(envFile) ? readFileSync(envFile, "utf8") : null,
        stderr: r.stderr,
      };
    };

    it("exports the address both services agree on", () => {
      expect(run("203.0.113.7", "203.0.113.7\n")).toMatchObject({
        status: 0,
        env: "DEPLOY_RUNNER_IP=203.0.113.7\n",
      });
    });

    it("opens nothing when they disagree, one fails, or the answer is not an IPv4 address", () => {
      for (const [a, b] of [
        ["203.0.113.7", "198.51.100.1"],
        ["203.0.113.7", undefined],
        ["<html>", "<html>"],
        ["256.1.1.1", "256.1.1.1"],
      ]) {
        const r = run(a, b);
        expect([r.status, r.env], `${a} / ${b}`).toEqual([1, null]);
        expect(r.stderr, `${a} / ${b}`).toContain(
          `::error::runner-ip: the two services disagree or gave no IPv4 address (api.ipify.org: "${a}", checkip.amazonaws.com: "${b ?? ""}"); not opening the firewall\n`,
        );
      }
    });
  });
});

describe("the knob check in the pull request", () => {
  it("runs on full history against origin/<base>, with the pinned Helm, posts the report, then fails on a rule failure", () => {
    const steps = stepsOf("pr.yml", "knobs");
    expect(steps[0]?.with?.["fetch-depth"]).toBe(0);
    const install = steps.findIndex((s) => s.run === ".github/scripts/install-tools.sh helm");
    const knobs = invocations("pr.yml", "knobs", ["npm", "run", "knobs", "--"]);
    expect(knobs.map((k) => k.argv)).toEqual([
      ["check", "--base", "origin/${{ github.base_ref }}", "--markdown"],
    ]);
    expect(install).toBeLessThan(knobs[0]?.stepIndex ?? -1);
    expect(knobs[0]?.line).toMatch(/\|\| code=\$\?$/);
    const comment = steps.findIndex((s) =>
      (s.uses ?? "").startsWith("marocchino/sticky-pull-request-comment@"),
    );
    expect([
      comment > (knobs[0]?.stepIndex ?? Infinity),
      steps[comment]?.with?.["path"],
      steps[comment]?.if,
    ]).toEqual([true, knobs[0]?.redirect, FORK_GUARD]);
    const fail = steps.findIndex((s) => s.env?.["KNOBS_EXIT"] === "${{ steps.knobs.outputs.exit-code }}");
    expect([fail > comment, steps[fail]?.if]).toEqual([true, undefined]);
    expect(job("pr.yml", "knobs").permissions).toEqual({ contents: "read", "pull-requests": "write" });
  });

  it("the test job runs every test with a pinned Helm on PATH (CI is set on GitHub's runners)", () => {
    const runs = stepsOf("pr.yml", "test").map((s) => s.run);
    expect(runs.filter((r) => r !== undefined)).toEqual([
      ".github/scripts/install-tools.sh helm",
      "npm ci",
      "npm test",
    ]);
  });
});

describe("ephemeral PR stacks", () => {
  const hours = Number(stringMap(workflow("pr.yml").env)["CLUSTER_HOURS"]);

  it("without the label: a preview of pr-<n> created with --copy-config-from ci, as before", () => {
    expect(job("pr.yml", "preview-pr").if).toBe(
      `${FORK_GUARD} && !contains(github.event.pull_request.labels.*.name, 'cluster')`,
    );
    expect(stackRefs("pr.yml", "preview-pr")).toEqual([EPHEMERAL_STACK]);
    const init = invocations("pr.yml", "preview-pr", ["pulumi"]).find(
      (i) => i.argv[0] === "stack" && i.argv[1] === "init",
    );
    expect(flagValue(init?.argv ?? [], "--copy-config-from")).toBe("ci");
    expect(stackUse("pr.yml", "preview-pr")).toEqual({ deploys: false, previews: true });
  });

  it("with the label cluster: the time limit starts once, then up, the health gate and a cost estimate in the comment", () => {
    const j = job("pr.yml", "cluster");
    expect(j.if).toBe(`${FORK_GUARD} && contains(github.event.pull_request.labels.*.name, 'cluster')`);
    expect([Number.isInteger(hours), hours >= 1 && hours <= 24]).toEqual([true, true]);
    const steps = stepsOf("pr.yml", "cluster");
    const expiry = steps.findIndex((s) => s.id === "expiry");
    const up = steps.findIndex(
      (s) => s.run === 'pulumi up --stack "$PR_STACK" --yes --non-interactive --suppress-outputs',
    );
    expect([expiry >= 0, expiry < up, steps[up]?.if]).toEqual([
      true,
      true,
      "steps.expiry.outputs.expired != 'true'",
    ]);
    expect(steps[expiry]?.run).toContain(
      'pulumi stack tag set ephemeral-expires "$expires" --stack "$PR_STACK"',
    );
    const cost = steps.findIndex((s) => (s.run ?? "").includes("tools/pr-cost.ts"));
    expect(steps[cost]?.run).toContain("https://api.hetzner.cloud/v1/pricing");
    expect(steps[cost]?.run).toContain('--hours "$CLUSTER_HOURS"');
    const comment = steps.findIndex((s) =>
      (s.uses ?? "").startsWith("marocchino/sticky-pull-request-comment@"),
    );
    expect([cost > up, comment > cost, steps[comment]?.with?.["path"]]).toEqual([
      true,
      true,
      "${{ runner.temp }}/cluster.md",
    ]);
  });

  it("destroyed when the PR closes or loses the label, and by the hourly janitor after the time limit", () => {
    expect(job("pr-closed.yml", "destroy-ephemeral").if).toBe(
      `${FORK_GUARD} && (github.event.action == 'closed' || github.event.label.name == 'cluster')`,
    );
    for (const [file, id] of [
      ["pr-closed.yml", "destroy-ephemeral"],
      ["janitor.yml", "destroy"],
    ] as const) {
      const pulumi = invocations(file, id, ["pulumi"]);
      const destroy = pulumi.findIndex((i) => i.argv[0] === "destroy" && i.argv.includes("--yes"));
      const rm = pulumi.findIndex(
        (i) => i.argv[0] === "stack" && i.argv[1] === "rm" && i.argv.includes("--yes"),
      );
      expect([destroy >= 0, rm > destroy], id).toEqual([true, true]);
    }
    const find = stepsOf("janitor.yml", "find").find((s) => s.id === "find")?.run ?? "";
    expect(find).toContain('if [ "$state" != "OPEN" ]; then');
    expect(find).toContain('pulumi stack tag get ephemeral-expires --stack "pr-$n"');
    expect(find).toContain('elif [ -n "$expires" ] && [ "$now" -ge "$(date -u -d "$expires" +%s)" ]; then');
    expect(job("janitor.yml", "destroy").strategy?.matrix?.["pr"]).toBe(
      "${{ fromJSON(needs.find.outputs.prs) }}",
    );
    expect(stepsOf("janitor.yml", "destroy").at(-1)?.run).toContain("--remove-label cluster");
  });
});

describe("secret hygiene", () => {
  it("contains no literal token-looking strings", () => {
    const patterns = [
      /pul-[0-9a-f]{40}/i,
      /\bgh[pousr]_[A-Za-z0-9]{20,}/,
      /github_pat_[A-Za-z0-9_]{20,}/,
      /-----BEGIN/,
    ];
    for (const file of files)
      for (const re of patterns) expect(rawText.get(file) ?? "", `${file}: ${String(re)}`).not.toMatch(re);
  });

  it("steps that handle secrets never enable shell tracing", () => {
    let handling = 0;
    for (const [file, id] of allJobs()) {
      for (const step of stepsOf(file, id)) {
        const handles =
          usesSecrets(effectiveEnv(file, id, step)) || (step.run ?? "").includes("--show-secrets");
        if (!handles || step.run === undefined) continue;
        handling++;
        expect(step.run, `${file}/${id}`).not.toMatch(
          /\bset\s+-[A-Za-z]*x|set\s+-o\s+xtrace|\bbash\s+-[A-Za-z]*x/,
        );
      }
    }
    expect(handling).toBeGreaterThan(10);
  });

  it("never echoes a secret or a secret-bearing variable", () => {
    const secretVars = /\$\{?(PULUMI_ACCESS_TOKEN|HCLOUD_TOKEN|GH_TOKEN|GITHUB_TOKEN)\b/;
    for (const [file, id] of allJobs()) {
      for (const step of stepsOf(file, id)) {
        for (const line of scriptLines(step.run ?? "")) {
          if (!/\b(echo|printf)\b/.test(line)) continue;
          expect(line, `${file}/${id}`).not.toMatch(secretVars);
        }
      }
    }
  });
});
