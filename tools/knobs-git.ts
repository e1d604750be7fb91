/**
 * The I/O of `npm run knobs -- check`: which base to compare against, each stack file's text at the
 * base and in the working tree, and what ci actually ran: its deploy records, read from git as plain
 * data for the pure rules (components/datapath/rollout.ts). Every git call runs in `root` (the project
 * directory), so tests point it at temporary repositories.
 *
 * Deploy records are annotated git tags `deployed/<stack>/<run id>.<attempt>` on the commit a deploy
 * ran, with the subject `deploy <stack> success` or `deploy <stack> failure` and the tagger date of
 * when the deploy (and its health gate) ended. `.github/workflows/deploy.yml` writes one after every
 * `pulumi up` it starts (job `record-<stack>`). Why tags: every clone with `git fetch --tags` has them,
 * so the PR check (which runs for forks, without any secret) and a laptop read the same record the
 * deploy wrote; a stack output would need the stack's Pulumi token to read.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { STACKS, type Snapshot, type StackName } from "../components/datapath/history";
import type { RolloutInput } from "../components/datapath/rollout";

/** The remote branch a default base is the merge-base with. */
export const MAIN = "origin/main";

/** The stack file of a stack, relative to the project directory. */
export const stackFile = (stack: StackName): string => `Pulumi.${stack}.yaml`;

/** The repository cannot be read as asked (a bad ref, not a repository): not a rule failure. */
export class GitError extends Error {}

function git(root: string, args: readonly string[], input?: string): Buffer {
  try {
    return execFileSync("git", args, { cwd: root, input, stdio: "pipe", maxBuffer: 256 << 20 });
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? "").trim();
    throw new GitError(`git ${args.join(" ")} failed in ${root}${stderr ? `: ${stderr}` : ""}`);
  }
}

const gitText = (root: string, args: readonly string[]): string => git(root, args).toString("utf8").trim();

