/**
 * The shell scripts of the upgrade commands and their environments (pure). The scripts are POSIX sh
 * with `set -eu` and take every value from the environment, so a value never needs quoting and the
 * script text is the same for every node. The talosconfig arrives as a secret variable, is written to
 * a private temporary file that is deleted on exit, and is never printed.
 *
 * Facts (Talos v1.13 docs): `talosctl version` prints the server's `Tag:`; Image Factory images carry
 * their schematic ID as the version of an extension named `schematic` (`talosctl get extensions`); the
 * default schematic (no customization) is the well-known ID below; `talosctl upgrade --wait` returns
 * once the node is back; `talosctl upgrade-k8s --to` skips every component already at the version.
 */

import type { ClusterSpec } from "../config/spec";
import { talosMinor } from "../core/kernel";

/** The talosctl releases the scripts need, named in their error message: the stack's minor (`v1.13.x`). */
export function talosctlRange(spec: Pick<ClusterSpec, "talosVersion">): string {
  return `v${talosMinor(spec.talosVersion)}.x`;
}

/** The kubectl releases the drain needs, named in its error message: within one minor of the cluster's. */
export function kubectlRange(spec: Pick<ClusterSpec, "settings">): string {
  const [major, minor] = spec.settings.kubernetesVersion.split(".");
  return `v${major}.${minor}.x`;
}

/** The Image Factory's default schematic (no customization): its images may carry no schematic extension. */
export const DEFAULT_SCHEMATIC_ID = "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba";

/** The interpreter of every script: POSIX sh, on every runner (the provider's default is cmd on Windows). */
export const SHELL = ["/bin/sh", "-c"] as const;

/**
 * Shell: sets `previous` to the rest of the line of the command's previous stdout that starts with
 * `prefix` (empty when there is none). pulumi-command hands an update the stdout of the run before in
 * `PULUMI_COMMAND_STDOUT`; the gates and the agent roll's steps print a marked record there and
 * compare against it. `prefix` may name shell variables (it is expanded inside double quotes).
 */
export const previousRecord = (prefix: string): string => `previous=
while IFS= read -r line; do
  case $line in
    "${prefix}"*) previous=\${line#"${prefix}"} ;;
  esac
done <<PREVIOUS
\${PULUMI_COMMAND_STDOUT:-}
PREVIOUS`;

/** How long `talosctl health` waits after each node. */
export const HEALTH_TIMEOUT = "10m";

/**
 * The `update` of every upgrade command. Only the triggers (versions, schematic) may run an upgrade;
 * they replace the command, which runs `create`. Any other input change (a renewed talosconfig, a new
 * address) is an update, and an update does nothing.
 */
export const NO_OP_UPDATE = ": 'only a trigger change (versions, schematic) upgrades: nothing to do'";

/**
 * How long `kubectl drain` may take before a Talos upgrade: the same bound as the reboot and the
 * health check. kubectl drain evicts through the Eviction API, so a PodDisruptionBudget that allows
 * no disruption makes it retry until this timeout (kubernetes.io/docs/tasks/administer-cluster/
 * safely-drain-node: "kubectl drain ... respect the PodDisruptionBudgets you have specified").
 */
export const DRAIN_TIMEOUT = "10m";

/**
 * The variables a script that checks the cluster's health after a node's change reads (`talosctl
 * health` on HEALTH_ADDRESS naming every node, with the admin talosconfig and kubeconfig): the Talos
 * steps' and the config apply gates' (gate.ts) alike.
 */
export const HEALTH_CHECK_ENV = [
  "HEALTH_ADDRESS",
  "CONTROL_PLANE_IPS",
  "WORKER_IPS",
  "TALOSCONFIG_CONTENT",
  "KUBECONFIG_CONTENT",
] as const;

/** The variables of the Talos step's environment. */
export const TALOS_STEP_ENV = [
  "NODE_NAME",
  "NODE_ADDRESS",
  "TARGET_VERSION",
  "TARGET_SCHEMATIC",
  "INSTALLER_IMAGE",
  ...HEALTH_CHECK_ENV,
] as const;

/** The variables of the Kubernetes step's environment. */
export const KUBERNETES_STEP_ENV = ["HEALTH_ADDRESS", "KUBERNETES_VERSION", "TALOSCONFIG_CONTENT"] as const;

/**
 * The common head of every talosctl script: talosctl present (exit 127 with the fix otherwise), the
 * talosconfig in a private temporary file deleted on exit, and `on <address> <args>`, which names the
 * endpoint and the node of every call.
 */
