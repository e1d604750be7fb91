/**
 * The settings side of the change check on prod, in temporary git repositories: for a change of the
 * control planes' location, server type and count, of the network CIDRs, of a worker pool's location
 * and type, and for adding and removing a pool, the exact consequence per resource (from the offline
 * plan of base and head, each input classified with the providers' facts) and the exact refusal.
 */
import { describe, expect, it } from "vitest";
import { stackFileText } from "../components/config/stack-file";
import { TYPE_FACTS } from "../components/config/change-facts";
import type { SettingDef } from "../components/core/define";
import { SETTINGS, SETTING_KEYS, type SettingKey } from "../components/config/settings";
import { settingsCheck, type ResourceChange, type StackChanges } from "../tools/changes";
import { main, type ChangeReport } from "../tools/knobs";
import { tempRepos } from "./git-repos";
import { importFresh, PROD_NODE_NAMES, stackRun } from "./helpers";

const { repo } = tempRepos("changes");

const PROD = { production: true, adminCidrs: ["203.0.113.0/24"], runnerAccess: "runner-ip" };
const CI = { adminCidrs: ["0.0.0.0/0"] };
const CP = { name: "cp", count: 3, serverType: "cpx32", location: "fsn1" };
const WORKERS = { name: "workers", count: 3, serverType: "cpx42", location: "fsn1" };

/** A repository whose HEAD holds the given stack files; the working tree then gets `prod` (and `ci`). */
type Files = { prod: Record<string, unknown>; ci?: Record<string, unknown> };

function repoWith(base: Files, head: Files): string {
  const r = repo();
  const files = ({ prod, ci }: Files) => ({
    "Pulumi.prod.yaml": stackFileText({ ...PROD, ...prod }),
    "Pulumi.ci.yaml": stackFileText({ ...CI, ...(ci ?? {}) }),
  });
  r.commit(files(base));
  r.write(files(head));
  return r.dir;
}

/** The settings side of the check in such a repository, against HEAD. */
function check(base: Files, head: Files, env: NodeJS.ProcessEnv = {}) {
  const dir = repoWith(base, head);
  return settingsCheck(
    dir,
    { base: "HEAD", now: new Date("2026-12-01T00:00:00Z") },
    { load: importFresh, env },
  );
}

/** One line per changed resource: action, effect, name, and each changed input (`<` the replaced resource it follows). */
const lines = (c: StackChanges | undefined, skip: RegExp = /^upgrades-/): string[] =>
  (c?.resources ?? [])
    .filter((r) => !skip.test(r.name))
    .map(
      (r: ResourceChange) =>
        `${r.action} ${r.effect} ${r.name}${r.inputs.map((i) => ` ${i.input}${i.via ? `<${i.via}` : ""}:${i.effect}`).join("")}`,
    )
    .sort();

const refusals = (c: StackChanges | undefined) => (c?.refusals ?? []).map((p) => p.message);

/**
 * The inputs a change moved directly (not through a replaced resource) that the settings table does not
 * say the setting reaches: holds the table's `change.reaches` to the real program.
 */
const unexplained = (c: StackChanges | undefined, key: SettingKey): string[] => {
  const reaches = ((SETTINGS[key] as SettingDef<unknown>).change?.reaches ?? []).map(([t, i]) => `${t} ${i}`);
  return (c?.resources ?? []).flatMap((r) =>
    r.inputs
      .filter((i) => !i.via && !reaches.includes(`${r.type} ${i.input}`))
      .map((i) => `${r.name} ${i.input}`),
  );
};

describe("the settings table's change column", () => {
  it("says for every setting what a change reaches, each input one the facts know", () => {
    for (const key of SETTING_KEYS) {
      const change = (SETTINGS[key] as SettingDef<unknown>).change;
      expect(change, key).toBeDefined();
      for (const [type] of change?.reaches ?? []) expect(Object.keys(TYPE_FACTS), key).toContain(type);
    }
  });

  it("names only inputs the program declares on that type (on ci or prod)", async () => {
    const declared = new Set<string>();
    for (const stack of ["ci", "prod"] as const)
      for (const r of (await stackRun(stack)).record.resources)
        for (const input of Object.keys(r.inputs)) declared.add(`${r.type} ${input}`);
    const missing = SETTING_KEYS.flatMap((key) =>
      ((SETTINGS[key] as SettingDef<unknown>).change?.reaches ?? [])
        .filter(([type, input]) => !declared.has(`${type} ${input}`))
        .map(([type, input]) => `${key}: ${type} ${input}`),
    );
    expect(missing).toEqual([]);
  });
});

