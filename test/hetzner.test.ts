// The Hetzner layer under the mock engine, for the real ci and prod stack files: every resource
// declared (type, name, parent, protect), each server's exact inputs and options, the firewall, the
// load balancer (no Talos API service, private unless publicApiEndpoint), the first control plane's
// Primary IP, the image lookup per architecture; plus the pure placement, label and rule functions.
import * as pulumi from "@pulumi/pulumi";
import { describe, it, expect, beforeAll, beforeEach, afterEach } from "vitest";
import {
  startEngine,
  settle,
  type EngineRecord,
  type Registration,
  declareOffline,
  registrationsOf,
} from "../tools/mock-engine";
import { numericId } from "../tools/mocks";
import { MOCK_TALOS_IMAGE_IDS, mockIpv4, mockIpv6 } from "../tools/mocks/hcloud";
import type { ClusterSpec } from "../components/config/spec";
import type { Pool } from "../components/config/pools";
import { PROJECT } from "../components/core/define";
import { PROD_SERVERS, specOf, valueOf, one } from "./helpers";
import { deepFreeze } from "./shared-state";
import {
  accessPlan,
  accessStatement,
  apiUrl,
  ControlPlaneEndpoint,
  PrivateNetwork,
  protectionOf,
  serverProtection,
  withServer,
  TalosNodes,
  architectures,
  controlPlaneSelector,
  ENDPOINT_SERVICES,
  firewallRules,
  nodeLabels,
  placementGroupOf,
  placementGroups,
  talosImageSelector,
  talosImages,
  type TalosNode,
} from "../components/hetzner";

/** A 64-character Image Factory schematic ID. */
const SCHEMATIC = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";
const SELECTOR = "os=talos,talos-version=v1.13.9,talos-schematic=376567988ad370138ad8b2698212367b";

const T = {
  network: "hcloud:index/network:Network",
  subnet: "hcloud:index/networkSubnet:NetworkSubnet",
  firewall: "hcloud:index/firewall:Firewall",
  pg: "hcloud:index/placementGroup:PlacementGroup",
  lb: "hcloud:index/loadBalancer:LoadBalancer",
  lbNetwork: "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork",
  lbTarget: "hcloud:index/loadBalancerTarget:LoadBalancerTarget",
  lbService: "hcloud:index/loadBalancerService:LoadBalancerService",
  server: "hcloud:index/server:Server",
  primaryIp: "hcloud:index/primaryIp:PrimaryIp",
  getImage: "hcloud:index/getImage:getImage",
} as const;

/** The architectures the Hetzner catalogue gives the stacks' server types (server-type-catalogue.ts). */
const TYPES = { cpx22: "x86", cpx32: "x86", cpx42: "x86", cax21: "arm" } as const;

const COMPONENT = {
  network: "hcloud-talos-cilium:hetzner:PrivateNetwork",
  endpoint: "hcloud-talos-cilium:hetzner:ControlPlaneEndpoint",
  nodes: "hcloud-talos-cilium:hetzner:TalosNodes",
} as const;

/** The component that must own each hcloud resource type. */
const OWNER: Readonly<Record<string, string>> = {
  [T.network]: COMPONENT.network,
  [T.subnet]: COMPONENT.network,
  [T.firewall]: COMPONENT.network,
  [T.pg]: COMPONENT.network,
  [T.lb]: COMPONENT.endpoint,
  [T.lbNetwork]: COMPONENT.endpoint,
  [T.lbTarget]: COMPONENT.endpoint,
  [T.lbService]: COMPONENT.endpoint,
  [T.server]: COMPONENT.nodes,
  [T.primaryIp]: COMPONENT.nodes,
};

/** The mock engine's ID of a resource, as a number (what the components pass on). */
const idOf = (type: string, name: string): number => Number(numericId(`${type}/${name}`));

interface Built {
  readonly network: PrivateNetwork;
  readonly endpoint: ControlPlaneEndpoint;
  readonly nodes: TalosNodes;
}

