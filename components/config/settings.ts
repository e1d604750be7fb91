/**
 * The cluster settings: every config key that is not a datapath knob. Declared once here; `Pulumi.yaml`
 * is generated from this table and the knob catalogue (`npm run generate`), and a test keeps it in step.
 * Defaults describe the production cluster; stack files set only what differs.
 */
import { boolean, integer, object, oneOf, stringList, text, type SettingDef } from "../core/define";
import { adminCidrCheck } from "./access-rules";
import { parsePool, parsePools } from "./pools";
import { T } from "./change-facts";
import { parseRollWindow } from "./roll-window";
import { ADDRESS_OFFSETS } from "./spec";

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
/** What a change of a setting the agent roll's steps only read does: their update runs and does nothing. */
const ROLL_STEP_ENVIRONMENT = {
  reaches: [[T.command, "environment"]],
  note: "every agent roll step's update runs, finds its agent on the current revision and checked, and does nothing; the next roll uses the new value",
} as const;

export const SETTINGS = {
  production: boolean({
    change: {
      reaches: [
        [T.server, "deleteProtection"],
        [T.network, "deleteProtection"],
        [T.loadBalancer, "deleteProtection"],
        [T.primaryIp, "deleteProtection"],
      ],
      note: "Pulumi protect and Hetzner's delete protection on or off; production's checks (admin ports, the quorum rule) apply or not",
    },
    default: false,
    description: "this stack is production: admin ports are never open to the world",
  }),
  talosVersion: text({
    change: {
      reaches: [
        [T.command, "triggers"],
        [T.apply, "machineConfigurationInput"],
      ],
      note: "each node's upgrade command runs talosctl upgrade (a reboot per node, one at a time, health-checked); the config apply carries the new installer image; servers are never replaced (image ignored after creation)",
    },
    default: "v1.13.9",
    description: "Talos Linux version of the nodes (the image and the machine config)",
    pattern: /^v\d+\.\d+\.\d+$/,
    expected: "a Talos version such as v1.13.9",
  }),
  kubernetesVersion: text({
    change: {
      reaches: [[T.command, "triggers"]],
      note: "talosctl upgrade-k8s runs once, component by component; the machine config follows on the next deployment",
    },
    default: "1.36.3",
    description: "Kubernetes version (within the range the Talos version supports)",
    pattern: /^\d+\.\d+\.\d+$/,
    expected: "a Kubernetes version such as 1.36.3",
  }),
  ciliumVersion: text({
    change: { reaches: [[T.release, "version"]], note: "every Cilium agent rolls" },
    default: "1.20.0",
    description: "Cilium Helm chart version (the values target chart 1.20)",
    pattern: /^\d+\.\d+\.\d+$/,
    expected: "a chart version such as 1.20.0",
  }),
  hcloudCcmVersion: text({
    change: { reaches: [[T.release, "version"]] },
    default: "1.33.0",
    description: "hcloud cloud-controller-manager Helm chart version (charts.hetzner.cloud)",
    pattern: /^\d+\.\d+\.\d+$/,
    expected: "a chart version such as 1.33.0",
  }),
  talosImageId: integer({
    change: {
      reaches: [],
      note: "none on running servers: image is ignored after creation (ignoreChanges); servers created later boot it",
    },
    default: 0,
    min: 0,
    max: 2_147_483_647,
    description: "Hetzner image ID of the Talos snapshot; 0 selects the newest snapshot by labels",
  }),
  talosExtensions: stringList({
    change: {
      reaches: [
        [T.command, "triggers"],
        [T.apply, "machineConfigurationInput"],
      ],
      note: "a new schematic: each node's upgrade command upgrades it to the new installer, one at a time",
    },
    default: ["siderolabs/qemu-guest-agent"],
    description: "Talos system extensions in the Image Factory schematic",
    item: (s) => /^[a-z0-9-]+\/[a-z0-9-]+$/.test(s),
    expected: "extension names such as siderolabs/qemu-guest-agent",
  }),
  talosApplyMode: oneOf(APPLY_MODES, {
    change: { reaches: [[T.apply, "applyMode"]], note: "every config apply is updated with the new mode" },
    default: "auto",
    description: "how machine config changes are applied to running nodes",
  }),
  // 1 by default: a Talos reboot stops every pod of the node without evicting it, whatever its
  // PodDisruptionBudget (talos v1.13.9 v1alpha1_sequencer.go:238-255), so two workers at once can
  // take down both replicas of a workload (README, Day-2: how config changes roll out).
  workerBatchSize: integer({
    // Only the roll's order (dependsOn, not an input): no running node is touched by the change itself.
    change: { reaches: [], note: "only the order of later config rolls; no running node is touched" },
    default: 1,
    min: 1,
    max: 100,
    description:
      "workers whose config is applied (and rebooted) together, after the control planes (one at a time); each batch waits for the previous one's health check",
  }),
  networkZone: oneOf(ZONES as unknown as readonly ["eu-central", "us-east", "us-west", "ap-southeast"], {
    change: {
      reaches: [
        [T.subnet, "networkZone"],
        [T.server, "networks"],
      ],
      note: "a new subnet; every server and the load balancer re-attached (refused on production)",
    },
    default: "eu-central",
    description: "Hetzner network zone; every location must be in it",
  }),
  networkCidr: text({
    change: {
      reaches: [
        [T.network, "ipRange"],
        [T.server, "networks"],
      ],
      note: "a new network and subnet; every server and the load balancer re-attached (refused on production)",
    },
    default: "10.0.0.0/16",
    description: "the Hetzner network's ip range (RFC 1918)",
    ...IPV4_CIDR,
  }),
  nodeSubnetCidr: text({
    change: {
      reaches: [
        [T.subnet, "ipRange"],
        [T.server, "networks"],
        [T.loadBalancerNetwork, "ip"],
        [T.apply, "machineConfigurationInput"],
        [T.command, "environment"],
      ],
      note: "a new subnet and a new private address for every server and the load balancer (refused on production)",
    },
    default: "10.0.1.0/24",
    description: "the cloud subnet the nodes and the load balancer live in (inside the network)",
    ...IPV4_CIDR,
  }),
  podCidr: text({
    change: {
      reaches: [
        [T.apply, "machineConfigurationInput"],
        [T.release, "values"],
      ],
      note: "applied without a reboot (Talos applies .cluster immediately), but nodes keep the pod CIDRs already allocated to them",
    },
    default: "10.244.0.0/16",
    description: "pod CIDR (Talos podSubnets; Cilium kubernetes IPAM)",
    ...IPV4_CIDR,
  }),
  serviceCidr: text({
    change: {
      reaches: [[T.apply, "machineConfigurationInput"]],
      note: "applied without a reboot (Talos applies .cluster immediately); Services keep the cluster IPs they have",
    },
    default: "10.96.0.0/12",
    description: "service CIDR (Talos serviceSubnets)",
    ...IPV4_CIDR,
  }),
  controlPlane: object({
    change: {
      reaches: [
        [T.server, "serverType"],
        [T.server, "location"],
        [T.loadBalancer, "location"],
        [T.primaryIp, "location"],
        [T.apply, "configPatches"],
      ],
      note: "serverType powers off, location replaces every control plane (with the load balancer and the API's Primary IP); count creates or deletes; labels and taints are config applies. Production refuses more than one control plane down at a time",
    },
    // CPX Gen 2 (AMD): CPX Gen 1 (cpx11–cpx51) was deprecated on 2025-10-16 (server-type-catalogue.ts).
    default: { name: "cp", count: 3, serverType: "cpx32", location: "fsn1", labels: {}, taints: [] },
    description: `the control-plane pool {name, count (odd), serverType, location, labels?, taints?} (control plane n at host ${ADDRESS_OFFSETS.controlPlane} + n)`,
    parse: parsePool,
  }),
  workerPools: object({
    change: {
      reaches: [
        [T.server, "serverType"],
        [T.server, "location"],
        [T.server, "networks"],
        [T.apply, "configPatches"],
      ],
      note: "serverType powers off, location replaces, firstHost re-addresses every node of the pool; count and new or removed pools create or delete only their own servers. Production refuses every node of a pool down at once",
    },
    default: [{ name: "workers", count: 3, serverType: "cpx42", location: "fsn1", labels: {}, taints: [] }],
    description: `worker pools, a list of {name, count, serverType, location, labels?, taints?, firstHost?}; the first starts at host ${ADDRESS_OFFSETS.worker}, every later pool pins firstHost`,
    parse: parsePools,
  }),
  adminCidrs: stringList({
    change: { reaches: [[T.firewall, "rules"]] },
    default: [],
    description: "CIDRs allowed to reach the Kubernetes API (6443) and the Talos API (50000) on the nodes",
    check: adminCidrCheck,
    expected: "IPv4 or IPv6 prefixes such as 203.0.113.0/24",
  }),
  runnerAccess: oneOf(RUNNER_ACCESS, {
    change: { reaches: [[T.firewall, "rules"]] },
    default: "admin-cidrs",
    description:
      "how the deploying runner passes the firewall: from inside adminCidrs, or runner-ip: its DEPLOY_RUNNER_IP as a /32 or /128 for the run",
  }),
  publicIPv4: boolean({
    change: {
      reaches: [[T.server, "publicNets"]],
      note: "every server powered off (refused on production); the first control plane's Primary IP created or deleted",
    },
    default: true,
    description: "give every server a public IPv4 address",
  }),
  publicIPv6: boolean({
    change: { reaches: [[T.server, "publicNets"]], note: "every server powered off (refused on production)" },
    default: true,
    description: "give every server a public IPv6 address",
  }),
  loadBalancerType: oneOf(["lb11", "lb21", "lb31"] as const, {
    change: { reaches: [[T.loadBalancer, "loadBalancerType"]], note: "change_type, in place" },
    default: "lb11",
    description: "Hetzner load balancer type of the control-plane endpoint",
  }),
  publicApiEndpoint: boolean({
    change: {
      reaches: [
        [T.loadBalancerNetwork, "enablePublicInterface"],
        [T.kubernetesProvider, "kubeconfig"],
      ],
      note: "the Kubernetes API moves between the first control plane and the load balancer, so the kubeconfig's server changes",
    },
    default: false,
    description:
      "give the control-plane load balancer a public interface: 6443 is then reachable from the whole Internet (firewalls do not apply to load balancers)",
  }),
  spireStorageClass: text({
    change: { reaches: [[T.release, "values"]] },
    default: "",
    description: "StorageClass for the SPIRE server's data (empty: no PVC, data in memory)",
    pattern: /^$|^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/,
    expected: "a StorageClass name, or empty",
  }),
  soakDays: integer({
    change: { reaches: [], note: "no resource: the soak gate of the change check" },
    default: 7,
    min: 0,
    max: 90,
    description: "days a knob value must hold on ci before prod may take it",
  }),
  // The Cilium agent roll (issue 16; components/agent-roll): these four entries are its settings.
  // 1 by default, for the same reason as workerBatchSize: a node whose agent restarts briefly loses
  // policy and service updates, and two at once can take both replicas of a workload through it.
  agentRollBatchSize: integer({
    // Only the steps' order (dependsOn, not an input): no agent is touched by the change itself.
    change: { reaches: [], note: "only the order of later agent rolls; no agent is touched" },
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
    change: ROLL_STEP_ENVIRONMENT,
    default: 30,
    min: 5,
    max: 600,
    description:
      "seconds of Hubble's dropped flows compared before the agent roll and after each node (on the node and across the cluster)",
  }),
  // 10: a datapath that drops a class of traffic drops every packet of it, far more than 10 flows in
  // the window; a handful over the baseline is the connections reset while the agent restarted.
  agentRollDropThreshold: integer({
    change: ROLL_STEP_ENVIRONMENT,
    default: 10,
    min: 0,
    max: 1_000_000,
    description:
      "dropped flows in the window that the agent roll tolerates above the pre-roll baseline, on the node and across the cluster, before it stops",
  }),
  rollWindow: {
    change: ROLL_STEP_ENVIRONMENT,
    type: "string",
    default: "",
    description:
      'when the Cilium agents may roll, e.g. "Mon-Thu 02:00-05:00 Europe/Berlin"; empty: any time (the knobs check and each roll step refuse outside it)',
    // Validated strictly (components/config/roll-window.ts); the value stays the text, parsed again where used.
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
