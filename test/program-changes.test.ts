/**
 * The quorum check at preview: the program compares what it is about to declare with the footprint
 * the last deployment exported (`clusterFootprint`, read through the stack's reference to itself), and
 * refuses a change that would take down a quorum before any resource is declared. A stack never
 * deployed, or deployed before the output existed, is not checked, and the preview's log says so. The
 * footprint itself is held to what the program declares.
 */
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PROJECT } from "../components/core/define";
import { footprintOf, type Footprint } from "../components/config/footprint";
import { program } from "../components/program";
import {
  declareOffline,
  registrationsOf,
  settle,
  startEngine,
  type EngineRecord,
} from "../tools/mock-engine";
import { numericId } from "../tools/mocks";
import { clearLastDeployment, setLastDeployment } from "../tools/mocks/command";
import { loadStackConfig } from "../tools/stack-files";
import { ROOT, specOf, stackRun, valueOf } from "./helpers";

afterEach(async () => {
  await settle();
  clearLastDeployment();
  vi.restoreAllMocks();
});

interface Preview {
  readonly record: EngineRecord;
  readonly thrown: unknown;
  readonly logs: readonly string[];
}

/** `pulumi preview` of prod with overrides, the last deployment having exported `deployed`. */
async function preview(
  overrides: Record<string, unknown>,
  deployed: Record<string, unknown>,
  env: Record<string, string> = {},
): Promise<Preview> {
  const cfg = loadStackConfig(ROOT, join(ROOT, "Pulumi.prod.yaml"));
  const record = await startEngine({ project: PROJECT, stack: "prod", preview: true });
  const extra = Object.fromEntries(
    Object.entries(overrides).map(([k, v]) => [
      `${PROJECT}:${k}`,
      typeof v === "string" ? v : JSON.stringify(v),
    ]),
  );
  pulumi.runtime.setAllConfig({ ...cfg.config, ...extra, "hcloud:token": "preview-token" }, ["hcloud:token"]);
  setLastDeployment(deployed);
  const logs: string[] = [];
  for (const stream of ["log", "warn", "error"] as const)
    vi.spyOn(console, stream).mockImplementation((m: unknown) => void logs.push(String(m)));
  for (const [k, v] of Object.entries(env)) process.env[k] = v;
  let thrown: unknown;
  try {
    await declareOffline(() => program());
  } catch (err) {
    thrown = err;
  } finally {
    for (const k of Object.keys(env)) delete process.env[k];
  }
  return { record, thrown, logs };
}

const CP = { name: "cp", count: 3, serverType: "cpx32", location: "fsn1" };
const LAST: Footprint = footprintOf(specOf("prod"));
const custom = (r: EngineRecord) => r.resources.filter((x) => x.custom).map((x) => x.type);

