/**
 * Temporary git repositories for the tests that read git history (the knob check, the deploy records,
 * the change check): a main branch, commits at controlled dates, deploy records written by the
 * workflow's own script. Git runs without the user's or the system's config, so a developer's
 * settings (signing, hooks, default branch) cannot change what a test sees.
 *
 * A repository and its commits are written here directly, in git's own formats, without a git
 * process: a git process costs 5-40 ms in a test worker (`git init` copies its hook templates), and
 * the suite built ~160 commits that way. Everything that reads them is real git (the tools under
 * test, the record script, `git checkout`/`merge` in the tests), and test/deploys.test.ts holds the
 * result to `git fsck --strict` and to a clean `git status`.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { deflateSync } from "node:zlib";
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
  /**
   * Writes the files and commits the whole working tree on the current branch (as `git add -A &&
   * git commit` would), at `date` when given; the new commit's sha.
   */
  commit(files: Record<string, string>, date?: string): string;
  /** Records a deploy of `stack` at `sha`, as deploy.yml does (.github/scripts/record-deploy.sh). */
  deploy(stack: string, sha: string, date: string, outcome?: string): void;
  /** Commits the files at `date` and records a successful deploy of `stack` at `deployedAt`; the sha. */
  deployed(stack: string, files: Record<string, string>, date: string, deployedAt: string): string;
}

// ---------------------------------------------------------------------------------------------------
// Git's formats, written directly. Sources: git 2.39 Documentation/gitrepository-layout.txt (the
// directory), Documentation/user-manual.txt "Object storage format" (a loose object is the zlib
// deflate of "<type> <size>\0<body>", named by the SHA-1 of that), Documentation/gitformat-index.txt
// (the index, version 2), tree.c/tree-walk.c (a tree's entries: "<octal mode> <name>\0<20-byte id>",
// sorted by name with a directory compared as "<name>/"), commit.c (a commit's header lines).

/** One file of a snapshot: its path from the top, its blob and its mode. */
interface Entry {
  readonly path: string;
  readonly id: Buffer;
  readonly mode: number;
}

/** Writes one loose object; its id. */
function writeObject(gitDir: string, type: string, body: Buffer): Buffer {
  const data = Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]);
  const id = createHash("sha1").update(data).digest();
  const hex = id.toString("hex");
  const file = join(gitDir, "objects", hex.slice(0, 2), hex.slice(2));
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, deflateSync(data), { mode: 0o444 });
  }
  return id;
}

/** Every file under `dir` but `.git`, as blobs, in the index's order (byte order of the path). */
function snapshot(gitDir: string, dir: string, prefix = ""): Entry[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((d): Entry[] => {
    const path = `${prefix}${d.name}`;
    if (path === ".git") return [];
    if (d.isDirectory()) return snapshot(gitDir, dir, `${path}/`);
    if (!d.isFile()) throw new Error(`${path}: only plain files can be committed by the test helper`);
    const full = join(dir, path);
    // Git reads the owner's execute bit only (cache.h ce_permissions, used by create_ce_mode; git 2.39 adds a 0654 file as 100644, a 0744 one as 100755).
    const mode = statSync(full).mode & 0o100 ? 0o100755 : 0o100644;
    return [{ path, id: writeObject(gitDir, "blob", readFileSync(full)), mode }];
  });
}

const byPath = (a: Entry, b: Entry): number => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path));

/** The tree of entries whose paths start with `prefix`; its id. */
function writeTree(gitDir: string, entries: readonly Entry[], prefix = ""): Buffer {
  const here = new Map<string, { mode: string; id: Buffer; sortName: string }>();
  for (const e of entries) {
    if (!e.path.startsWith(prefix)) continue;
    const rest = e.path.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash < 0) here.set(rest, { mode: e.mode.toString(8), id: e.id, sortName: rest });
    else {
      const name = rest.slice(0, slash);
      if (!here.has(name)) {
        const id = writeTree(gitDir, entries, `${prefix}${name}/`);
        here.set(name, { mode: "40000", id, sortName: `${name}/` });
      }
    }
  }
  const sorted = [...here].sort(([, a], [, b]) =>
    Buffer.compare(Buffer.from(a.sortName), Buffer.from(b.sortName)),
  );
  const body = Buffer.concat(sorted.flatMap(([name, e]) => [Buffer.from(`${e.mode} ${name}\0`), e.id]));
  return writeObject(gitDir, "tree", body);
}