describe("the change check on prod: what each settings change does, per resource", () => {
  it("controlPlane.serverType: powers off every control plane at once, refused with the one-at-a-time path", async () => {
    const r = await check({ prod: {} }, { prod: { controlPlane: { ...CP, serverType: "cpx42" } } });
    expect(r.ci).toBeUndefined();
    expect(lines(r.prod)).toEqual([
      "update power-off nodes-prod-cp-1 serverType:power-off",
      "update power-off nodes-prod-cp-2 serverType:power-off",
      "update power-off nodes-prod-cp-3 serverType:power-off",
    ]);
    expect(refusals(r.prod)).toEqual([
      'hcloud-talos-cilium:controlPlane.serverType = "cpx42" (was "cpx32"): it would take down 3 of the 3 control planes at once (power off prod-cp-1, prod-cp-2, prod-cp-3), and etcd keeps quorum only while 2 of 3 members are up, one change at a time. Allowed: a change that takes at most one control plane down at a time and leaves a node of every worker pool running. Fix: resize the control planes one at a time by hand, each healthy before the next: for each of prod-cp-1, prod-cp-2, prod-cp-3: `hcloud server shutdown --wait <name> && hcloud server change-type <name> cpx42` (Hetzner starts it again), then `pulumi stack output talosHealthArgs --json --stack prod | jq -r \'.[]\' | xargs talosctl`; then `pulumi refresh --stack prod --yes` and deploy this change with ACCEPT_NODE_CHANGES=controlPlane.serverType; or set controlPlane.serverType back to "cpx32".',
    ]);
    expect(unexplained(r.prod, "controlPlane")).toEqual([]);
    const [server] = r.prod?.resources ?? [];
    expect(server?.inputs[0]).toMatchObject({
      input: "serverType",
      from: "cpx32",
      to: "cpx42",
      source: "terraform-provider-hcloud f81c9af internal/server/resource.go:587-611",
    });
  });

  it("ACCEPT_NODE_CHANGES turns that refusal into a warning, after the manual resize", async () => {
    const r = await check(
      { prod: {} },
      { prod: { controlPlane: { ...CP, serverType: "cpx42" } } },
      { ACCEPT_NODE_CHANGES: "controlPlane.serverType" },
    );
    expect(refusals(r.prod)).toEqual([]);
    expect(r.prod?.warnings.map((w) => w.message.slice(-65))).toEqual([
      'r set controlPlane.serverType back to "cpx32". Accepted by ACCEPT_NODE_CHANGES=controlPlane.serverType.'.slice(
        -65,
      ),
    ]);
  });

  it("controlPlane.location: replaces every control plane, the load balancer, the Primary IP and so the Kubernetes provider with every release", async () => {
    const r = await check({ prod: {} }, { prod: { controlPlane: { ...CP, location: "nbg1" } } });
    expect(unexplained(r.prod, "controlPlane")).toEqual([]);
    expect(lines(r.prod)).toEqual([
      "replace replace cilium-k8s kubeconfig<nodes-prod-cp-1:replace",
      "replace replace cilium-release (provider)<cilium-k8s:replace",
      "replace replace cilium-spire-namespace (provider)<cilium-k8s:replace",
      // Each control plane's etcd-membership command is replaced with its server: its delete (etcd leave) runs first.
      ...[1, 2, 3].map(
        (n) =>
          `replace replace etcd-prod-cp-${n} environment<nodes-prod-cp-2:in-place triggers<nodes-prod-cp-${n}:replace`,
      ),
      "replace replace hcloud-ccm-release (provider)<cilium-k8s:replace",
      "replace replace hcloud-ccm-secret (provider)<cilium-k8s:replace",
      "replace replace nodes-prod-cp-1 location:replace publicNets<nodes-prod-cp-1-ipv4:power-off",
      "replace replace nodes-prod-cp-1-ipv4 location:replace",
      "replace replace nodes-prod-cp-2 location:replace",
      "replace replace nodes-prod-cp-3 location:replace",
      "replace replace prod-api-lb location:replace",
      "replace replace prod-api-network loadBalancerId<prod-api-lb:replace",
      "replace replace prod-api-svc-kube-api loadBalancerId<prod-api-lb:replace",
      "replace replace prod-api-target loadBalancerId<prod-api-lb:replace",
      // A replaced server boots in maintenance mode: its config apply is replaced with it (replaceWith).
      ...[1, 2, 3].map(
        (n) =>
          `replace replace talos-apply-prod-cp-${n} (replaceWith)<nodes-prod-cp-${n}:replace endpoint<nodes-prod-cp-${n}:config-apply node<nodes-prod-cp-${n}:config-apply`,
      ),
      // The agent roll's commands get the kubeconfig with the new API address (an update, which acts only
      // on a node whose agent runs an old template).
      ...["baseline", ...PROD_NODE_NAMES].map(
        (n) => `update in-place cilium-agents-${n} environment<nodes-prod-cp-1:in-place`,
      ),
      "update in-place talos-kubeconfig endpoint<nodes-prod-cp-1:in-place node<nodes-prod-cp-1:in-place",
      // The config roll's gates learn the new addresses for their health check (an update, which acts
      // only when the node's own applied config changed).
      ...["cp-1", "cp-2", "cp-3", "workers-1", "workers-2", "workers-3"].map(
        (n) => `update in-place talos-roll-prod-${n} environment<nodes-prod-cp-2:in-place`,
      ),
    ]);
    expect(refusals(r.prod)).toEqual([
      'hcloud-talos-cilium:controlPlane.location = "nbg1" (was "fsn1"): it would take down 3 of the 3 control planes at once (delete and re-create prod-cp-1, prod-cp-2, prod-cp-3), and etcd keeps quorum only while 2 of 3 members are up, one change at a time. Allowed: a change that takes at most one control plane down at a time and leaves a node of every worker pool running. Fix: keep controlPlane.location "fsn1": Hetzner cannot move a server (location is ForceNew), and the load balancer and the API\'s Primary IP are bound to the location too; to move the control planes, build the cluster anew as a new stack (pulumi stack init, the new value in its stack file, pulumi up), move the workloads, then retire this stack (README, "Protection and backups").',
    ]);
  });

  it("controlPlane.count 3 → 1: deletes two etcd members at once, refused with the manual etcd leave", async () => {
    const r = await check({ prod: {} }, { prod: { controlPlane: { ...CP, count: 1 } } });
    expect(lines(r.prod)).toEqual([
      // The removed nodes' agent roll steps go (their delete runs nothing); cp-1's peer becomes workers-1.
      "delete delete cilium-agents-prod-cp-2",
      "delete delete cilium-agents-prod-cp-3",
      "delete delete etcd-prod-cp-2",
      "delete delete etcd-prod-cp-3",
      "delete delete nodes-prod-cp-2",
      "delete delete nodes-prod-cp-3",
      "delete delete talos-apply-prod-cp-2",
      "delete delete talos-apply-prod-cp-3",
      "delete delete talos-roll-prod-cp-2",
      "delete delete talos-roll-prod-cp-3",
      "update in-place cilium-agents-prod-cp-1 environment:in-place",
      "update in-place etcd-prod-cp-1 environment:in-place",
      ...["cp-1", "workers-1", "workers-2", "workers-3"].map(
        (n) => `update in-place talos-roll-prod-${n} environment:in-place`,
      ),
    ]);
    expect(refusals(r.prod)).toEqual([
      "hcloud-talos-cilium:controlPlane.count = 1 (was 3): it would take down 2 of the 3 control planes at once (delete prod-cp-2, prod-cp-3), and etcd keeps quorum only while 2 of 3 members are up, one change at a time. Allowed: a change that takes at most one control plane down at a time and leaves a node of every worker pool running. Fix: take the etcd members out one at a time by hand first, each healthy before the next: `talosctl -e <first control plane> -n <address of the control plane to remove> etcd leave` for the highest-numbered ones, then `pulumi stack output talosHealthArgs --json --stack prod | jq -r '.[]' | xargs talosctl`; then deploy this change with ACCEPT_NODE_CHANGES=controlPlane.count; or keep controlPlane.count 3.",
    ]);
  });

  it("networkCidr: a new network and subnet, every server re-attached: refused for the control planes and the pool", async () => {
    const r = await check({ prod: {} }, { prod: { networkCidr: "10.0.0.0/15" } });
    expect(unexplained(r.prod, "networkCidr")).toEqual([]);
    expect(lines(r.prod, /^(upgrades-|talos-apply-)/)).toEqual([
      "replace replace prod-api-network networkId<prod-network:replace",
      "replace replace prod-network ipRange:replace",
      "replace replace prod-subnet networkId<prod-network:replace",
      "update in-place hcloud-ccm-secret stringData<prod-network:in-place",
      ...["cp-1", "cp-2", "cp-3", "workers-1", "workers-2", "workers-3"].map(
        (n) => `update re-address nodes-prod-${n} networks<prod-network:re-address`,
      ),
    ]);
    expect(refusals(r.prod)).toEqual([
      'hcloud-talos-cilium:networkCidr = "10.0.0.0/15" (was "10.0.0.0/16"): it would take down 3 of the 3 control planes at once (detach and re-address prod-cp-1, prod-cp-2, prod-cp-3), and etcd keeps quorum only while 2 of 3 members are up, one change at a time; and it would take down every node of worker pool "workers" at once (detach and re-address prod-workers-1, prod-workers-2, prod-workers-3): its workloads would have nowhere to run. Allowed: a change that takes at most one control plane down at a time and leaves a node of every worker pool running. Fix: keep networkCidr "10.0.0.0/16": every server hangs on it; build the cluster anew as a new stack (pulumi stack init, the new value in its stack file, pulumi up), move the workloads, then retire this stack (README, "Protection and backups").',
    ]);
  });

  it("nodeSubnetCidr: a new subnet and a new address for every server and the load balancer", async () => {
    const r = await check({ prod: {} }, { prod: { nodeSubnetCidr: "10.0.2.0/24" } });
    expect(unexplained(r.prod, "nodeSubnetCidr")).toEqual([]);
    expect(lines(r.prod, /^upgrades-/)).toEqual([
      "replace replace prod-api-network ip:replace",
      "replace replace prod-subnet ipRange:replace",
      ...["cp-1", "cp-2", "cp-3", "workers-1", "workers-2", "workers-3"].map(
        (n) => `update config-apply talos-apply-prod-${n} machineConfigurationInput:config-apply`,
      ),
      ...["cp-1", "cp-2", "cp-3", "workers-1", "workers-2", "workers-3"].map(
        (n) => `update in-place talos-roll-prod-${n} environment:in-place`,
      ),
      ...["cp-1", "cp-2", "cp-3", "workers-1", "workers-2", "workers-3"].map(
        (n) => `update re-address nodes-prod-${n} networks:re-address`,
      ),
    ]);
    expect(refusals(r.prod)).toEqual([
      'hcloud-talos-cilium:nodeSubnetCidr = "10.0.2.0/24" (was "10.0.1.0/24"): it would take down 3 of the 3 control planes at once (detach and re-address prod-cp-1, prod-cp-2, prod-cp-3), and etcd keeps quorum only while 2 of 3 members are up, one change at a time; and it would take down every node of worker pool "workers" at once (detach and re-address prod-workers-1, prod-workers-2, prod-workers-3): its workloads would have nowhere to run. Allowed: a change that takes at most one control plane down at a time and leaves a node of every worker pool running. Fix: keep nodeSubnetCidr "10.0.1.0/24": every server hangs on it; build the cluster anew as a new stack (pulumi stack init, the new value in its stack file, pulumi up), move the workloads, then retire this stack (README, "Protection and backups").',
    ]);
  });

  it("a worker pool's location or server type: every node of the pool at once, refused with the new-pool path", async () => {
    const r = await check(
      { prod: {} },
      { prod: { workerPools: [{ ...WORKERS, location: "nbg1", serverType: "cpx52" }] } },
    );
    expect(unexplained(r.prod, "workerPools")).toEqual([]);
    expect(lines(r.prod)).toEqual([
      ...["workers-1", "workers-2", "workers-3"].map(
        (n) => `replace replace nodes-prod-${n} location:replace serverType:power-off`,
      ),
      // A replaced server boots in maintenance mode: its config apply is replaced with it (replaceWith).
      ...["workers-1", "workers-2", "workers-3"].map(
        (n) =>
          `replace replace talos-apply-prod-${n} (replaceWith)<nodes-prod-${n}:replace endpoint<nodes-prod-${n}:config-apply node<nodes-prod-${n}:config-apply`,
      ),
      ...["workers-1", "workers-2", "workers-3"].map(
        (n) => `update in-place talos-roll-prod-${n} environment<nodes-prod-${n}:in-place`,
      ),
    ]);
    const fix = (field: string, value: string) =>
      `Fix: keep worker pool "workers" as it is and add a new pool with ${field} "${value}" (its own name and firstHost), deploy, move the work off "workers" node by node (\`kubectl cordon <node>\`, \`kubectl drain <node> --ignore-daemonsets --delete-emptydir-data\`), then remove "workers" in a later change.`;
    expect(refusals(r.prod)).toEqual(
      [
        ["serverType", "cpx52", "cpx42"],
        ["location", "nbg1", "fsn1"],
      ].map(
        ([field, to, from]) =>
          `hcloud-talos-cilium:workerPools[0].${field} = "${to}" (was "${from}"): it would take down every node of worker pool "workers" at once (delete and re-create prod-workers-1, prod-workers-2, prod-workers-3): its workloads would have nowhere to run. Allowed: a change that leaves a node of the pool running. ${fix(field as string, to as string)}`,
      ),
    );
  });

  const NBG = { name: "nbg", count: 2, serverType: "cpx42", location: "nbg1", firstHost: 31 };

  it("adding a pool creates its servers, group and applies, and touches no other node's server or apply", async () => {
    const r = await check({ prod: {} }, { prod: { workerPools: [WORKERS, NBG] } });
    expect(lines(r.prod, /^(upgrades|talos-roll)-prod-(cp|workers)|^upgrades-kubernetes/)).toEqual([
      "create create cilium-agents-prod-nbg-1",
      "create create cilium-agents-prod-nbg-2",
      "create create nodes-prod-nbg-1",
      "create create nodes-prod-nbg-2",
      "create create prod-pg-nbg-1",
      "create create talos-apply-prod-nbg-1",
      "create create talos-apply-prod-nbg-2",
      "create create talos-roll-prod-nbg-1",
      "create create talos-roll-prod-nbg-2",
      "create create upgrades-prod-nbg-1",
      "create create upgrades-prod-nbg-2",
    ]);
    // The other nodes' upgrade commands and roll gates only learn the new nodes for their health check
    // (an update that does nothing unless the node's own config changed).
    expect(
      new Set(
        (r.prod?.resources ?? [])
          .filter((c) => /^(upgrades|talos-roll)-prod-(cp|workers)/.test(c.name))
          .map((c) => `${c.action} ${c.inputs.map((i) => i.input).join(",")}`),
      ),
    ).toEqual(new Set(["update environment"]));
    expect(refusals(r.prod)).toEqual([]);
    expect(r.prod?.warnings).toEqual([]);
  });

  it("removing a pool deletes its nodes only, with a warning to move the work first", async () => {
    const r = await check({ prod: { workerPools: [WORKERS, NBG] } }, { prod: { workerPools: [NBG] } });
    expect(lines(r.prod, /^(upgrades|talos-roll)-prod-(cp|nbg)|^upgrades-kubernetes/)).toEqual([
      "delete delete cilium-agents-prod-workers-1",
      "delete delete cilium-agents-prod-workers-2",
      "delete delete cilium-agents-prod-workers-3",
      "delete delete nodes-prod-workers-1",
      "delete delete nodes-prod-workers-2",
      "delete delete nodes-prod-workers-3",
      "delete delete prod-pg-workers-1",
      "delete delete talos-apply-prod-workers-1",
      "delete delete talos-apply-prod-workers-2",
      "delete delete talos-apply-prod-workers-3",
      "delete delete talos-roll-prod-workers-1",
      "delete delete talos-roll-prod-workers-2",
      "delete delete talos-roll-prod-workers-3",
      "delete delete upgrades-prod-workers-1",
      "delete delete upgrades-prod-workers-2",
      "delete delete upgrades-prod-workers-3",
    ]);
    expect(refusals(r.prod)).toEqual([]);
    expect(r.prod?.warnings.map((w) => w.message)).toEqual([
      'hcloud-talos-cilium:workerPools: worker pool "workers" is removed, deleting its 3 node(s) at once. Before deploying, move its work node by node (`kubectl cordon <node>`, `kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`) onto the other pools.',
    ]);
  });

  it("adding a pool and removing the old one in the same change (or renaming it) is refused", async () => {
    const r = await check({ prod: {} }, { prod: { workerPools: [{ ...NBG, firstHost: undefined }] } });
    expect(refusals(r.prod)).toEqual([
      'hcloud-talos-cilium:workerPools: this change adds worker pool(s) "nbg" and removes "workers" at once: Pulumi creates the new servers while it deletes the old ones, so the removed pools\' work has nowhere to run. Allowed: adding a pool, or removing one, per change. Fix: add "nbg" in this change and deploy; move the work off "workers" node by node (`kubectl cordon <node>`, `kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`); remove "workers" in a later change.',
    ]);
  });

  it("ci (not production) warns instead of refusing", async () => {
    const r = await check(
      { prod: {}, ci: {} },
      { prod: {}, ci: { controlPlane: { ...CP, count: 1, serverType: "cpx22" } } },
    );
    expect(r.prod).toBeUndefined();
    expect(refusals(r.ci)).toEqual([]);
    expect(r.ci?.warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(
        /^hcloud-talos-cilium:controlPlane\.serverType = "cpx22" \(was "cpx32"\): it would take down 3 of the 3 control planes at once .*\(Refused on a production stack; allowed here\.\)$/,
      ),
      expect.stringMatching(
        /^hcloud-talos-cilium:controlPlane\.count = 1 \(was 3\): it would take down 3 of the 3 control planes at once \(power off ci-cp-1; delete ci-cp-2, ci-cp-3\).*\(Refused on a production stack; allowed here\.\)$/,
      ),
    ]);
  });
});

