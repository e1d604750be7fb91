/**
 * The health gate after a node's config apply (pure): the apply mode the provider is given, whether
 * the gate reboots the node, the gate command's scripts and its environment. The gate is a
 * `command.local.Command` of the node roll (`components/rolling`); the next node's apply waits for it.
 *
 * When the gate acts. Its `create` only records what was applied: a gate is created with its node's
 * first config, on a new node or on the stack's first deployment, where nothing is healthy before
 * the bootstrap and Cilium (with `cni: none` Talos skips only the node-ready and CoreDNS checks:
 * talos v1.13.9 pkg/cluster/check/default.go:21-75, the etcd and control-plane checks still wait),
 * and where a check naming the nodes not yet configured would fail (`talosctl health` wants exactly
 * the Kubernetes nodes it is told: pkg/cluster/cluster.go:101-132). Its `update` runs when any input
 * changes (pulumi-command provider/pkg/provider/common/inputs.go:37-43); it compares its node's
 * config hash and address with the record its previous run printed (`PULUMI_COMMAND_STDOUT`, the
 * previous run's stdout: inputs.go:41-42, local/commandOutputs.go:88-95) and acts only when they
 * differ: reboot if the config waits for one, then `talosctl health`. A failed run leaves the old state
 * (a failed update of pulumi-command returns no partial state: pulumi-go-provider v1.5.0
 * infer/resource.go:1446-1468), so the next `pulumi up` runs it again.
 *
 * Why the gate reboots instead of Talos. In `reboot` mode, and in `auto` mode when the change cannot
 * be applied live, Talos answers the apply and then reboots on its own (talos v1.13.9
 * internal/app/machined/internal/server/v1alpha1/v1alpha1_server.go:256-264, 322-335), and the
 * provider returns as soon as it has the answer (terraform-provider-talos v0.11.0, the version
 * pulumiverse/pulumi-talos v0.8.1 bridges: talos_machine_configuration_apply_resource.go:569-596), so
 * a health check right after it could pass before the node even goes down, and the next node would
 * follow while this one reboots. So the provider is never asked to reboot: `auto` and `reboot` go to
 * it as `staged_if_needing_reboot` (its dry run stages a change that needs a reboot and applies
 * anything else live: resource.go:884-1008), and the gate reboots with `talosctl reboot --wait`,
 * which returns once the node is back with a new boot ID (cmd/talosctl/cmd/talos/reboot.go:92-116).
 *
 * Before that reboot the gate drains the node with kubectl (PodDisruptionBudgets respected) and
 * uncordons it once it is back: a Talos reboot stops every pod without evicting it (talos v1.13.9
 * v1alpha1_sequencer.go:238-255), and `talosctl reboot --drain` would read the Kubernetes API through
 * the kubeconfig the Talos API hands out, whose server is the private load balancer the runner cannot
 * reach (cmd/talosctl/cmd/talos/drain.go:34-39); kubectl uses the stack's kubeconfig (scripts.ts).
 */
import type { Settings } from "../config/spec";
import {
  HEALTH_CHECK,
  HEALTH_CHECK_ENV,
  kubectlDrain,
  previousRecord,
  talosctlPrelude,
  type HealthTargets,
} from "./scripts";

/** The stack's `talosApplyMode`. */
export type ApplyMode = Settings["talosApplyMode"];

/** How long `talosctl reboot --wait` waits for the node to come back (talosctl's default is 30m). */
export const REBOOT_TIMEOUT = "10m";

/** The prefix of the line every gate run ends with: its node's config hash and address. */
export const ROLLED_MARK = "rolled:";

/**
 * The `applyMode` the provider is given for the stack's mode: never one in which Talos reboots the
 * node by itself (see the module comment).
 */
export function providerApplyMode(mode: ApplyMode): ApplyMode {
  return mode === "auto" || mode === "reboot" ? "staged_if_needing_reboot" : mode;
}

/**
 * Whether the gate reboots the node after a changed config: always for `reboot` and `staged`; for
 * `auto` and `staged_if_needing_reboot` when the provider staged the change (`resolvedApplyMode`
 * "staged": a staged config is only written and takes effect at the next boot, v1alpha1_server.go:
 * 253-254, 317-320); never for `no_reboot`.
 */
export function gateReboots(mode: ApplyMode, resolvedApplyMode: string): boolean {
  if (mode === "reboot" || mode === "staged") return true;
  if (mode === "no_reboot") return false;
  return resolvedApplyMode === "staged";
}

/** The variables of a gate's environment. */
export const GATE_ENV = ["NODE_NAME", "NODE_ADDRESS", "CONFIG_HASH", "REBOOT", ...HEALTH_CHECK_ENV] as const;

/** What a gate knows about its node's apply. */
export interface GateNode<V> {
  readonly node: string;
  readonly address: V;
  /** The provider's `machineConfigurationHash` of the applied config. */
  readonly configHash: V;
  /** "yes" when the gate reboots the node after a change ({@link gateReboots}). */
  readonly reboot: V;
}

/** The environment of one gate, without the talosconfig. */
export function gateEnvironment<V>(
  gate: GateNode<V>,
  targets: HealthTargets<V>,
): Record<Exclude<(typeof GATE_ENV)[number], "TALOSCONFIG_CONTENT" | "KUBECONFIG_CONTENT">, V | string> {
  return {
    NODE_NAME: gate.node,
    NODE_ADDRESS: gate.address,
    CONFIG_HASH: gate.configHash,
    REBOOT: gate.reboot,
    HEALTH_ADDRESS: targets.healthAddress,
    CONTROL_PLANE_IPS: targets.controlPlaneIps.join(","),
    WORKER_IPS: targets.workerIps.join(","),
  };
}

/** The gate's `create`: records the first config, checks nothing (see the module comment). */
export const GATE_CREATE = `set -eu
echo "$NODE_NAME: its first config (a new node, or the stack's first deployment): nothing to roll"
echo "${ROLLED_MARK} $CONFIG_HASH $NODE_ADDRESS"
`;

/**
 * The gate's `update`: nothing when its node's config hash and address equal its previous run's
 * record (another input changed, such as the node lists of a scale-up); otherwise a reboot when the
 * config waits for one (drained before, uncordoned after), then `talosctl health`, and the new
 * record. The comparison uses shell built-ins only; talosctl and kubectl are needed only when there
 * is something to roll.
 */
export function gateUpdateScript(talosctlVersion: string, kubectlVersion: string): string {
  return `set -eu
record="$CONFIG_HASH $NODE_ADDRESS"
${previousRecord(`${ROLLED_MARK} `)}
if [ "$previous" = "$record" ]; then
  echo "$NODE_NAME: its applied config is unchanged: nothing to roll"
  echo "${ROLLED_MARK} $record"
  exit 0
fi
${talosctlPrelude(talosctlVersion)}${kubectlDrain(kubectlVersion)}if [ "$REBOOT" = yes ]; then
  drain
  echo "$NODE_NAME: rebooting into its new config"
  on "$NODE_ADDRESS" reboot --wait --timeout ${REBOOT_TIMEOUT}
  uncordon
fi
echo "$NODE_NAME: new config in effect; checking the cluster's health before the next node"
${HEALTH_CHECK}echo "${ROLLED_MARK} $record"
`;
}