export function talosctlPrelude(talosctlVersion: string): string {
  return `set -eu
if ! command -v talosctl >/dev/null 2>&1; then
  echo "talosctl is required on the machine running pulumi: install talosctl ${talosctlVersion} from https://github.com/siderolabs/talos/releases and put it on PATH (README, Day-2)" >&2
  exit 127
fi
umask 077
TALOSCONFIG=$(mktemp)
export TALOSCONFIG
trap 'rm -f "$TALOSCONFIG"' EXIT
trap 'exit 130' HUP INT TERM
printf '%s\\n' "$TALOSCONFIG_CONTENT" >"$TALOSCONFIG"
unset TALOSCONFIG_CONTENT
on() {
  on_address=$1
  shift
  talosctl --endpoints "$on_address" --nodes "$on_address" "$@"
}
`;
}

/**
 * After {@link talosctlPrelude}: kubectl present (exit 127 with the fix otherwise), the kubeconfig
 * (`KUBECONFIG_CONTENT`, the stack's admin kubeconfig, whose server the runner reaches) in a private
 * temporary file deleted on exit with the talosconfig, and `drain` / `uncordon` of `$NODE_NAME`. A
 * drain that fails (a PodDisruptionBudget that allows no eviction within the timeout, a pod without a
 * controller) uncordons the node again and stops the step before the node is touched.
 */
export function kubectlDrain(kubectlRange: string): string {
  return `if ! command -v kubectl >/dev/null 2>&1; then
  echo "kubectl is required on the machine running pulumi: install kubectl ${kubectlRange} and put it on PATH (README, Day-2)" >&2
  exit 127
fi
KUBECONFIG=$(mktemp)
export KUBECONFIG
trap 'rm -f "$TALOSCONFIG" "$KUBECONFIG"' EXIT
printf '%s\\n' "$KUBECONFIG_CONTENT" >"$KUBECONFIG"
unset KUBECONFIG_CONTENT
drain() {
  echo "$NODE_NAME: draining it (kubectl drain: PodDisruptionBudgets respected, at most ${DRAIN_TIMEOUT})"
  if ! kubectl drain "$NODE_NAME" --ignore-daemonsets --delete-emptydir-data --timeout=${DRAIN_TIMEOUT}; then
    kubectl uncordon "$NODE_NAME" || true
    echo "$NODE_NAME could not be drained within ${DRAIN_TIMEOUT} (a PodDisruptionBudget that allows no eviction, or a pod without a controller: see kubectl drain's message above); it is uncordoned and was not touched. Fix that, then pulumi up again" >&2
    exit 1
  fi
}
uncordon() {
  kubectl uncordon "$NODE_NAME"
}
`;
}

/**
 * The cluster health check from the environment (`HEALTH_ADDRESS`, `CONTROL_PLANE_IPS`,
 * `WORKER_IPS`): the same arguments as {@link talosHealthArgs}, which a test holds it to. Every script
 * that lets the next node go on ends with it.
 */
export const HEALTH_CHECK = `set -- --wait-timeout ${HEALTH_TIMEOUT} --control-plane-nodes "$CONTROL_PLANE_IPS"
if [ -n "$WORKER_IPS" ]; then
  set -- "$@" --worker-nodes "$WORKER_IPS"
fi
on "$HEALTH_ADDRESS" health "$@"
`;

/**
 * The Talos step: unless the node already runs the target version and schematic, `kubectl drain`
 * (evictions respect PodDisruptionBudgets), `talosctl upgrade --wait --drain=false` to the installer
 * image, and a check that the node did not roll back; then, in every case, `kubectl uncordon` and
 * `talosctl health` before the next node's step may start. The check runs on a node already at the
 * target too: a re-run after a partial failure (the node upgraded, its check failed or timed out)
 * otherwise lets the next node upgrade while this one may still be unhealthy, and the uncordon there
 * releases a node a failed run left cordoned.
 *
 * Why kubectl and `--drain=false`: talosctl v1.13 drains by default from the client (`--drain`,
 * default true: talos cmd/talosctl/cmd/talos/upgrade.go, flag "drain the Kubernetes node before
 * rebooting (cordon + evict pods)"), through the kubeconfig the Talos API hands out, whose server is
 * the cluster endpoint, the private load balancer, which the runner cannot reach on a stack without a
 * public API endpoint (cmd/talosctl/pkg/talos/kubeclient/kubeclient.go). kubectl uses the stack's
 * kubeconfig, whose server is the address the runner reaches.
 */
