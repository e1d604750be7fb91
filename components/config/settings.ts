/**
 * The cluster settings: every config key that is not a datapath knob. Declared once here; `Pulumi.yaml`
 * is generated from this table and the knob catalogue (`npm run generate`), and a test keeps it in step.
 * Defaults describe the production cluster; stack files set only what differs.
 */
import { boolean, integer, object, oneOf, stringList, text, type SettingDef } from "./define";
import { adminCidrCheck } from "./access-rules";
import { parsePool, parsePools } from "./pools";
import { parseRollWindow } from "../agent-roll/window";

/** Hetzner network zones and their locations (platform.md). */
export const ZONE_LOCATIONS = {
  "eu-central": ["fsn1", "nbg1", "hel1"],
  "us-east": ["ash"],
  "us-west": ["hil"],
  "ap-southeast": ["sin"],
} as const;

const ZONES = Object.keys(ZONE_LOCATIONS) as (keyof typeof ZONE_LOCATIONS)[];

/**
 * How the deploying runner reaches the nodes' Talos API and the Kubernetes API through the firewall
 * (contract 2): from inside `adminCidrs`, or by its own egress address (`DEPLOY_RUNNER_IP`) for the run.
 */
export const RUNNER_ACCESS = ["admin-cidrs", "runner-ip"] as const;

/** The apply modes of the Talos provider's ConfigurationApply (`applyMode`). */
export const APPLY_MODES = ["auto", "no_reboot", "reboot", "staged", "staged_if_needing_reboot"] as const;

const IPV4_CIDR = { pattern: /^\d+\.\d+\.\d+\.\d+\/\d+$/, expected: "an IPv4 CIDR such as 10.0.0.0/16" };