/** Builds the Hetzner layer the way the program does: network → endpoint → image → nodes. */
function build(spec: ClusterSpec): Built {
  const network = new PrivateNetwork(spec.stack, { spec });
  const endpoint = new ControlPlaneEndpoint(`${spec.stack}-api`, {
    spec,
    networkId: network.networkId,
    subnet: network.subnet,
  });
  const nodes = new TalosNodes("nodes", {
    spec,
    networkId: network.networkId,
    subnet: network.subnet,
    firewallId: network.firewallId,
    placementGroupIds: network.placementGroupIds,
    images: talosImages(spec, TYPES, pulumi.output(SCHEMATIC)),
    serverTypes: TYPES,
  });
  return { network, endpoint, nodes };
}

async function nodeValues(nodes: readonly TalosNode[]) {
  return Promise.all(
    nodes.map(async (n) => ({
      name: n.name,
      role: n.role,
      pool: n.pool.name,
      index: n.index,
      privateIp: n.privateIp,
      publicAddress: await valueOf(n.publicAddress),
      serverId: await valueOf(n.serverId),
    })),
  );
}

const urnOf = (record: EngineRecord, type: string): string => {
  const found = registrationsOf(record, type);
  expect(found).toHaveLength(1);
  return (found[0] as Registration).urn;
};

/** Per stack: the servers expected, in plan order, and whether the stack is protected (production). */
const STACKS = {
  ci: {
    servers: [
      { name: "ci-cp-1", role: "controlplane", pool: "cp", type: "cpx22", ip: "10.0.1.11" },
      { name: "ci-workers-1", role: "worker", pool: "workers", type: "cpx32", ip: "10.0.1.21" },
    ],
    groups: ["cp-1", "workers-1"],
    adminCidrs: ["0.0.0.0/0", "::/0"],
    protected: false,
  },
  prod: {
    servers: PROD_SERVERS,
    groups: ["cp-1", "workers-1"],
    adminCidrs: ["203.0.113.0/24"],
    protected: true,
  },
} as const;

/** A worker pool of arm64 servers (a stack file's YAML shape). */
const ARM_WORKERS = { name: "workers", count: 1, serverType: "cax21", location: "fsn1" };

const HEALTH = { protocol: "tcp", interval: 5, timeout: 3, retries: 3 };

describe("spread placement groups (pure)", () => {
  const pool = (name: string, count: number): Pool => ({
    name,
    count,
    serverType: "cpx41",
    location: "fsn1",
    labels: {},
    taints: [],
  });

  it("gives a 23-server pool 3 groups and a 10-server pool 1", () => {
    expect(placementGroups([pool("cp", 3), pool("big", 23), pool("ten", 10)])).toEqual([
      { key: "cp-1", pool: "cp", index: 0 },
      { key: "big-1", pool: "big", index: 0 },
      { key: "big-2", pool: "big", index: 1 },
      { key: "big-3", pool: "big", index: 2 },
      { key: "ten-1", pool: "ten", index: 0 },
    ]);
  });

  it("maps servers to groups in blocks of 10, so growing a pool never moves a server", () => {
    const big = pool("big", 23);
    const keys = Array.from({ length: 23 }, (_, index) => placementGroupOf({ pool: big, index }).key);
    expect(keys).toEqual([
      ...Array<string>(10).fill("big-1"),
      ...Array<string>(10).fill("big-2"),
      ...Array<string>(3).fill("big-3"),
    ]);
    expect(placementGroupOf({ pool: big, index: 20 })).toEqual({ key: "big-3", pool: "big", index: 2 });
  });
});

