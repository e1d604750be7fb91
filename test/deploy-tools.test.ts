/**
 * The workflows' two TypeScript helpers: the check of what a deploy downloads (tools/deploy-inputs.ts)
 * and the ephemeral cluster's cost estimate (tools/pr-cost.ts), as pure functions over stand-in data.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gatewayApiManifest, GATEWAY_API_VERSION } from "../components/cilium/gateway-api";
import { CILIUM_REPO } from "../components/cilium/release";
import type { EngineRecord, Registration } from "../tools/mock-engine";
import { deployInputs, indexEntry, PINNED_SHA256, verifyInput, type Fetch } from "../tools/deploy-inputs";
import { billedResources, estimate, renderEstimate, type Pricing } from "../tools/pr-cost";
import { reference, specOf } from "./helpers";

const sha = (b: Buffer | string): string => createHash("sha256").update(b).digest("hex");

describe("deploy inputs", () => {
  it("lists both charts at the stack's versions and the Gateway API CRDs when the knob is on", () => {
    const spec = specOf("prod", { gatewayAPI: true });
    expect(deployInputs(spec)).toEqual([
      { kind: "chart", repo: "https://helm.cilium.io", name: "cilium", version: spec.settings.ciliumVersion },
      {
        kind: "chart",
        repo: "https://charts.hetzner.cloud",
        name: "hcloud-cloud-controller-manager",
        version: spec.settings.hcloudCcmVersion,
      },
      {
        kind: "manifest",
        url: `https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml`,
      },
    ]);
    expect(deployInputs(specOf("prod", { gatewayAPI: false })).map((i) => i.kind)).toEqual([
      "chart",
      "chart",
    ]);
  });

  it("pins the manifest the program applies, and the Cilium archive the fixtures hold", () => {
    expect(PINNED_SHA256[gatewayApiManifest()]).toMatch(/^[0-9a-f]{64}$/);
    const chart = reference("charts/cilium-1.20.0.tgz");
    expect(PINNED_SHA256[`${CILIUM_REPO} cilium 1.20.0`]).toBe(sha(readFileSync(chart.path)));
  });

  const index = (digest: string) =>
    `apiVersion: v1\nentries:\n  cilium:\n  - version: 1.20.0\n    digest: ${digest}\n    urls:\n    - https://helm.cilium.io/cilium-1.20.0.tgz\n  - version: 1.19.4\n    digest: ${"1".repeat(64)}\n    urls:\n    - cilium-1.19.4.tgz\n`;

  it("reads a version's published digest and archive URL from a repository index (relative URLs too)", () => {
    expect(indexEntry(index("a".repeat(64)), CILIUM_REPO, "cilium", "1.19.4")).toEqual({
      digest: "1".repeat(64),
      url: "https://helm.cilium.io/cilium-1.19.4.tgz",
    });
    expect(indexEntry(index("a".repeat(64)), CILIUM_REPO, "cilium", "9.9.9")).toBeUndefined();
  });

  const archive = Buffer.from("the chart archive");
  const web =
    (files: Record<string, Buffer | string>): Fetch =>
    (url) => {
      const body = files[url];
      return body === undefined
        ? Promise.reject(new Error(`GET ${url}: HTTP 404`))
        : Promise.resolve(Buffer.from(body));
    };
  const cilium = { kind: "chart", repo: CILIUM_REPO, name: "cilium", version: "1.19.4" } as const;

  it("accepts a chart whose archive has the digest its index publishes", async () => {
    const get = web({
      "https://helm.cilium.io/index.yaml": index("a".repeat(64)).replace("1".repeat(64), sha(archive)),
      "https://helm.cilium.io/cilium-1.19.4.tgz": archive,
    });
    expect(await verifyInput(cilium, get)).toBe(
      `✓ chart cilium 1.19.4 from https://helm.cilium.io sha256 ${sha(archive)} (the index's published digest)`,
    );
  });

  it("refuses an archive that differs from the index, an index that differs from the pin, and a manifest that differs", async () => {
    const get = web({
      "https://helm.cilium.io/index.yaml": index("b".repeat(64)),
      "https://helm.cilium.io/cilium-1.19.4.tgz": archive,
      "https://helm.cilium.io/cilium-1.20.0.tgz": archive,
    });
    await expect(verifyInput(cilium, get)).rejects.toThrow(
      `chart cilium 1.19.4 from https://helm.cilium.io: the archive https://helm.cilium.io/cilium-1.19.4.tgz has sha256 ${sha(archive)}, but the index publishes ${"1".repeat(64)}.`,
    );
    await expect(verifyInput({ ...cilium, version: "1.20.0" }, get)).rejects.toThrow(
      `chart cilium 1.20.0 from https://helm.cilium.io: the index publishes digest ${"b".repeat(64)}, but c5f013912360d1a334f44ef25f36da59ba3414cdb48f466ee12d0c4fdff27883 is pinned. Fix: find out why the chart was republished before deploying.`,
    );
    await expect(verifyInput({ ...cilium, version: "9.9.9" }, get)).rejects.toThrow(
      "chart cilium 9.9.9 from https://helm.cilium.io: the repository's index.yaml lists no such version with a digest. Fix: use a published version.",
    );
    const url = gatewayApiManifest();
    await expect(verifyInput({ kind: "manifest", url }, web({ [url]: "tampered" }))).rejects.toThrow(
      `${url}: sha256 ${sha("tampered")}, but ${PINNED_SHA256[url]} is pinned. Fix: find out why the release asset changed before deploying.`,
    );
  });
});

/** A registration as the mock engine records it, with only what billedResources reads. */
const reg = (type: string, name: string, inputs: Record<string, unknown>): Registration =>
  ({
    type,
    name,
    urn: `urn:${name}`,
    parent: "",
    custom: true,
    inputs,
    secretInputs: [],
    ignoreChanges: [],
    dependsOn: [],
    additionalSecretOutputs: [],
    deleteBeforeReplace: false,
    version: "",
    pluginDownloadURL: "",
    provider: "",
    protect: false,
  }) as unknown as Registration;

