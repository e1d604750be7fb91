/**
 * What a change of one input does to a running resource, per resource type and input, from the
 * providers' own code (pure data). The change check classifies every changed input of the offline
 * plan with this table (tools/changes.ts), the preview every changed footprint field (footprint.ts),
 * and the settings table names the inputs each setting reaches (settings.ts `change`), so each fact is
 * written here once, with its source.
 *
 * Sources, as read:
 * - hcloud: hetznercloud/terraform-provider-hcloud at v1.68.0+5 (f81c9af), `internal/<kind>/…` (the
 *   code @pulumi/hcloud bridges; the installed @pulumi/hcloud is 1.41.0, whose upstream release was not
 *   verified here); Hetzner Cloud API reference, "Change the Type of a Server"
 *   (https://docs.hetzner.cloud/#server-actions-change-the-type-of-a-server).
 * - talos: siderolabs/terraform-provider-talos v0.11.0 (commit d696081), the Terraform provider that
 *   pulumiverse/pulumi-talos v0.8.1 (the binding's PROVIDER_VERSION) bridges: its `provider/go.mod`
 *   requires `github.com/siderolabs/terraform-provider-talos v0.11.0` (line 12 at tag v0.8.1, commit
 *   1b5d252), `pkg/talos/talos_machine_configuration_apply_resource.go`; siderolabs/talos v1.13.9
 *   `internal/app/machined/pkg/runtime/v1alpha1/v1alpha1_runtime.go` (CanApplyImmediate).
 * - command: @pulumi/command `local.Command` (`triggers`: "Trigger a resource replacement on changes to
 *   any of these values"; an update runs `update`, here a no-op).
 * - pulumi: pulumi/pulumi `pkg/resource/deploy/step_generator.go` (calculateDependentReplacements: with
 *   deleteBeforeReplace, dependents whose inputs come from a replaced resource are diffed with those
 *   inputs unknown, and the ones that would be replaced are deleted first, in reverse dependency order).
 */

/** What a change does to a resource, from harmless to destructive. */
export type Effect =
  "in-place" | "config-apply" | "release" | "re-address" | "power-off" | "replace" | "create" | "delete";

/** Each effect in words, and whether it takes the node (or what the resource carries) down. */
export const EFFECTS: Readonly<Record<Effect, { readonly label: string; readonly disrupts: boolean }>> = {
  "in-place": { label: "updated in place", disrupts: false },
  "config-apply": {
    label: "Talos config applied (talosApplyMode: auto reboots only when the change needs it)",
    disrupts: false,
  },
  release: { label: "Helm release upgraded (its pods roll)", disrupts: false },
  "re-address": {
    label: "detached from the network and attached again with a new private address",
    disrupts: true,
  },
  "power-off": { label: "powered off, changed, started again", disrupts: true },
  replace: { label: "deleted and created anew (a server loses its disk)", disrupts: true },
  create: { label: "created", disrupts: false },
  delete: { label: "deleted (a server loses its disk)", disrupts: true },
};

/** Effects from the least to the most severe. */
export const SEVERITY: readonly Effect[] = [
  "in-place",
  "config-apply",
  "release",
  "create",
  "re-address",
  "power-off",
  "replace",
  "delete",
];

/** The worse of two effects. */
export function worse(a: Effect, b: Effect): Effect {
  return SEVERITY.indexOf(a) >= SEVERITY.indexOf(b) ? a : b;
}

/** One input's fact: what changing it does, why, and where that is written. */
export interface InputFact {
  readonly effect: Effect;
  readonly what: string;
  readonly source: string;
}

const HCLOUD = "terraform-provider-hcloud f81c9af";
const SERVER = `${HCLOUD} internal/server/resource.go`;
/**
 * The Terraform provider under `@pulumiverse/talos` 0.8.1, as every citation of it in this repository
 * names it (pulumiverse/pulumi-talos v0.8.1 provider/go.mod:12; test/citations.test.ts holds the rest).
 */
export const TALOS_TERRAFORM_PROVIDER = "terraform-provider-talos v0.11.0";
const TALOS_APPLY = `${TALOS_TERRAFORM_PROVIDER} pkg/talos/talos_machine_configuration_apply_resource.go`;

const fact = (effect: Effect, what: string, source: string): InputFact => ({ effect, what, source });
const forceNew = (file: string, line: number, arg: string): InputFact =>
  fact("replace", `${arg} is ForceNew / RequiresReplace`, `${HCLOUD} ${file}:${line}`);