describe("labels, selectors and rules (pure)", () => {
  it("builds the Talos image selector with the first 32 characters of the schematic ID", () => {
    expect(talosImageSelector("v1.13.9", SCHEMATIC)).toBe(SELECTOR);
  });

  it("selects control planes by the labels the servers carry", () => {
    const cp = specOf("ci").settings.controlPlane;
    expect(controlPlaneSelector("ci")).toBe("cluster=ci,role=controlplane");
    expect(nodeLabels("ci", { role: "controlplane", pool: cp })).toEqual({
      cluster: "ci",
      role: "controlplane",
      pool: "cp",
    });
  });

  it("keeps pool (Kubernetes) labels off the Hetzner labels", () => {
    const pool: Pool = { ...specOf("ci").settings.controlPlane, labels: { role: "worker", "x.io/y": "z" } };
    expect(nodeLabels("ci", { role: "controlplane", pool })).toEqual({
      cluster: "ci",
      role: "controlplane",
      pool: "cp",
    });
  });

  it("gives the load balancer the Kubernetes API only: no Talos API (50000) service", () => {
    expect(ENDPOINT_SERVICES.map((svc) => [svc.role, svc.port])).toEqual([["kube-api", 6443]]);
  });

  it("adds the deploying runner's host prefix to both admin ports, once", () => {
    const rules = firewallRules(["198.51.100.0/24"], "192.0.2.7/32");
    expect(rules.map((r) => [r.description, r.port, r.sourceIps])).toEqual([
      ["Kubernetes API from admins and the deploying runner", "6443", ["198.51.100.0/24", "192.0.2.7/32"]],
      ["Talos API from admins and the deploying runner", "50000", ["198.51.100.0/24", "192.0.2.7/32"]],
      ["ICMP (path-MTU discovery, ping)", undefined, ["0.0.0.0/0", "::/0"]],
    ]);
    expect(firewallRules(["192.0.2.7/32"], "192.0.2.7/32")[0]?.sourceIps).toEqual(["192.0.2.7/32"]);
  });

  it("opens only 6443 and 50000 to the admin CIDRs, and ICMP to everyone", () => {
    expect(firewallRules(["198.51.100.0/24"])).toEqual([
      {
        description: "Kubernetes API from admins",
        direction: "in",
        protocol: "tcp",
        port: "6443",
        sourceIps: ["198.51.100.0/24"],
      },
      {
        description: "Talos API from admins",
        direction: "in",
        protocol: "tcp",
        port: "50000",
        sourceIps: ["198.51.100.0/24"],
      },
      {
        description: "ICMP (path-MTU discovery, ping)",
        direction: "in",
        protocol: "icmp",
        sourceIps: ["0.0.0.0/0", "::/0"],
      },
    ]);
  });

  it("needs one image per architecture the pools' server types have", () => {
    expect(architectures(specOf("prod"), TYPES)).toEqual(["x86"]);
    expect(architectures(specOf("ci", { workerPools: [ARM_WORKERS] }), TYPES)).toEqual(["x86", "arm"]);
    // The architecture is the catalogue's answer, not the name's: a type it calls arm gets the arm image.
    expect(architectures(specOf("prod"), { cpx32: "x86", cpx42: "arm" })).toEqual(["x86", "arm"]);
    expect(() => architectures(specOf("prod"), { cpx32: "x86" })).toThrow(
      'no architecture for server type "cpx42": it was not checked',
    );
  });
});