/** A price list shaped like `GET /v1/pricing` (hcloud-go schema.Pricing); the numbers are this test's own. */
const PRICING: Pricing = {
  currency: "EUR",
  vat_rate: "19.00",
  server_types: [
    {
      name: "cpx22",
      prices: [{ location: "fsn1", price_hourly: { net: "0.0100000000", gross: "0.0119000000" } }],
    },
    {
      name: "cpx32",
      prices: [{ location: "fsn1", price_hourly: { net: "0.0200000000", gross: "0.0238000000" } }],
    },
  ],
  load_balancer_types: [
    {
      name: "lb11",
      prices: [{ location: "fsn1", price_hourly: { net: "0.0100000000", gross: "0.0119000000" } }],
    },
  ],
  primary_ips: [
    {
      type: "ipv4",
      prices: [{ location: "fsn1", price_hourly: { net: "0.0010000000", gross: "0.0011900000" } }],
    },
  ],
};

describe("the ephemeral cluster's cost estimate", () => {
  const record = {
    resources: [
      reg("hcloud:index/server:Server", "cp-1", {
        serverType: "cpx22",
        location: "fsn1",
        publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
      }),
      reg("hcloud:index/server:Server", "w-1", {
        serverType: "cpx32",
        location: "fsn1",
        publicNets: [{ ipv4Enabled: true }],
      }),
      reg("hcloud:index/server:Server", "w-2", {
        serverType: "cpx32",
        location: "fsn1",
        publicNets: [{ ipv4Enabled: false, ipv6Enabled: true }],
      }),
      reg("hcloud:index/loadBalancer:LoadBalancer", "lb", { loadBalancerType: "lb11", location: "fsn1" }),
      reg("hcloud:index/network:Network", "net", {}),
    ],
    invokes: [],
  } as unknown as EngineRecord;

  it("bills every server by type and location, each public IPv4, and each load balancer", () => {
    expect(billedResources(record)).toEqual([
      { kind: "server", type: "cpx22", location: "fsn1", count: 1 },
      { kind: "primary IPv4", type: "ipv4", location: "fsn1", count: 2 },
      { kind: "server", type: "cpx32", location: "fsn1", count: 2 },
      { kind: "load balancer", type: "lb11", location: "fsn1", count: 1 },
    ]);
  });

  it("prices them from the price list, for the time limit, and says where the prices come from", () => {
    const e = estimate(billedResources(record), PRICING, 4);
    // 0.0119 + 2 × 0.00119 + 2 × 0.0238 + 0.0119 = 0.07378 per hour
    expect(e.ok && [e.perHour.toFixed(5), e.total.toFixed(5)]).toEqual(["0.07378", "0.29512"]);
    const md = renderEstimate(e, {
      stack: "pr-7",
      currency: "EUR",
      vatRate: "19.00",
      pricedAt: "2026-12-01T10:00:00Z",
      hours: 4,
    });
    expect(md.split("\n").slice(0, 5)).toEqual([
      "#### Cost estimate of `pr-7`: at most 0.2951 EUR for 4 h",
      "",
      "| what | type | location | count | per hour each |",
      "| --- | --- | --- | --- | --- |",
      "| server | `cpx22` | fsn1 | 1 | 0.0119 EUR |",
    ]);
    expect(md).toContain(
      "Prices: Hetzner Cloud price list (`GET https://api.hetzner.cloud/v1/pricing`, 2026-12-01T10:00:00Z), gross incl. 19.00 % VAT.",
    );
  });

  it("gives no estimate, naming what is missing, when the price list lacks a type or location", () => {
    const e = estimate(
      [
        { kind: "server", type: "cpx99", location: "fsn1", count: 1 },
        { kind: "load balancer", type: "lb11", location: "hel1", count: 1 },
      ],
      PRICING,
      4,
    );
    expect(e).toEqual({ ok: false, missing: ["server cpx99 in fsn1", "load balancer lb11 in hel1"] });
  });

  it("the real ci stack: one server line per pool type, counted as its pools say", async () => {
    const { stackRun } = await import("./helpers");
    const run = await stackRun("ci");
    const spec = specOf("ci");
    const pools = [spec.settings.controlPlane, ...spec.settings.workerPools];
    const servers = billedResources(run.record).filter((b) => b.kind === "server");
    const expected = new Map<string, number>();
    for (const p of pools)
      expected.set(
        `${p.serverType}|${p.location}`,
        (expected.get(`${p.serverType}|${p.location}`) ?? 0) + p.count,
      );
    expect(new Map(servers.map((s) => [`${s.type}|${s.location}`, s.count]))).toEqual(expected);
  });
});