/** Every cluster setting, keyed by config key. */
export const SETTINGS = {
  production: boolean({
    default: false,
    description: "this stack is production: admin ports are never open to the world",
  }),
  talosVersion: text({
    default: "v1.13.9",
    description: "Talos Linux version of the nodes (the image and the machine config)",
    pattern: /^v\d+\.\d+\.\d+$/,
    expected: "a Talos version such as v1.13.9",
  }),
  kubernetesVersion: text({
    default: "1.36.3",
    description: "Kubernetes version (within the range the Talos version supports)",
    pattern: /^\d+\.\d+\.\d+$/,
    expected: "a Kubernetes version such as 1.36.3",
  }),
  ciliumVersion: text({
    default: "1.20.0",
    description: "Cilium Helm chart version (the values target chart 1.20)",
    pattern: /^\d+\.\d+\.\d+$/,
    expected: "a chart version such as 1.20.0",
  }),
  hcloudCcmVersion: text({
    default: "1.33.0",
    description: "hcloud cloud-controller-manager Helm chart version (charts.hetzner.cloud)",
    pattern: /^\d+\.\d+\.\d+$/,
    expected: "a chart version such as 1.33.0",
  }),
  talosImageId: integer({
    default: 0,
    min: 0,
    max: 2_147_483_647,
    description: "Hetzner image ID of the Talos snapshot; 0 selects the newest snapshot by labels",
  }),
  talosExtensions: stringList({
    default: ["siderolabs/qemu-guest-agent"],
    description: "Talos system extensions in the Image Factory schematic",
    item: (s) => /^[a-z0-9-]+\/[a-z0-9-]+$/.test(s),
    expected: "extension names such as siderolabs/qemu-guest-agent",
  }),
  talosApplyMode: oneOf(APPLY_MODES, {
    default: "auto",
    description: "how machine config changes are applied to running nodes",
  }),
  // 1 by default: a Talos reboot stops every pod of the node without evicting it, whatever its
  // PodDisruptionBudget (talos v1.13.9 v1alpha1_sequencer.go:238-255), so two workers at once can
  // take down both replicas of a workload (README, Day-2: how config changes roll out).
  workerBatchSize: integer({
    default: 1,
    min: 1,
    max: 100,
    description:
      "workers whose config is applied (and rebooted) together, after the control planes (one at a time); each batch waits for the previous one's health check",
  }),
  networkZone: oneOf(ZONES as unknown as readonly ["eu-central", "us-east", "us-west", "ap-southeast"], {
    default: "eu-central",
    description: "Hetzner network zone; every location must be in it",
  }),
  networkCidr: text({
    default: "10.0.0.0/16",
    description: "the Hetzner network's ip range (RFC 1918)",
    ...IPV4_CIDR,
  }),
  nodeSubnetCidr: text({
    default: "10.0.1.0/24",
    description: "the cloud subnet the nodes and the load balancer live in (inside the network)",
    ...IPV4_CIDR,
  }),
  podCidr: text({
    default: "10.244.0.0/16",
    description: "pod CIDR (Talos podSubnets; Cilium kubernetes IPAM)",
    ...IPV4_CIDR,
  }),
  serviceCidr: text({
    default: "10.96.0.0/12",
    description: "service CIDR (Talos serviceSubnets)",
    ...IPV4_CIDR,
  }),
  controlPlane: object({
    // CPX Gen 2 (AMD): CPX Gen 1 (cpx11–cpx51) was deprecated on 2025-10-16 (server-type-catalogue.ts).
    default: { name: "cp", count: 3, serverType: "cpx32", location: "fsn1", labels: {}, taints: [] },
    description: "the control-plane pool {name, count (odd), serverType, location, labels?, taints?}",
    parse: parsePool,
  }),
  workerPools: object({
    default: [{ name: "workers", count: 3, serverType: "cpx42", location: "fsn1", labels: {}, taints: [] }],
    description: "worker pools, a list of {name, count, serverType, location, labels?, taints?}",
    parse: parsePools,
  }),
  adminCidrs: stringList({
    default: [],
    description: "CIDRs allowed to reach the Kubernetes API (6443) and the Talos API (50000) on the nodes",
    check: adminCidrCheck,
    expected: "IPv4 or IPv6 prefixes such as 203.0.113.0/24",
  }),
  runnerAccess: oneOf(RUNNER_ACCESS, {
    default: "admin-cidrs",
    description:
      "how the deploying runner passes the firewall: from inside adminCidrs, or runner-ip: its DEPLOY_RUNNER_IP as a /32 or /128 for the run",
  }),
  publicIPv4: boolean({ default: true, description: "give every server a public IPv4 address" }),
  publicIPv6: boolean({ default: true, description: "give every server a public IPv6 address" }),
  loadBalancerType: oneOf(["lb11", "lb21", "lb31"] as const, {
    default: "lb11",
    description: "Hetzner load balancer type of the control-plane endpoint",
  }),
  publicApiEndpoint: boolean({
    default: false,
    description:
      "give the control-plane load balancer a public interface: 6443 is then reachable from the whole Internet (firewalls do not apply to load balancers)",
  }),
  spireStorageClass: text({
    default: "",
    description: "StorageClass for the SPIRE server's data (empty: no PVC, data in memory)",
    pattern: /^$|^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/,
    expected: "a StorageClass name, or empty",
  }),
  soakDays: integer({
    default: 7,
    min: 0,
    max: 90,
    description: "days a knob value must hold on ci before prod may take it",
  }),
  // The Cilium agent roll (issue 16; components/agent-roll): these four entries are its settings.
  // 1 by default, for the same reason as workerBatchSize: a node whose agent restarts briefly loses
  // policy and service updates, and two at once can take both replicas of a workload through it.
  agentRollBatchSize: integer({
    default: 1,
    min: 1,
    max: 100,
    description:
      "workers whose Cilium agents are replaced together, after the control planes (one at a time); each batch waits for the previous one's checks",
  }),
  // 30 s: a flow the new agent drops is retried by TCP with a backoff doubling from 1 s (1, 3, 7, 15,
  // 31 s after the first try: RFC 6298 §2, Linux tcp_syn_retries), so every broken connection shows
  // four or more drops in 30 s; longer costs each node its length (6 nodes: 3 minutes).
  agentRollDropWindow: integer({
    default: 30,
    min: 5,
    max: 600,
    description:
      "seconds of Hubble's dropped flows compared before the agent roll and after each node (on the node and across the cluster)",
  }),
  // 10: a datapath that drops a class of traffic drops every packet of it, far more than 10 flows in
  // the window; a handful over the baseline is the connections reset while the agent restarted.
  agentRollDropThreshold: integer({
    default: 10,
    min: 0,
    max: 1_000_000,
    description:
      "dropped flows in the window that the agent roll tolerates above the pre-roll baseline, on the node and across the cluster, before it stops",
  }),
  rollWindow: {
    type: "string",
    default: "",
    description:
      'when the Cilium agents may roll, e.g. "Mon-Thu 02:00-05:00 Europe/Berlin"; empty: any time (the knobs check and each roll step refuse outside it)',
    // Validated strictly (components/agent-roll/window.ts); the value stays the text, parsed again where used.
    parse: (raw: unknown) => {
      const parsed = parseRollWindow(raw);
      return parsed.ok ? { ok: true as const, value: raw as string } : parsed;
    },
  } satisfies SettingDef<string>,
} as const;

/** A cluster setting's config key. */
export type SettingKey = keyof typeof SETTINGS;

/** Every cluster setting key, in table order. */
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];