/** The index (version 2) of a snapshot, with each file's stat data so git sees the tree clean. */
function writeIndex(gitDir: string, dir: string, entries: readonly Entry[]): void {
  const parts: Buffer[] = [Buffer.alloc(12)];
  parts[0]?.write("DIRC", 0);
  parts[0]?.writeUInt32BE(2, 4);
  parts[0]?.writeUInt32BE(entries.length, 8);
  for (const e of entries) {
    const st = statSync(join(dir, e.path), { bigint: true });
    const path = Buffer.from(e.path);
    // 62 bytes of fields, the path, and 1-8 NULs to a multiple of 8 (read-cache.c ondisk_ce_size).
    const entry = Buffer.alloc(Math.floor((62 + path.length + 8) / 8) * 8);
    const u32 = (v: bigint, at: number) => entry.writeUInt32BE(Number(BigInt.asUintN(32, v)), at);
    u32(st.ctimeNs / 1_000_000_000n, 0);
    u32(st.ctimeNs % 1_000_000_000n, 4);
    u32(st.mtimeNs / 1_000_000_000n, 8);
    u32(st.mtimeNs % 1_000_000_000n, 12);
    u32(st.dev, 16);
    u32(st.ino, 20);
    u32(BigInt(e.mode), 24);
    u32(st.uid, 28);
    u32(st.gid, 32);
    u32(st.size, 36);
    e.id.copy(entry, 40);
    entry.writeUInt16BE(Math.min(path.length, 0xfff), 60);
    path.copy(entry, 62);
    parts.push(entry);
  }
  const body = Buffer.concat(parts);
  writeFileSync(join(gitDir, "index"), Buffer.concat([body, createHash("sha1").update(body).digest()]));
}

/** "<seconds since the epoch> +0000" of an ISO date (as git stores GIT_COMMITTER_DATE=…Z), or of now. */
const gitDate = (date?: string): string => {
  const ms = date === undefined ? Date.now() : Date.parse(date);
  if (Number.isNaN(ms)) throw new Error(`not a date: ${date}`);
  return `${Math.floor(ms / 1000)} +0000`;
};

/** The ref HEAD points at (refs/heads/<branch>), or undefined when HEAD is detached. */
function headRef(gitDir: string): string | undefined {
  return /^ref: (refs\/heads\/.+)$/.exec(readFileSync(join(gitDir, "HEAD"), "utf8").trim())?.[1];
}

/** The commit a loose ref (or a detached HEAD) names, when there is one (nothing packs refs here). */
function refValue(gitDir: string, ref: string | undefined): string | undefined {
  const file = join(gitDir, ref ?? "HEAD");
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8").trim();
  return /^[0-9a-f]{40}$/.test(text) ? text : undefined;
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
  const who = `${prefix} test <${prefix}@example.com>`;
  const repo = (): TempRepo => {
    const dir = tempDir();
    const gitDir = join(dir, ".git");
    const git = (args: readonly string[], date?: string): string =>
      execFileSync("git", args, {
        cwd: dir,
        encoding: "utf8",
        env: date ? { ...GIT_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : GIT_ENV,
      }).trim();
    // What `git init -b main` and `git config user.name/user.email` write, less the sample hooks,
    // info/exclude and description (gitrepository-layout.txt: none is needed).
    for (const sub of ["objects", "refs/heads", "refs/tags"])
      mkdirSync(join(gitDir, sub), { recursive: true });
    writeFileSync(join(gitDir, "HEAD"), "ref: refs/heads/main\n");
    writeFileSync(
      join(gitDir, "config"),
      `[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n[user]\n\tname = ${prefix} test\n\temail = ${prefix}@example.com\n`,
    );
    const write = (files: Record<string, string>): void => {
      for (const [name, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, name)), { recursive: true });
        writeFileSync(join(dir, name), text);
      }
    };
    const commit = (files: Record<string, string>, date?: string): string => {
      write(files);
      const entries = snapshot(gitDir, dir).sort(byPath);
      const ref = headRef(gitDir);
      const parent = refValue(gitDir, ref);
      const when = gitDate(date);
      const message = date ? `change at ${date}` : "change";
      const body = [
        `tree ${writeTree(gitDir, entries).toString("hex")}`,
        ...(parent ? [`parent ${parent}`] : []),
        `author ${who} ${when}`,
        `committer ${who} ${when}`,
        "",
        `${message}\n`,
      ].join("\n");
      const sha = writeObject(gitDir, "commit", Buffer.from(body)).toString("hex");
      mkdirSync(dirname(join(gitDir, ref ?? "HEAD")), { recursive: true });
      writeFileSync(join(gitDir, ref ?? "HEAD"), `${sha}\n`);
      writeIndex(gitDir, dir, entries);
      return sha;
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