/** The commit a ref names, or undefined when it names none. */
function commitOf(root: string, ref: string): string | undefined {
  try {
    return gitText(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  } catch {
    return undefined;
  }
}

/** The value of `--base` that compares each stack with the commit of its last successful deploy. */
export const DEPLOYED = "deployed";

/** The ref prefix of a stack's deploy records. */
export const deployTagPrefix = (stack: StackName): string => `refs/tags/deployed/${stack}/`;

/** One deploy of a stack, as its record says. */
export interface DeployRecord {
  /** The tag, e.g. `deployed/ci/9182736455.1`. */
  readonly tag: string;
  /** The commit the deploy ran. */
  readonly commit: string;
  /** ISO 8601 UTC: when the deploy ended (the tag's tagger date). */
  readonly date: string;
  /** Whether `pulumi up` and the health gate succeeded. */
  readonly outcome: "success" | "failure";
}

/** The fields of a deploy record's tag, as `git for-each-ref` prints them (tab-separated). */
const RECORD_FIELDS = [
  "refname:strip=2",
  "objecttype",
  "*objecttype",
  "*objectname",
  "taggerdate:iso-strict",
  "contents:subject",
];

/** Every deploy record's line (all stacks), with one `git for-each-ref`. */
function recordLines(root: string): string {
  return gitText(root, [
    "for-each-ref",
    `--format=${RECORD_FIELDS.map((f) => `%(${f})`).join("%09")}`,
    "refs/tags/deployed/",
  ]);
}

/**
 * Every deploy record of a stack, newest first. A record that is not an annotated tag on a commit
 * with the expected subject is an error, not skipped: a record someone rewrote by hand must be
 * looked at before any gate trusts the rest. `lines`: the records already read (`recordLines`), so a
 * check that reads several stacks' records asks git once.
 */
export function deployRecords(
  root: string,
  stack: StackName,
  lines: string = recordLines(root),
): DeployRecord[] {
  const prefix = deployTagPrefix(stack).slice("refs/tags/".length);
  const records = lines
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .map((line): DeployRecord => {
      const [tag = "", type, target, commit = "", date = "", subject = ""] = line.split("\t");
      const outcome = new RegExp(`^deploy ${stack} (success|failure)$`).exec(subject)?.[1];
      if (type !== "tag" || target !== "commit" || !outcome || Number.isNaN(Date.parse(date))) {
        throw new GitError(
          `deploy record ${tag} is not an annotated tag on a commit with the subject "deploy ${stack} success" or "deploy ${stack} failure" (found a ${type ?? "ref"}${target ? ` on a ${target}` : ""}, subject ${JSON.stringify(subject)}). Fix: find out who wrote it; delete it (git push origin :refs/tags/${tag}) if it is not a deploy.yml record.`,
        );
      }
      return { tag, commit, date: new Date(date).toISOString(), outcome: outcome as DeployRecord["outcome"] };
    });
  return records.sort((a, b) => Date.parse(b.date) - Date.parse(a.date) || b.tag.localeCompare(a.tag));
}

/** The newest successful deploy of a stack, or a GitError saying how to get or make the record. */
export function lastDeployed(root: string, stack: StackName, lines?: string): DeployRecord {
  const found = deployRecords(root, stack, lines).find((r) => r.outcome === "success");
  if (found) return found;
  throw new GitError(
    `--base ${DEPLOYED}: no successful deploy of ${stack} is on record (git tags deployed/${stack}/*, written by deploy.yml). Fix: fetch them (git fetch --tags origin); before the first deploy by the workflow, record the commit ${stack} runs now: git tag -a deployed/${stack}/bootstrap -m "deploy ${stack} success" <commit> && git push origin refs/tags/deployed/${stack}/bootstrap`,
  );
}

/**
 * The base to compare against: `ref` when given; otherwise the merge-base of HEAD with origin/main
 * when that branch exists (a PR branch or a local change), else HEAD~1 (a local commit on main; the
 * workflows never rely on it: the PR check names origin/<base>, the deploy `--base deployed`).
 */
export function resolveBase(root: string, ref?: string): { ref: string; commit: string } {
  if (ref !== undefined) {
    const commit = commitOf(root, ref);
    if (!commit) throw new GitError(`--base ${ref}: not a commit in ${root}`);
    return { ref, commit };
  }
  if (commitOf(root, MAIN)) {
    return { ref: `merge-base of HEAD and ${MAIN}`, commit: gitText(root, ["merge-base", "HEAD", MAIN]) };
  }
  const parent = commitOf(root, "HEAD~1");
  if (!parent) throw new GitError(`no ${MAIN} and no HEAD~1 in ${root}: pass --base <git ref>`);
  return { ref: "HEAD~1", commit: parent };
}

/**
 * Several files at several commits with one `git cat-file --batch`: each `<commit>:./<path>`'s text
 * (the path relative to `root`), or undefined where the commit has no such file.
 */
export function filesAt(root: string, specs: readonly string[]): (string | undefined)[] {
  if (specs.length === 0) return [];
  const out = git(root, ["cat-file", "--batch"], specs.map((s) => `${s}\n`).join(""));
  const texts: (string | undefined)[] = [];
  let pos = 0;
  while (texts.length < specs.length) {
    const eol = out.indexOf(0x0a, pos);
    // "<oid> <type> <size>", the content and a newline; "<spec> missing" when there is no such object.
    const [, type, size] = out.subarray(pos, eol).toString("utf8").split(" ");
    pos = eol + 1;
    const length = size !== undefined && /^\d+$/.test(size) ? Number(size) : undefined;
    texts.push(
      type === "blob" && length !== undefined ? out.subarray(pos, pos + length).toString("utf8") : undefined,
    );
    if (length !== undefined) pos += length + 1;
  }
  return texts;
}

/**
 * What a stack actually ran, newest first: one snapshot per deploy record, dated when the deploy
 * ended, with the stack file of the commit it deployed. A failed deploy is kept (marked `failed`): it
 * may have rolled part of the cluster, so it breaks a hold of another value, and it never starts one.
 */
export function deployHistory(root: string, stack: StackName, lines?: string): Snapshot[] {
  const records = deployRecords(root, stack, lines);
  const texts = filesAt(
    root,
    records.map((r) => `${r.commit}:./${stackFile(stack)}`),
  );
  return records.map((r, i) => ({
    commit: r.commit,
    date: r.date,
    text: texts[i],
    ...(r.outcome === "failure" ? { failed: true } : {}),
  }));
}

/** A stack file's text in the working tree (the new state), undefined when there is none. */
function workingFile(root: string, stack: StackName): string | undefined {
  const path = join(root, stackFile(stack));
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

/**
 * Each stack's base commit: the one `--base` names for both, or, with `--base deployed`, each stack's
 * last successful deploy (so a push of several commits, or a prod that lags behind ci, is judged
 * against what that stack really runs).
 */
function baseCommits(
  root: string,
  ref: string | undefined,
  lines: () => string,
): { ref: string; commits: Record<StackName, string> } {
  if (ref !== DEPLOYED) {
    const base = resolveBase(root, ref);
    return { ref: base.ref, commits: { ci: base.commit, prod: base.commit } };
  }
  const last = { ci: lastDeployed(root, "ci", lines()), prod: lastDeployed(root, "prod", lines()) };
  const said = STACKS.map((s) => `${s} ${last[s].commit.slice(0, 7)} (${last[s].tag})`).join(", ");
  return { ref: `last successful deploys: ${said}`, commits: { ci: last.ci.commit, prod: last.prod.commit } };
}

/** Reads everything the check needs from the repository at `root`. */
export function loadRolloutInput(root: string, options: { base?: string; now: Date }): RolloutInput {
  // The deploy records are read once for the bases and ci's history.
  let lines: string | undefined;
  const records = (): string => (lines ??= recordLines(root));
  const base = baseCommits(root, options.base, records);
  const atBase = filesAt(
    root,
    STACKS.map((s) => `${base.commits[s]}:./${stackFile(s)}`),
  );
  const files = Object.fromEntries(
    STACKS.map((s, i) => [s, { base: atBase[i], now: workingFile(root, s) }]),
  ) as RolloutInput["files"];
  return {
    base: base.ref,
    baseCommit: base.commits.ci,
    baseCommits: base.commits,
    now: options.now.toISOString(),
    files,
    ciHistory: deployHistory(root, "ci", records()),
  };
}
