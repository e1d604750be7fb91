/**
 * The etcd-membership command of each control plane: its delete script, run for real by /bin/sh
 * against a stand-in talosctl (etcd leave, the remove-member fallback, the cases with nothing to do),
 * and its wiring in the program (one per control plane, replaced with its server).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ETCD_MEMBER_CREATE, etcdLeaveScript } from "../components/upgrades/etcd-member";
import { registrationsOf } from "../tools/mock-engine";
import { numericId } from "../tools/mocks";
import { runStack } from "./helpers";

const TEMP: string[] = [];
afterAll(() => TEMP.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * A stand-in talosctl: logs every call; `etcd members` prints the members file as talosctl does (a
 * NODE column, then ID, HOSTNAME, PEER URLS, CLIENT URLS, LEARNER); `etcd leave` removes the node named
 * by --nodes (unless it is down, or the leave is ignored); `etcd remove-member <id>` removes by ID.
 */
const FAKE_TALOSCTL = `#!/bin/sh
state=$FAKE_STATE
echo "$*" >>"$state/calls"
node=$4
case "$5 $6" in
  "etcd members")
    [ -e "$state/down-$node" ] && { echo "rpc error: unavailable" >&2; exit 1; }
    echo "NODE ID HOSTNAME PEER URLS CLIENT URLS LEARNER"
    while read -r id host ip; do echo "$node $id $host https://$ip:2380 https://$ip:2379 false"; done <"$state/members"
    ;;
  "etcd leave")
    [ -e "$state/down-$node" ] && { echo "rpc error: unavailable" >&2; exit 1; }
    [ -e "$state/ignore-leave" ] && exit 0
    host=$(cat "$state/host-$node")
    grep -v " $host " "$state/members" >"$state/m" || true; mv "$state/m" "$state/members"
    ;;
  "etcd remove-member")
    grep -v "^$7 " "$state/members" >"$state/m" || true; mv "$state/m" "$state/members"
    ;;
  *) echo "unexpected: $*" >&2; exit 2 ;;
esac
`;

const MEMBERS = "8f1 prod-cp-1 10.0.1.11\n8f2 prod-cp-2 10.0.1.12\n8f3 prod-cp-3 10.0.1.13\n";

/** Runs the delete script for prod-cp-2 (203.0.113.12) with the other control planes at .11 and .13. */
function leave(opts: { members?: string; down?: string[]; ignoreLeave?: boolean; others?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "etcd-"));
  TEMP.push(dir);
  writeFileSync(join(dir, "talosctl"), FAKE_TALOSCTL);
  chmodSync(join(dir, "talosctl"), 0o755);
  writeFileSync(join(dir, "members"), opts.members ?? MEMBERS);
  writeFileSync(join(dir, "host-203.0.113.12"), "prod-cp-2");
  for (const d of opts.down ?? []) writeFileSync(join(dir, `down-${d}`), "");
  if (opts.ignoreLeave) writeFileSync(join(dir, "ignore-leave"), "");
  const r = spawnSync("/bin/sh", ["-c", etcdLeaveScript("v1.13.x")], {
    encoding: "utf8",
    env: {
      PATH: `${dir}:/usr/bin:/bin`,
      FAKE_STATE: dir,
      NODE_NAME: "prod-cp-2",
      NODE_ADDRESS: "203.0.113.12",
      OTHER_ADDRESSES: opts.others ?? "203.0.113.11 203.0.113.13",
      TALOSCONFIG_CONTENT: "context: prod",
    },
  });
  const calls = existsSync(join(dir, "calls"))
    ? readFileSync(join(dir, "calls"), "utf8").trim().split("\n")
    : [];
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    calls,
    members: readFileSync(join(dir, "members"), "utf8"),
  };
}

const at = (address: string, ...args: string[]) =>
  `--endpoints ${address} --nodes ${address} ${args.join(" ")}`;