/** The facts of one resource type: its inputs', and what any other input's change does. */
export interface TypeFacts {
  readonly title: string;
  readonly inputs: Readonly<Record<string, InputFact>>;
  /** Inputs not listed: the provider's Update, in place. */
  readonly otherwise: InputFact;
}

const inPlace = (source: string): InputFact => fact("in-place", "the provider's Update changes it", source);

/** Every resource type the program declares whose changes matter, keyed by Pulumi type token. */
export const TYPE_FACTS: Readonly<Record<string, TypeFacts>> = {
  "hcloud:index/server:Server": {
    title: "server",
    inputs: {
      location: forceNew("internal/server/resource.go", 70, "location"),
      image: forceNew("internal/server/resource.go", 58, "image"),
      userData: forceNew("internal/server/resource.go", 90, "user_data"),
      serverType: fact(
        "power-off",
        "the provider powers a running server off and calls change_type (resource.go:587-611); Hetzner copies the disk and starts it again, and an upgraded disk (keep_disk false) can never go back to a smaller type (API: Change the Type of a Server)",
        `${SERVER}:587-611`,
      ),
      networks: fact(
        "re-address",
        'a changed network or ip detaches the server and attaches it again ("IP changed. Our API provides now way to change this. So we need to detach and re-attach"): the node\'s private address, its Kubernetes InternalIP and, on a control plane, its etcd peer URL change',
        `${SERVER}:1159-1220`,
      ),
      publicNets: fact("power-off", "updatePublicNet powers the server off first", `${SERVER}:736-760`),
      placementGroupId: fact(
        "power-off",
        "the provider refuses to take a running server out of its placement group (the `up` fails); Hetzner moves a server between groups only while it is off",
        `${SERVER}:1369-1378`,
      ),
    },
    otherwise: inPlace(`${SERVER}:546-735 (name, labels, firewall_ids, protection)`),
  },
  "hcloud:index/network:Network": {
    title: "network",
    inputs: { ipRange: forceNew("internal/network/resource.go", 40, "ip_range") },
    otherwise: inPlace(`${HCLOUD} internal/network/resource.go:137-190`),
  },
  "hcloud:index/networkSubnet:NetworkSubnet": {
    title: "subnet",
    inputs: {
      networkId: forceNew("internal/network/resource_subnet.go", 38, "network_id"),
      type: forceNew("internal/network/resource_subnet.go", 43, "type"),
      networkZone: forceNew("internal/network/resource_subnet.go", 53, "network_zone"),
      ipRange: forceNew("internal/network/resource_subnet.go", 58, "ip_range"),
    },
    otherwise: inPlace(`${HCLOUD} internal/network/resource_subnet.go`),
  },
  "hcloud:index/loadBalancer:LoadBalancer": {
    title: "load balancer",
    inputs: {
      location: forceNew("internal/loadbalancer/resource.go", 51, "location"),
      networkZone: forceNew("internal/loadbalancer/resource.go", 57, "network_zone"),
    },
    otherwise: inPlace(
      `${HCLOUD} internal/loadbalancer/resource.go:212-350 (load_balancer_type: change_type)`,
    ),
  },
  "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork": {
    title: "load balancer network attachment",
    inputs: {
      loadBalancerId: forceNew("internal/loadbalancer/resource_network.go", 76, "load_balancer_id"),
      networkId: forceNew("internal/loadbalancer/resource_network.go", 84, "network_id"),
      subnetId: forceNew("internal/loadbalancer/resource_network.go", 92, "subnet_id"),
      ip: forceNew("internal/loadbalancer/resource_network.go", 101, "ip"),
    },
    otherwise: inPlace(`${HCLOUD} internal/loadbalancer/resource_network.go`),
  },
  "hcloud:index/loadBalancerTarget:LoadBalancerTarget": {
    title: "load balancer target",
    inputs: {
      loadBalancerId: forceNew("internal/loadbalancer/resource_target.go", 55, "load_balancer_id"),
      labelSelector: forceNew("internal/loadbalancer/resource_target.go", 67, "label_selector"),
    },
    otherwise: inPlace(`${HCLOUD} internal/loadbalancer/resource_target.go`),
  },
  "hcloud:index/loadBalancerService:LoadBalancerService": {
    title: "load balancer service",
    inputs: {
      loadBalancerId: forceNew("internal/loadbalancer/resource_service.go", 42, "load_balancer_id"),
      protocol: forceNew("internal/loadbalancer/resource_service.go", 47, "protocol"),
      listenPort: forceNew("internal/loadbalancer/resource_service.go", 56, "listen_port"),
    },
    otherwise: inPlace(`${HCLOUD} internal/loadbalancer/resource_service.go`),
  },
  "hcloud:index/primaryIp:PrimaryIp": {
    title: "Primary IP",
    inputs: {
      type: forceNew("internal/primaryip/resource.go", 89, "type"),
      location: fact(
        "replace",
        "location is RequiresReplace: a new address, so the kubeconfig's server changes and pulumi-kubernetes replaces its provider and every release it manages (design-notes, contract 2)",
        `${HCLOUD} internal/primaryip/resource.go:97`,
      ),
    },
    otherwise: inPlace(`${HCLOUD} internal/primaryip/resource.go:293`),
  },
  "hcloud:index/placementGroup:PlacementGroup": {
    title: "placement group",
    inputs: {},
    otherwise: inPlace(`${HCLOUD} internal/placementgroup/resource.go:139-160 (name, labels)`),
  },
  "hcloud:index/firewall:Firewall": {
    title: "firewall",
    inputs: {},
    otherwise: inPlace(`${HCLOUD} internal/firewall/resource.go:295-360 (rules, labels, apply_to)`),
  },
  "talos:machine/configurationApply:ConfigurationApply": {
    title: "Talos config apply",
    inputs: {},
    otherwise: fact(
      "config-apply",
      "no input requires replacement (no RequiresReplace in its schema) and Read is a no-op; Update sends the whole config with the resolved applyMode. In auto mode Talos 1.13 applies .cluster, .machine.network, .machine.kubelet, .machine.install and the other fields CanApplyImmediate lists without a reboot, and reboots for anything else",
      `${TALOS_APPLY}:96-238, 609-745; talos v1.13.9 v1alpha1_runtime.go:130-211`,
    ),
  },
  "kubernetes:helm.sh/v3:Release": {
    title: "Helm release",
    inputs: {},
    otherwise: fact("release", "helm upgrade of the release", "pulumi-kubernetes helm.sh/v3 Release"),
  },
  "pulumi:providers:kubernetes": {
    title: "Kubernetes provider",
    inputs: {
      kubeconfig: fact(
        "replace",
        "pulumi-kubernetes replaces its provider when the kubeconfig's active cluster changes (provider.go DiffConfig), and with it every release and object it manages",
        "pulumi-kubernetes provider/pkg/provider/provider.go DiffConfig (design-notes, contract 2)",
      ),
    },
    otherwise: inPlace("pulumi-kubernetes provider.go DiffConfig"),
  },
  "command:local:Command": {
    title: "command",
    inputs: {
      triggers: fact(
        "replace",
        "a changed trigger replaces the command, which runs its create script again",
        "@pulumi/command local.Command triggers",
      ),
    },
    otherwise: fact(
      "in-place",
      "an update runs the update script (a no-op here)",
      "components/upgrades/scripts.ts",
    ),
  },
};

/** The fact of one changed input of a resource type (the type's default when it lists none). */
export function inputFact(type: string, input: string): InputFact {
  const facts = TYPE_FACTS[type];
  if (!facts) return fact("in-place", "no fact recorded for this type: the provider's Update", "none");
  return facts.inputs[input] ?? facts.otherwise;
}

/** The type tokens the settings table names (settings.ts `change.reaches`). */
export const T = {
  server: "hcloud:index/server:Server",
  network: "hcloud:index/network:Network",
  subnet: "hcloud:index/networkSubnet:NetworkSubnet",
  firewall: "hcloud:index/firewall:Firewall",
  placementGroup: "hcloud:index/placementGroup:PlacementGroup",
  loadBalancer: "hcloud:index/loadBalancer:LoadBalancer",
  loadBalancerNetwork: "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork",
  primaryIp: "hcloud:index/primaryIp:PrimaryIp",
  apply: "talos:machine/configurationApply:ConfigurationApply",
  release: "kubernetes:helm.sh/v3:Release",
  command: "command:local:Command",
  kubernetesProvider: "pulumi:providers:kubernetes",
} as const;