for (const stack of ["ci", "prod"] as const) {
  const expected = STACKS[stack];
  describe(`the ${stack} stack`, () => {
    let record: EngineRecord;
    let built: Built;

    // One declaration per stack, read by every test below (frozen: no test can change what the next reads).
    beforeAll(async () => {
      record = await startEngine({ project: PROJECT, stack });
      built = await declareOffline(() => build(specOf(stack)));
      deepFreeze(record);
    });
    afterEach(settle);

    it("declares exactly these resources, each a child of its component", () => {
      const declared = record.resources
        .filter((r) => r.custom)
        .map((r) => `${r.type} ${r.name}`)
        .sort();
      expect(declared).toEqual(
        [
          `${T.network} ${stack}-network`,
          `${T.subnet} ${stack}-subnet`,
          `${T.firewall} ${stack}-firewall`,
          ...expected.groups.map((g) => `${T.pg} ${stack}-pg-${g}`),
          `${T.lb} ${stack}-api-lb`,
          `${T.lbNetwork} ${stack}-api-network`,
          `${T.lbTarget} ${stack}-api-target`,
          `${T.lbService} ${stack}-api-svc-kube-api`,
          `${T.primaryIp} nodes-${stack}-cp-1-ipv4`,
          ...expected.servers.map((s) => `${T.server} nodes-${s.name}`),
        ].sort(),
      );
      const parents = record.resources
        .filter((r) => r.custom)
        .map((r) => [r.name, r.parent === urnOf(record, OWNER[r.type] as string)]);
      expect(parents.filter(([, ok]) => !ok)).toEqual([]);
      expect(parents).toHaveLength(declared.length);
    });

    it("creates one server per planned node with exact inputs and options", () => {
      const servers = registrationsOf(record, T.server);
      expect(servers.map((s) => s.name).sort()).toEqual(
        expected.servers.map((s) => `nodes-${s.name}`).sort(),
      );
      const subnetUrn = one(record, T.subnet, `${stack}-subnet`).urn;
      const primaryIp = idOf(T.primaryIp, `nodes-${stack}-cp-1-ipv4`);
      for (const [i, s] of expected.servers.entries()) {
        const reg = one(record, T.server, `nodes-${s.name}`);
        expect(reg.inputs).toEqual({
          name: s.name,
          serverType: s.type,
          location: "fsn1",
          image: String(MOCK_TALOS_IMAGE_IDS.x86),
          placementGroupId: idOf(T.pg, `${stack}-pg-${s.pool}-1`),
          firewallIds: [idOf(T.firewall, `${stack}-firewall`)],
          networks: [{ networkId: idOf(T.network, `${stack}-network`), ip: s.ip }],
          // The first control plane keeps its own Primary IPv4: the Kubernetes API's address.
          publicNets: [{ ...(i === 0 ? { ipv4: primaryIp } : {}), ipv4Enabled: true, ipv6Enabled: true }],
          labels: { cluster: stack, role: s.role, pool: s.pool },
          deleteProtection: expected.protected,
          rebuildProtection: expected.protected,
          shutdownBeforeDeletion: true,
        });
        expect(reg.ignoreChanges).toEqual(["image", "userData"]);
        expect(reg.dependsOn).toContain(subnetUrn);
        expect(reg.protect).toBe(expected.protected);
      }
      const roles = expected.servers.map((s) => s.role);
      expect(roles.filter((r) => r === "controlplane")).toHaveLength(stack === "ci" ? 1 : 3);
      expect(roles.filter((r) => r === "worker")).toHaveLength(stack === "ci" ? 1 : 3);
    });

    it("gives the first control plane a Primary IPv4 that outlives its server", () => {
      const ip = one(record, T.primaryIp, `nodes-${stack}-cp-1-ipv4`);
      expect(ip.inputs).toEqual({
        name: `${stack}-cp-1-api`,
        type: "ipv4",
        location: "fsn1",
        assigneeType: "server",
        autoDelete: false,
        labels: { cluster: stack, role: "kube-api" },
        deleteProtection: expected.protected,
      });
      expect(ip.protect).toBe(expected.protected);
    });

    it(`protects exactly the stateful resources${stack === "prod" ? " (production)" : ": none (not production)"}`, () => {
      const guarded = record.resources.filter((r) => r.protect).map((r) => r.name);
      expect(guarded.sort()).toEqual(
        expected.protected
          ? [
              `${stack}-network`,
              `${stack}-subnet`,
              `${stack}-firewall`,
              `${stack}-api-lb`,
              `nodes-${stack}-cp-1-ipv4`,
              ...expected.servers.map((s) => `nodes-${s.name}`),
            ].sort()
          : [],
      );
    });

    it("declares the network, subnet, placement groups and firewall exactly", () => {
      expect(one(record, T.network, `${stack}-network`).inputs).toEqual({
        ipRange: "10.0.0.0/16",
        labels: { cluster: stack },
        deleteProtection: expected.protected,
      });
      expect(one(record, T.subnet, `${stack}-subnet`).inputs).toEqual({
        networkId: idOf(T.network, `${stack}-network`),
        type: "cloud",
        networkZone: "eu-central",
        ipRange: "10.0.1.0/24",
      });
      expect(one(record, T.pg, `${stack}-pg-workers-1`).inputs).toEqual({
        type: "spread",
        labels: { cluster: stack, pool: "workers" },
      });
      expect(one(record, T.firewall, `${stack}-firewall`).inputs).toEqual({
        labels: { cluster: stack },
        rules: [
          {
            description: "Kubernetes API from admins",
            direction: "in",
            protocol: "tcp",
            port: "6443",
            sourceIps: expected.adminCidrs,
          },
          {
            description: "Talos API from admins",
            direction: "in",
            protocol: "tcp",
            port: "50000",
            sourceIps: expected.adminCidrs,
          },
          {
            description: "ICMP (path-MTU discovery, ping)",
            direction: "in",
            protocol: "icmp",
            sourceIps: ["0.0.0.0/0", "::/0"],
          },
        ],
      });
    });

    it("puts a private load balancer on the private network in front of the control planes, 6443 only", () => {
      const lbId = idOf(T.lb, `${stack}-api-lb`);
      expect(one(record, T.lb, `${stack}-api-lb`).inputs).toEqual({
        loadBalancerType: "lb11",
        location: "fsn1",
        labels: { cluster: stack },
        deleteProtection: expected.protected,
      });
      const attachment = one(record, T.lbNetwork, `${stack}-api-network`);
      expect(attachment.inputs).toEqual({
        loadBalancerId: lbId,
        networkId: idOf(T.network, `${stack}-network`),
        ip: "10.0.1.2",
        enablePublicInterface: false,
      });
      expect(registrationsOf(record, T.lbService).map((r) => r.inputs.listenPort)).toEqual([6443]);
      expect(attachment.dependsOn).toContain(one(record, T.subnet, `${stack}-subnet`).urn);
      const target = one(record, T.lbTarget, `${stack}-api-target`);
      expect(target.inputs).toEqual({
        loadBalancerId: lbId,
        type: "label_selector",
        labelSelector: `cluster=${stack},role=controlplane`,
        usePrivateIp: true,
      });
      expect(target.dependsOn).toContain(attachment.urn);
      for (const [role, port] of [["kube-api", 6443]] as const) {
        expect(one(record, T.lbService, `${stack}-api-svc-${role}`).inputs).toEqual({
          loadBalancerId: String(lbId),
          protocol: "tcp",
          listenPort: port,
          destinationPort: port,
          proxyprotocol: false,
          healthCheck: { ...HEALTH, port },
        });
      }
    });

    it("looks up the newest available x86 Talos snapshot by version and schematic", () => {
      expect(record.invokes.filter((i) => i.token === T.getImage).map((i) => i.inputs)).toEqual([
        { withSelector: SELECTOR, mostRecent: true, withArchitecture: "x86", withStatuses: ["available"] },
      ]);
    });

    it("outputs the endpoint's addresses and the nodes in plan order", async () => {
      expect(await valueOf(built.endpoint.host)).toBe("10.0.1.2");
      expect(await valueOf(built.endpoint.addresses)).toEqual(["10.0.1.2"]);
      expect(built.endpoint.privateIp).toBe("10.0.1.2");
      expect(await valueOf(built.network.firewallUrn)).toBe(urnOf(record, T.firewall));
      expect(await valueOf(built.network.networkId)).toBe(idOf(T.network, `${stack}-network`));
      expect(Object.keys(built.network.placementGroupIds)).toEqual([...expected.groups]);
      const primaryIp = String(idOf(T.primaryIp, `nodes-${stack}-cp-1-ipv4`));
      expect(await nodeValues(built.nodes.nodes)).toEqual(
        expected.servers.map((s, i) => {
          const id = idOf(T.server, `nodes-${s.name}`);
          return {
            name: s.name,
            role: s.role,
            pool: s.pool,
            index: Number(s.name.slice(s.name.lastIndexOf("-") + 1)) - 1,
            privateIp: s.ip,
            // The first control plane's address is its Primary IP's.
            publicAddress: i === 0 ? mockIpv4(primaryIp) : mockIpv4(String(id)),
            serverId: id,
          };
        }),
      );
    });
  });
}

