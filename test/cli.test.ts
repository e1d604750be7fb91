/**
 * The CLIs' shared parts (tools/cli.ts): strict `util.parseArgs` with the usage, paths from the
 * caller's directory (npm's INIT_CWD), `--out`, and an error's cause without the SDK's wrappers; and
 * the change check's command line on top of them (tools/knobs.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  callerDir,
  causeOf,
  emit,
  failureOf,
  fromCaller,
  HelpRequested,
  parseCli,
  UsageError,
} from "../tools/cli";
import { main as knobsMain, parseArgs as knobsArgs, USAGE as KNOBS_USAGE } from "../tools/knobs";
import { tempRepos } from "./git-repos";

const { tempDir } = tempRepos("cli");

/** What `run` throws (undefined when it returns). */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe("the caller's directory", () => {
  it("is npm's INIT_CWD under npm run, else the process's own", () => {
    expect(callerDir({ INIT_CWD: "/home/me/sub" }, "/repo")).toBe("/home/me/sub");
    expect(callerDir({}, "/repo")).toBe("/repo");
    expect(callerDir({ INIT_CWD: "" }, "/repo")).toBe("/repo");
    expect(fromCaller("../x.yaml", { INIT_CWD: "/home/me/sub" }, "/repo")).toBe("/home/me/x.yaml");
    expect(fromCaller("/abs/x.yaml", { INIT_CWD: "/home/me/sub" }, "/repo")).toBe("/abs/x.yaml");
  });
});

describe("parseCli", () => {
  const options = { stack: { type: "string" }, json: { type: "boolean" } } as const;
  it("takes --name=value and --name value alike", () => {
    expect(parseCli(["--stack=ci", "--json"], options, "usage: t").values).toEqual({
      stack: "ci",
      json: true,
    });
    expect(parseCli(["--stack", "ci"], options, "usage: t").values).toEqual({ stack: "ci" });
  });

  it("refuses an unknown option, a missing value and a stray word with the usage", () => {
    for (const [argv, message] of [
      [["--yes"], "Unknown option '--yes'"],
      [["--stack"], "Option '--stack <value>' argument missing"],
      [["ci"], "Unexpected argument 'ci'. This command does not take positional arguments"],
    ] as const) {
      const thrown = thrownBy(() => parseCli(argv, options, "usage: t"));
      expect(thrown).toBeInstanceOf(UsageError);
      expect((thrown as Error).message).toBe(`${message}\nusage: t`);
    }
  });
});

describe("--help", () => {
  const options = { stack: { type: "string" } } as const;
  it("is the usage on stdout with exit 0, wherever it stands before --", () => {
    for (const argv of [["--help"], ["-h"], ["--stack", "ci", "--help"]]) {
      const thrown = thrownBy(() => parseCli(argv, options, "usage: t"));
      expect(thrown).toBeInstanceOf(HelpRequested);
      expect(failureOf("t", thrown)).toEqual({ code: 0, stdout: "usage: t\n" });
    }
    expect(() => parseCli(["--", "--help"], options, "usage: t")).toThrow(UsageError);
  });

  it("leaves every other failure on stderr with exit 2, the cause once", () => {
    expect(failureOf("plan", new UsageError("Unknown option '--yes'\nusage: t"))).toEqual({
      code: 2,
      stderr: "plan: Unknown option '--yes'\nusage: t\n",
    });
  });
});

describe("emit", () => {
  it("writes into --out, relative to the caller's directory, creating its folder", () => {
    const dir = tempDir();
    emit('{"a":1}', "out/plan.json", { INIT_CWD: dir });
    expect(readFileSync(join(dir, "out", "plan.json"), "utf8")).toBe('{"a":1}\n');
  });
});

describe("causeOf", () => {
  it("takes the SDK's serialization wrappers off, and leaves any other message as it is", () => {
    // The shape the SDK gave a refused version skip (rpc.js prefixes the same error at every level).
    const cause =
      'The version change is not a supported upgrade:\n  - hcloud-talos-cilium:talosVersion = "v1.13.9": …';
    const wrapped = new Error(
      `error serializing property "outputs": error serializing property "environment": error serializing property "machineConfigurationInput": error serializing property "configPatches": ${cause}`,
    );
    expect(causeOf(wrapped)).toBe(cause);
    expect(
      causeOf(
        `Error serializing arguments for invoke talos:machine/getConfiguration:getConfiguration: Error: ${cause}`,
      ),
    ).toBe(cause);
    expect(causeOf(new Error("plain: a message"))).toBe("plain: a message");
  });
});

describe("the change check's command line", () => {
  const now = () => new Date("2026-12-01T00:00:00Z");
  it("defaults to the project, and resolves the paths given against the caller's directory", () => {
    expect(
      knobsArgs(["check", "--json", "--out=r.json", "--charts", "../charts"], "/repo", now, "/repo/docs"),
    ).toEqual({
      base: undefined,
      format: "json",
      repo: "/repo",
      now: now(),
      charts: "/repo/charts",
      out: "/repo/docs/r.json",
    });
    expect(
      knobsArgs(["check", "--base=HEAD~2", "--repo", "..", "--markdown"], "/repo", now, "/w/sub").repo,
    ).toBe("/w");
  });

  it("answers --help with the usage on stdout and exit 0, through the shared parser", async () => {
    let out = "";
    let err = "";
    const io = { out: (t: string) => (out += t), err: (t: string) => (err += t) };
    expect(await knobsMain(["check", "--help"], tempDir(), io)).toBe(0);
    expect([out, err]).toEqual([`${KNOBS_USAGE}\n`, ""]);
  });

  it("refuses what it does not understand, with the usage", () => {
    expect(() => knobsArgs(["check", "--json", "--markdown"], "/repo", now)).toThrow(
      "--json and --markdown exclude each other",
    );
    expect(() => knobsArgs(["check", "extra"], "/repo", now)).toThrow('unexpected argument "extra"');
    expect(() => knobsArgs(["status"], "/repo", now)).toThrow('unknown command "status"');
    expect(() => knobsArgs(["check", "--now", "soon"], "/repo", now)).toThrow(
      "--now soon: not an ISO 8601 date",
    );
    expect(() => knobsArgs(["check", "--base"], "/repo", now)).toThrow(
      `Option '--base <value>' argument missing\n${KNOBS_USAGE}`,
    );
  });
});
