/**
 * Temporary git repositories for the tests that read git history (the knob check, the deploy records,
 * the change check): a main branch, commits at controlled dates, deploy records written by the
 * workflow's own script. Git runs without the user's or the system's config, so a developer's
 * settings (signing, hooks, default branch) cannot change what a test sees.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll } from "vitest";
import { recordDeploy } from "./helpers";

/** The environment every git call of the tests runs in: no global or system config. */
export const GIT_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
};

/** One temporary repository on a main branch. */
export interface TempRepo {
  readonly dir: string;
  /** Runs git in the repository (at `date` as author and committer date, when given); its output, trimmed. */
  git(args: readonly string[], date?: string): string;
  /** Writes files (name relative to the repository → text) into the working tree. */
  write(files: Record<string, string>): void;
  /** Writes the files and commits everything, at `date` when given; the new commit's sha. */
  commit(files: Record<string, string>, date?: string): string;
  /** Records a deploy of `stack` at `sha`, as deploy.yml does (.github/scripts/record-deploy.sh). */
  deploy(stack: string, sha: string, date: string, outcome?: string): void;
  /** Commits the files at `date` and records a successful deploy of `stack` at `deployedAt`; the sha. */
  deployed(stack: string, files: Record<string, string>, date: string, deployedAt: string): string;
}

/**
 * A test file's temporary directories and repositories, each named `<prefix>-…` and all removed after
 * the file's tests. Call it once at a file's top level (it registers the file's `afterAll`; the test
 * files share modules, so a hook at this module's top level would belong to the first file only).
 */
export function tempRepos(prefix: string): { repo: () => TempRepo; tempDir: () => string } {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tempDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    dirs.push(dir);
    return dir;
  };
  const repo = (): TempRepo => {
    const dir = tempDir();
    const git = (args: readonly string[], date?: string): string =>
      execFileSync("git", args, {
        cwd: dir,
        encoding: "utf8",
        env: date ? { ...GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : GIT_ENV,
      }).trim();
    git(["init", "-q", "-b", "main"]);
    // What `git config user.name/user.email` would write (the tags of record-deploy.sh need it too),
    // written directly: a git process per setting is most of a small test's time.
    appendFileSync(
      join(dir, ".git", "config"),
      `[user]\n\tname = ${prefix} test\n\temail = ${prefix}@example.com\n`,
    );
    const write = (files: Record<string, string>): void => {
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
    };
    const commit = (files: Record<string, string>, date?: string): string => {
      write(files);
      git(["add", "-A"]);
      git(["commit", "-q", "-m", date ? `change at ${date}` : "change"], date);
      // The current branch's loose ref, which the commit just wrote (nothing packs refs here).
      const head = readFileSync(join(dir, ".git", "HEAD"), "utf8").trim();
      const ref = /^ref: (refs\/heads\/.+)$/.exec(head)?.[1];
      return ref ? readFileSync(join(dir, ".git", ref), "utf8").trim() : git(["rev-parse", "HEAD"]);
    };
    const deploy = (stack: string, sha: string, date: string, outcome = "success"): void => {
      const r = recordDeploy(dir, { stack, outcome, commit: sha, date });
      if (r.status !== 0) throw new Error(r.stderr);
    };
    const deployed = (stack: string, files: Record<string, string>, date: string, deployedAt: string) => {
      const sha = commit(files, date);
      deploy(stack, sha, deployedAt);
      return sha;
    };
    return { dir, git, write, commit, deploy, deployed };
  };
  return { repo, tempDir };
}