describe("the preview refuses a quorum-breaking change against the last deployment", () => {
  it("control planes resized at once: refused with the key, the value and the safe path; nothing declared", async () => {
    const p = await preview(
      { controlPlane: { ...CP, serverType: "cpx42" } },
      { clusterFootprint: LAST, talosVersion: "v1.13.9", kubernetesVersion: "1.36.3" },
    );
    expect((p.thrown as Error).message).toBe(
      'The change would take down a quorum; nothing was created or changed:\n  - hcloud-talos-cilium:controlPlane.serverType = "cpx42" (was "cpx32"): it would take down 3 of the 3 control planes at once (power off prod-cp-1, prod-cp-2, prod-cp-3), and etcd keeps quorum only while 2 of 3 members are up, one change at a time. Allowed: a change that takes at most one control plane down at a time and leaves a node of every worker pool running. Fix: resize the control planes one at a time by hand, each healthy before the next: for each of prod-cp-1, prod-cp-2, prod-cp-3: `hcloud server shutdown --wait <name> && hcloud server change-type <name> cpx42` (Hetzner starts it again), then `pulumi stack output talosHealthArgs --json --stack prod | jq -r \'.[]\' | xargs talosctl`; then `pulumi refresh --stack prod --yes` and deploy this change with ACCEPT_NODE_CHANGES=controlPlane.serverType; or set controlPlane.serverType back to "cpx32".',
    );
    expect(p.thrown).toBeInstanceOf(pulumi.RunError);
    expect(custom(p.record)).toEqual([]);
  });

  it("a worker pool moved to another location: refused; the same change with a new pool passes", async () => {
    const moved = await preview(
      { workerPools: [{ name: "workers", count: 3, serverType: "cpx42", location: "nbg1" }] },
      { clusterFootprint: LAST },
    );
    expect((moved.thrown as Error).message).toContain(
      'hcloud-talos-cilium:workerPools[0].location = "nbg1" (was "fsn1"): it would take down every node of worker pool "workers" at once (delete and re-create prod-workers-1, prod-workers-2, prod-workers-3)',
    );
    expect(custom(moved.record)).toEqual([]);
    const added = await preview(
      {
        workerPools: [
          { name: "workers", count: 3, serverType: "cpx42", location: "fsn1" },
          { name: "nbg", count: 3, serverType: "cpx42", location: "nbg1", firstHost: 31 },
        ],
      },
      { clusterFootprint: LAST },
    );
    expect(added.thrown).toBeUndefined();
    expect(added.logs).toContain(
      "info: [runtime] Server changes against the last deployment: prod-nbg-1: create, prod-nbg-2: create, prod-nbg-3: create.",
    );
  });

  it("ACCEPT_NODE_CHANGES lets the recording deploy of a manual resize through, with a warning", async () => {
    const p = await preview(
      { controlPlane: { ...CP, serverType: "cpx42" } },
      { clusterFootprint: LAST },
      { ACCEPT_NODE_CHANGES: "controlPlane.serverType" },
    );
    expect(p.thrown).toBeUndefined();
    expect(p.logs.filter((l) => l.includes("Accepted by ACCEPT_NODE_CHANGES"))).toHaveLength(1);
  });

  it("a stack never deployed, or deployed before the footprint existed, is not checked, and the log says so", async () => {
    for (const deployed of [{}, { talosVersion: "v1.13.9", kubernetesVersion: "1.36.3" }]) {
      const p = await preview({ controlPlane: { ...CP, serverType: "cpx42" } }, deployed);
      expect(p.thrown).toBeUndefined();
      expect(p.logs).toContain(
        "info: [runtime] Server changes: not checked against the last deployment: the last deployment exported no clusterFootprint (a stack never deployed, or deployed before this check existed).",
      );
    }
    const other = await preview({}, { clusterFootprint: { ...LAST, version: 0 } });
    expect(other.logs).toContain(
      "info: [runtime] Server changes: not checked against the last deployment: the last deployment's clusterFootprint is of another version than this program compares.",
    );
  });
});

describe("the footprint", () => {
  it("is exported, and is exactly what the program declares for every server", async () => {
    const run = await stackRun("prod");
    const exported = await valueOf(run.outputs.clusterFootprint as pulumi.Output<Footprint>);
    expect(exported).toEqual(LAST);
    const servers = registrationsOf(run.record, "hcloud:index/server:Server");
    expect(servers.map((s) => s.inputs.name).sort()).toEqual(Object.keys(LAST.nodes).sort());
    for (const s of servers) {
      const node = LAST.nodes[String(s.inputs.name)] as Footprint["nodes"][string];
      const labels = s.inputs.labels as Record<string, string>;
      expect({
        role: labels.role,
        pool: labels.pool,
        serverType: s.inputs.serverType,
        location: s.inputs.location,
        privateIp: (s.inputs.networks as { ip: string }[])[0]?.ip,
        placementGroup: s.inputs.placementGroupId,
      }).toEqual({
        ...node,
        placementGroup: Number(
          numericId(`hcloud:index/placementGroup:PlacementGroup/prod-pg-${node.placementGroup}`),
        ),
      });
    }
    const network = registrationsOf(run.record, "hcloud:index/network:Network")[0];
    const subnet = registrationsOf(run.record, "hcloud:index/networkSubnet:NetworkSubnet")[0];
    expect([network?.inputs.ipRange, subnet?.inputs.ipRange, subnet?.inputs.networkZone]).toEqual([
      LAST.settings.networkCidr,
      LAST.settings.nodeSubnetCidr,
      LAST.settings.networkZone,
    ]);
  });
});