describe("npm run check: the settings in the report, as text, Markdown and JSON", () => {
  const run = async (dir: string, ...args: string[]) => {
    let stdout = "";
    let stderr = "";
    const io = { out: (t: string) => (stdout += t), err: (t: string) => (stderr += t) };
    const argv = ["check", "--base", "HEAD", "--now", "2026-12-01T00:00:00Z", ...args];
    const status = await main(argv, dir, io, { load: importFresh });
    return { status, stdout, stderr };
  };

  it("exits 1 with the quorum refusal as a violation, and lists each resource's consequence", async () => {
    const dir = repoWith({ prod: {} }, { prod: { controlPlane: { ...CP, serverType: "cpx42" } } });
    const [text, markdown, json] = [await run(dir), await run(dir, "--markdown"), await run(dir, "--json")];
    expect([text.status, markdown.status, json.status]).toEqual([1, 1, 1]);
    const report = JSON.parse(json.stdout) as ChangeReport;
    const refusal = report.settings.prod?.refusals[0]?.message ?? "";
    expect(refusal).toMatch(/^hcloud-talos-cilium:controlPlane\.serverType = "cpx42" \(was "cpx32"\): /);
    expect(report.violations).toEqual([
      { rule: "quorum", stack: "prod", message: `Pulumi.prod.yaml: ${refusal}` },
    ]);
    expect(json.stderr).toBe(`✗ Pulumi.prod.yaml: ${refusal}\n`);
    expect(text.stdout).toContain(
      [
        "settings: what the change does to the running cluster (the offline plan of base and head)",
        "prod: the settings change 3 resource(s):",
        "  ~ nodes-prod-cp-2 (server): powered off, changed, started again",
        '      serverType ("cpx32" → "cpx42"): the provider powers a running server off and calls change_type (resource.go:587-611); Hetzner copies the disk and starts it again, and an upgraded disk (keep_disk false) can never go back to a smaller type (API: Change the Type of a Server) [terraform-provider-hcloud f81c9af internal/server/resource.go:587-611]',
      ].join("\n"),
    );
    expect(text.stdout).toContain(`  ✗ ${refusal}\n`);
    expect(markdown.stdout).toContain(
      '| ~ `nodes-prod-cp-1` (server) | **power-off**: powered off, changed, started again | serverType ("cpx32" → "cpx42"): the provider powers a running server off',
    );
    expect(markdown.stdout).toContain(`- ✗ ${refusal}`);
  });
});