export function talosUpgradeScript(talosctlVersion: string, kubectlVersion: string): string {
  return `${talosctlPrelude(talosctlVersion)}${kubectlDrain(kubectlVersion)}running_version() {
  on "$1" version | awk '/^Server:/ { server = 1 } server && $1 == "Tag:" { print $2; exit }'
}
running=$(running_version "$NODE_ADDRESS")
if [ -z "$running" ]; then
  echo "could not read the Talos version of $NODE_NAME ($NODE_ADDRESS) from talosctl version" >&2
  exit 1
fi
extensions=$(on "$NODE_ADDRESS" get extensions)
schematic=$(printf '%s\\n' "$extensions" | awk '{ for (i = 1; i < NF; i++) if ($i == "schematic") { print $(i + 1); exit } }')
if [ -z "$schematic" ]; then
  schematic=${DEFAULT_SCHEMATIC_ID}
fi
if [ "$running" = "$TARGET_VERSION" ] && [ "$schematic" = "$TARGET_SCHEMATIC" ]; then
  echo "$NODE_NAME runs Talos $running with schematic $schematic: no upgrade; checking the cluster's health before the next node"
else
  echo "$NODE_NAME: Talos $running (schematic $schematic) -> $INSTALLER_IMAGE"
  drain
  on "$NODE_ADDRESS" upgrade --image "$INSTALLER_IMAGE" --wait --drain=false
  now=$(running_version "$NODE_ADDRESS")
  if [ "$now" != "$TARGET_VERSION" ]; then
    echo "$NODE_NAME runs Talos $now after the upgrade, not $TARGET_VERSION: it rolled back (see talosctl dmesg); it stays cordoned" >&2
    exit 1
  fi
fi
uncordon
${HEALTH_CHECK}echo "$NODE_NAME runs Talos $TARGET_VERSION; the cluster is healthy"
`;
}

/**
 * The Kubernetes step, after every Talos step: `talosctl upgrade-k8s --to` on the first control plane.
 * It is its own no-op: each component (API server, controller manager, scheduler, kubelets) already at
 * the version is skipped on each node, so a re-run after a partial failure finishes the job.
 */
export function kubernetesUpgradeScript(talosctlVersion: string): string {
  return `${talosctlPrelude(talosctlVersion)}echo "Kubernetes -> $KUBERNETES_VERSION (components already at it are skipped)"
on "$HEALTH_ADDRESS" upgrade-k8s --to "$KUBERNETES_VERSION"
`;
}

/** Where and on which nodes the cluster health check runs (`UpgradePlan`'s health fields). */
export interface HealthTargets<A> {
  readonly healthAddress: A;
  readonly controlPlaneIps: readonly string[];
  readonly workerIps: readonly string[];
}

/**
 * talosctl's arguments for the cluster health check, as every Talos step runs it after its node (the
 * script builds the same from its environment) and as the deploy gate and operators run it (the
 * stack output `talosHealthArgs`). It runs server side on the first control plane: `talosctl health`
 * refuses more than one node, and the stack's talosconfig lists them all. Every node's private
 * address is named: without the lists talosctl discovers the nodes and dials each one's first
 * address, which on Hetzner can be the public one the firewall closes (siderolabs/talos#12046).
 */
export function talosHealthArgs<A>(targets: HealthTargets<A>): (A | string)[] {
  const at = targets.healthAddress;
  return [
    ...["--endpoints", at, "--nodes", at, "health", "--wait-timeout", HEALTH_TIMEOUT],
    ...["--control-plane-nodes", targets.controlPlaneIps.join(",")],
    ...(targets.workerIps.length > 0 ? ["--worker-nodes", targets.workerIps.join(",")] : []),
  ];
}

/** The target of the Talos steps. */
export interface TalosTarget<V> {
  readonly version: string;
  readonly schematicId: V;
  readonly installerImage: V;
}

/** The environment of one Talos step, without the talosconfig and the kubeconfig. */
export function talosStepEnvironment<V>(
  step: { readonly node: string; readonly address: V },
  plan: HealthTargets<V>,
  target: TalosTarget<V>,
): Record<
  Exclude<(typeof TALOS_STEP_ENV)[number], "TALOSCONFIG_CONTENT" | "KUBECONFIG_CONTENT">,
  V | string
> {
  return {
    NODE_NAME: step.node,
    NODE_ADDRESS: step.address,
    TARGET_VERSION: target.version,
    TARGET_SCHEMATIC: target.schematicId,
    INSTALLER_IMAGE: target.installerImage,
    HEALTH_ADDRESS: plan.healthAddress,
    CONTROL_PLANE_IPS: plan.controlPlaneIps.join(","),
    WORKER_IPS: plan.workerIps.join(","),
  };
}
