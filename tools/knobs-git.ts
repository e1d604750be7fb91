/**
 * The I/O of `npm run knobs -- check`: which base to compare against, each stack file's text at the
 * base and in the working tree, and the history of ci's stack file, read from git as plain data for
 * the pure rules (components/datapath/rollout.ts). Every git call runs in `root` (the project
 * directory), so tests point it at temporary repositories.
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

/**
 * The base to compare against: `ref` when given; otherwise the merge-base of HEAD with origin/main
 * when that branch exists (a PR branch or a local change), else HEAD~1 (a push to main).
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
 * Every first-parent commit that changed a file, newest first, with its committer date: on main that
 * is when the change landed (a merge commit's date, not the branch commit's), which is when deploy.yml
 * rolled it onto ci.
 */
export function fileHistory(root: string, file: string): Snapshot[] {
  const log = gitText(root, ["log", "--first-parent", "--format=%H%x09%cI", "HEAD", "--", file]);
  const commits = log
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t") as [string, string]);
  const texts = filesAt(
    root,
    commits.map(([sha]) => `${sha}:./${file}`),
  );
  return commits.map(([commit, date], i) => ({ commit, date: new Date(date).toISOString(), text: texts[i] }));
}

/** A stack file's text in the working tree (the new state), undefined when there is none. */
function workingFile(root: string, stack: StackName): string | undefined {
  const path = join(root, stackFile(stack));
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

/** Reads everything the check needs from the repository at `root`. */
export function loadRolloutInput(root: string, options: { base?: string; now: Date }): RolloutInput {
  const base = resolveBase(root, options.base);
  const atBase = filesAt(
    root,
    STACKS.map((s) => `${base.commit}:./${stackFile(s)}`),
  );
  const files = Object.fromEntries(
    STACKS.map((s, i) => [s, { base: atBase[i], now: workingFile(root, s) }]),
  ) as RolloutInput["files"];
  return {
    base: base.ref,
    baseCommit: base.commit,
    now: options.now.toISOString(),
    files,
    ciHistory: fileHistory(root, stackFile("ci")),
  };
}