describe("variants of the ci stack", () => {
  let record: EngineRecord;
  beforeEach(async () => {
    record = await startEngine({ project: PROJECT, stack: "ci" });
  });
  afterEach(settle);

  it("uses an explicit talosImageId without any image lookup", async () => {
    await declareOffline(() => build(specOf("ci", { talosImageId: 123456 })));
    expect(record.invokes.filter((i) => i.token === T.getImage)).toEqual([]);
    expect(registrationsOf(record, T.server).map((s) => s.inputs.image)).toEqual(["123456", "123456"]);
    expect(
      registrationsOf(record, T.server)
        .map((s) => s.inputs.serverType)
        .sort(),
    ).toEqual(["cpx22", "cpx32"]);
  });

  it("looks up an arm image for cax pools and gives it to their servers", async () => {
    await declareOffline(() => build(specOf("ci", { workerPools: [ARM_WORKERS] })));
    expect(
      record.invokes.filter((i) => i.token === T.getImage).map((i) => i.inputs.withArchitecture),
    ).toEqual(["x86", "arm"]);
    expect(
      registrationsOf(record, T.server)
        .map((s) => [s.name, s.inputs.image])
        .sort(),
    ).toEqual([
      ["nodes-ci-cp-1", String(MOCK_TALOS_IMAGE_IDS.x86)],
      ["nodes-ci-workers-1", String(MOCK_TALOS_IMAGE_IDS.arm)],
    ]);
  });

  it("gives the load balancer a public interface only with publicApiEndpoint, its endpoint then public", async () => {
    const built = await declareOffline(() => build(specOf("ci", { publicApiEndpoint: true })));
    const lbId = String(idOf(T.lb, "ci-api-lb"));
    expect(one(record, T.lbNetwork, "ci-api-network").inputs.enablePublicInterface).toBe(true);
    expect(await valueOf(built.endpoint.host)).toBe(mockIpv4(lbId, "203.0.113"));
    expect(await valueOf(built.endpoint.addresses)).toEqual([
      mockIpv4(lbId, "203.0.113"),
      mockIpv6(lbId),
      "10.0.1.2",
    ]);
    // Still no Talos API service: the program never dials Talos through the load balancer.
    expect(registrationsOf(record, T.lbService).map((r) => r.inputs.listenPort)).toEqual([6443]);
  });

  it("opens the firewall to the deploying runner of this run (runnerAccess: runner-ip)", async () => {
    const spec = { ...specOf("ci", { runnerAccess: "runner-ip" }), runnerCidr: "192.0.2.7/32" };
    await declareOffline(() => build(spec));
    const rules = one(record, T.firewall, "ci-firewall").inputs.rules as {
      port?: string;
      sourceIps: string[];
    }[];
    expect(rules.map((r) => [r.port, r.sourceIps])).toEqual([
      ["6443", ["0.0.0.0/0", "::/0", "192.0.2.7/32"]],
      ["50000", ["0.0.0.0/0", "::/0", "192.0.2.7/32"]],
      [undefined, ["0.0.0.0/0", "::/0"]],
    ]);
  });

  it("reaches IPv6-only nodes on their public IPv6 address, with no Primary IPv4", async () => {
    const built = await declareOffline(() => build(specOf("ci", { publicIPv4: false })));
    expect(registrationsOf(record, T.primaryIp)).toEqual([]);
    expect(registrationsOf(record, T.server).map((s) => s.inputs.publicNets)).toEqual([
      [{ ipv4Enabled: false, ipv6Enabled: true }],
      [{ ipv4Enabled: false, ipv6Enabled: true }],
    ]);
    const nodes = await nodeValues(built.nodes.nodes);
    expect(nodes.map((n) => n.publicAddress)).toEqual(
      ["nodes-ci-cp-1", "nodes-ci-workers-1"].map((n) => mockIpv6(String(idOf(T.server, n)))),
    );
  });

  it("passes user data per role when given, and none by default", async () => {
    const spec = specOf("ci");
    await declareOffline(() => {
      const network = new PrivateNetwork("ci", { spec });
      new TalosNodes("nodes", {
        spec,
        networkId: network.networkId,
        subnet: network.subnet,
        firewallId: network.firewallId,
        placementGroupIds: network.placementGroupIds,
        images: { x86: 42 },
        serverTypes: TYPES,
        userData: { worker: "#worker" },
      });
    });
    expect(
      registrationsOf(record, T.server)
        .map((s) => [s.name, s.inputs.image, s.inputs.userData])
        .sort(),
    ).toEqual([
      ["nodes-ci-cp-1", "42", undefined],
      ["nodes-ci-workers-1", "42", "#worker"],
    ]);
  });
});