describe("the etcd leave before a control plane's server is deleted (its command's delete)", () => {
  it("reads the members from another control plane, leaves on the node itself, and checks it is gone", () => {
    const r = leave();
    expect(r).toMatchObject({ status: 0, stdout: "prod-cp-2 left etcd\n", stderr: "" });
    expect(r.calls).toEqual([
      at("203.0.113.11", "etcd", "members"),
      at("203.0.113.12", "etcd", "leave"),
      at("203.0.113.11", "etcd", "members"),
    ]);
    expect(r.members).toBe("8f1 prod-cp-1 10.0.1.11\n8f3 prod-cp-3 10.0.1.13\n");
  });

  it("removes the member by ID through the other control plane when the node does not answer", () => {
    const r = leave({ down: ["203.0.113.12"] });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("prod-cp-2 did not answer etcd leave: removing member 8f2 through 203.0.113.11\n");
    expect(r.calls.slice(1)).toEqual([
      at("203.0.113.12", "etcd", "leave"),
      at("203.0.113.11", "etcd", "remove-member", "8f2"),
      at("203.0.113.11", "etcd", "members"),
    ]);
    expect(r.members).not.toContain("prod-cp-2");
  });

  it("asks the next control plane when the first does not answer", () => {
    const r = leave({ down: ["203.0.113.11"] });
    expect(r.calls[1]).toBe(at("203.0.113.13", "etcd", "members"));
    expect(r.status).toBe(0);
  });

  it("does nothing for a node that is no member, or the only control plane", () => {
    const notMember = leave({ members: "8f1 prod-cp-1 10.0.1.11\n" });
    expect(notMember).toMatchObject({
      status: 0,
      stdout: "prod-cp-2 is not an etcd member (seen from 203.0.113.11): nothing to do\n",
    });
    const only = leave({ others: "" });
    expect(only).toMatchObject({ status: 0, calls: [] });
    expect(only.stdout).toBe(
      "prod-cp-2 is the only control plane: etcd keeps its only member until the server goes\n",
    );
  });

  it("lets the deletion go on, with a warning, when no other control plane answers", () => {
    const r = leave({ down: ["203.0.113.11", "203.0.113.13"] });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(
      "warning: no other control plane answered (203.0.113.11 203.0.113.13): etcd has no quorum left to protect; prod-cp-2 was not taken out of etcd (if it comes back, remove it: talosctl -n <control plane> etcd remove-member <ID>)\n",
    );
  });

  it("fails, stopping the server's deletion, when the node is still a member afterwards", () => {
    const r = leave({ ignoreLeave: true });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      "prod-cp-2 is still an etcd member after leaving: stop, and see talosctl -n 203.0.113.11 etcd members\n",
    );
  });
});

describe("the etcd-membership commands in the program", () => {
  it("gives every control plane one, triggered by its server's ID, holding the other control planes' addresses", async () => {
    const run = await runStack("prod");
    const etcd = registrationsOf(run.record, "command:local:Command").filter((c) =>
      c.name.startsWith("etcd-"),
    );
    expect(etcd.map((c) => c.name)).toEqual(["etcd-prod-cp-1", "etcd-prod-cp-2", "etcd-prod-cp-3"]);
    const servers = registrationsOf(run.record, "hcloud:index/server:Server");
    const address = (n: string) => {
      const env = etcd.find((c) => c.name === `etcd-prod-cp-${n}`)?.inputs.environment as Record<
        string,
        string
      >;
      return env.NODE_ADDRESS;
    };
    for (const c of etcd) {
      const node = c.name.replace(/^etcd-/, "");
      const server = servers.find((s) => s.inputs.name === node);
      expect(c.inputs.triggers).toEqual([Number(numericId(`hcloud:index/server:Server/nodes-${node}`))]);
      expect(c.dependsOn).toContain(server?.urn);
      expect(c.inputs.create).toBe(ETCD_MEMBER_CREATE);
      expect(c.inputs.delete).toBe(etcdLeaveScript("v1.13.x"));
      expect(c.secretInputs).toContain("environment");
      const env = c.inputs.environment as Record<string, string>;
      const others = ["1", "2", "3"].filter((n) => `prod-cp-${n}` !== node).map(address);
      expect([env.NODE_NAME, env.OTHER_ADDRESSES]).toEqual([node, others.join(" ")]);
    }
  });
});