describe("the runner's path to the Kubernetes API (pure, contract 2)", () => {
  it("takes the first control plane without a public load balancer, the load balancer with publicApiEndpoint", () => {
    expect(accessPlan(specOf("prod"))).toEqual({
      kubernetesApi: "first-control-plane",
      apiNode: "prod-cp-1",
      runnerAccess: "runner-ip",
    });
    expect(accessPlan({ ...specOf("prod"), runnerCidr: "192.0.2.7/32" }).runnerCidr).toBe("192.0.2.7/32");
    expect(accessPlan(specOf("ci", { publicApiEndpoint: true }))).toEqual({
      kubernetesApi: "public-load-balancer",
      runnerAccess: "admin-cidrs",
    });
  });

  it("states the path and who passes the firewall, for the preview's log", () => {
    expect(accessStatement(accessPlan(specOf("ci")))).toBe(
      "Access: the Kubernetes API is reached on ci-cp-1's public address, port 6443 (no public load balancer); the firewall opens 6443 and 50000 to adminCidrs only (runnerAccess: admin-cidrs: the runner must be inside them).",
    );
    expect(accessStatement(accessPlan({ ...specOf("prod"), runnerCidr: "192.0.2.7/32" }))).toBe(
      "Access: the Kubernetes API is reached on prod-cp-1's public address, port 6443 (no public load balancer); the firewall opens 6443 and 50000 to adminCidrs and, for this run, the deploying runner 192.0.2.7/32 (runnerAccess: runner-ip, DEPLOY_RUNNER_IP).",
    );
    expect(accessStatement(accessPlan(specOf("prod")))).toBe(
      "Access: the Kubernetes API is reached on prod-cp-1's public address, port 6443 (no public load balancer); the firewall opens 6443 and 50000 to adminCidrs only: DEPLOY_RUNNER_IP is unset (runnerAccess: runner-ip; the deploy sets it, the closing step does not).",
    );
    expect(accessStatement(accessPlan(specOf("ci", { publicApiEndpoint: true })))).toContain(
      "the Kubernetes API is the public load balancer's (publicApiEndpoint: true: 6443 is reachable from the whole Internet)",
    );
  });

  it("writes an API URL, an IPv6 host in brackets", () => {
    expect([apiUrl("198.51.100.7"), apiUrl("2001:db8::7")]).toEqual([
      "https://198.51.100.7:6443",
      "https://[2001:db8::7]:6443",
    ]);
  });

  it("points every cluster of a Talos kubeconfig at the API server, keeping the rest", () => {
    const talos = [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "  - name: prod",
      "    cluster:",
      "      server: https://10.0.1.2:6443",
      "      certificate-authority-data: Q0E=",
      "users:",
      "  - name: admin@prod",
      "    user:",
      "      client-key-data: S0VZ # secret",
      "current-context: admin@prod",
      "",
    ].join("\n");
    expect(withServer(talos, "https://198.51.100.7:6443")).toBe(
      talos.replace("server: https://10.0.1.2:6443", "server: https://198.51.100.7:6443"),
    );
    expect(withServer("apiVersion: v1\n", "https://x:6443")).toBe("apiVersion: v1\n");
  });
});

describe("protection (pure)", () => {
  it("protects production, and shuts every stack's servers down before deleting them", () => {
    expect(protectionOf({ production: true })).toEqual({ protect: true, deleteProtection: true });
    expect(protectionOf({ production: false })).toEqual({ protect: false, deleteProtection: false });
    expect(serverProtection(protectionOf({ production: true }))).toEqual({
      deleteProtection: true,
      rebuildProtection: true,
      shutdownBeforeDeletion: true,
    });
    expect(serverProtection(protectionOf({ production: false })).shutdownBeforeDeletion).toBe(true);
  });
});
