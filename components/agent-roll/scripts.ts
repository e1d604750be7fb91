/**
 * The agent roll's scripts and their environments (pure). POSIX sh with `set -eu`, every value from
 * the environment, the kubeconfig a secret variable written to a private temporary file deleted on
 * exit and never printed (as the Talos steps do with their talosconfig, `upgrades/scripts.ts`).
 *
 * The facts they rely on, each read at its source:
 * - The agent pods are `kube-system` pods labelled `k8s-app=cilium` with a container `cilium-agent`
 *   (cilium 1.20.0 chart, templates/cilium-agent/daemonset.yaml lines 26, 82, 110), and the DaemonSet
 *   `cilium`. A DaemonSet's pods carry the label `controller-revision-hash`, the hash of the
 *   ControllerRevision that holds their template; the newest ControllerRevision (largest `revision`)
 *   is the current template (kubernetes/kubernetes pkg/controller/daemon/update.go, `constructHistory`;
 *   apps/v1 `DefaultDaemonSetUniqueLabelKey`). A pod on another hash runs an old template.
 * - `cilium-dbg status --brief` prints one line and exits 1 when the agent is unreachable or its
 *   state is not Ok (cilium/cilium cilium-dbg/cmd/status.go, `statusDaemon`); the 1.20.0 image ships
 *   `cilium-dbg` (the chart calls it: daemonset.yaml lines 450, 479).
 * - `cilium-health status --probe --succinct` probes every node synchronously and prints, after a
 *   `Cluster health:` line and a `Name IP Node Endpoints` header, one line per node: its name (with
 *   ` (localhost)` for its own), its IP, then `reachable`, `unreachable` or `unknown` for the node and
 *   for its health endpoint (cilium/cilium cilium-health/cmd/status.go; pkg/health/client/client.go,
 *   `formatNodeStatus`, `ConnectivityStatusType.String`). The health endpoint is a pod on the node's
 *   pod network, so "Endpoints reachable" is the cheap probe of the node's pods.
 * - `hubble observe --since <d> --verdict DROPPED -o jsonpb` prints every dropped flow since then, one
 *   JSON object per line (no default `--last` once `--since` is given); `--node-name` matches a
 *   flow's node name exactly, with `*` for one name segment, so a star, a slash and the node's name match its cluster-
 *   qualified form; `--port-forward` forwards the relay port itself through the kubeconfig, like
 *   `cilium hubble port-forward`, and `--port-forward-port 0` picks a free port (cilium/cilium
 *   hubble/cmd/observe/flows.go `getFlowsRequest`, hubble/cmd/common/config/flags.go,
 *   pkg/hubble/filters/node.go `appendNodeNamePatternRegexp`). Protobuf JSON may put a space after a
 *   colon, so the count allows one.
 */
import type { RollWindow } from "../config/roll-window";
import { previousRecord } from "../upgrades/scripts";
import { STEP_DEADLINES } from "./plan";

/** The hubble CLI releases the scripts ask for: the line the deploy pins and the tests hold (install-tools.sh, v1.19.4). */
export const HUBBLE_RANGE = "v1.19.x";

/** The prefix of the line a step ends with: its node and the agent revision it checked. */
export const AGENT_ROLLED_MARK = "agent-rolled:";
/** The prefix of the baseline's lines: the cluster's dropped flows, and each node's. */
export const BASELINE_MARK = "drop-baseline:";

/** The variables of the baseline command's environment. */
export const BASELINE_ENV = ["HUBBLE", "DROP_WINDOW", "ROLL_REVISION", "KUBECONFIG_CONTENT"] as const;

/** The variables of a step's environment. */
export const STEP_ENV = [
  "NODE_NAME",
  "PEER_NODE",
  "HUBBLE",
  "DROP_WINDOW",
  "DROP_THRESHOLD",
  "BASELINE",
  "ROLL_REVISION",
  "ROLL_WINDOW",
  "ROLL_WINDOW_DAYS",
  "ROLL_WINDOW_START",
  "ROLL_WINDOW_END",
  "ROLL_WINDOW_ZONE",
  "KUBECONFIG_CONTENT",
] as const;

/**
 * The head of every script: the tools present (exit 127 with the fix otherwise), the kubeconfig in a
 * private temporary folder deleted on exit, `k` for kubectl in kube-system, `drops <seconds>`, which
 * writes the dropped flows of that many seconds to `$flows` (failing when hubble does), and
 * `count_drops`, which prints their count as `<cluster total>`, then one `<node> <count>` line each.
 */
/** `kubectl`: the releases the error message asks for, the stack's (upgrades/scripts.ts kubectlRange). */
export const kubectlPrelude = (kubectl: string): string => `set -eu
need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "$1 is required on the machine running pulumi: install $1 $2 and put it on PATH (README, \\"The agent roll\\")" >&2
    exit 127
  fi
}
need kubectl ${kubectl}
if [ "$HUBBLE" = yes ]; then
  need hubble "${HUBBLE_RANGE}"
fi
umask 077
scratch=$(mktemp -d)
KUBECONFIG=$scratch/kubeconfig
export KUBECONFIG
flows=$scratch/flows
probe=$scratch/probe
trap 'rm -rf "$scratch"' EXIT
trap 'exit 130' HUP INT TERM
printf '%s\\n' "$KUBECONFIG_CONTENT" >"$KUBECONFIG"
unset KUBECONFIG_CONTENT
k() {
  kubectl -n kube-system "$@"
}
drops() {
  hubble observe --port-forward --port-forward-port 0 --kubeconfig "$KUBECONFIG" --since "$1s" --verdict DROPPED -o jsonpb >"$flows"
}
count_drops() {
  awk '{ total++; if (match($0, /"node_name": ?"[^"]*"/)) { n = substr($0, RSTART, RLENGTH); sub(/^"node_name": ?"/, "", n); sub(/"$/, "", n); sub(/.*\\//, "", n); count[n]++ } }
    END { print total + 0; for (n in count) print n, count[n] }' "$flows"
}
`;

/**
 * The baseline command: the cluster's and every node's dropped flows over the last window, before the
 * roll's first node, printed as `drop-baseline: <total>` and `drop-baseline: <node> <count>` lines
 * (its stdout becomes every step's `BASELINE`). It runs when the release changes (its trigger is the
 * release's revision), so a resumed roll keeps the baseline from before its first node.
 */
export const baselineScript = (
  kubectl: string,
): string => `${kubectlPrelude(kubectl)}if [ "$HUBBLE" != yes ]; then
  echo "Hubble relay is off: the roll checks no drops"
  exit 0
fi
if ! drops "$DROP_WINDOW"; then
  echo "could not read the dropped flows before the agent roll from Hubble's relay (hubble observe --port-forward): no node was rolled" >&2
  exit 1
fi
counts=$(count_drops)
echo "dropped flows in the $DROP_WINDOW s before the agent roll (release revision $ROLL_REVISION):"
printf '%s\\n' "$counts" | awk -v mark="${BASELINE_MARK}" 'NR == 1 { print mark, $1; next } { print mark, $1, $2 }'
`;

/**
 * The shell test of the roll window (`ROLL_WINDOW_*` from {@link windowEnvironment}): returns when
 * the window is open (or there is none), fails with when it opens otherwise. The zone must exist in
 * the runner's tz database: a missing one would make `date` fall back to UTC silently.
 */
export const WINDOW_CHECK = `day_name() {
  case $1 in 1) echo Mon ;; 2) echo Tue ;; 3) echo Wed ;; 4) echo Thu ;; 5) echo Fri ;; 6) echo Sat ;; *) echo Sun ;; esac
}
hh_mm() {
  printf '%02d:%02d' $(($1 / 60)) $(($1 % 60))
}
window_check() {
  if [ -z "$ROLL_WINDOW" ]; then
    return 0
  fi
  zones=\${TZDIR:-/usr/share/zoneinfo}
  if [ ! -e "$zones/$ROLL_WINDOW_ZONE" ]; then
    fail window "the runner's time zone database ($zones) has no $ROLL_WINDOW_ZONE, so it cannot tell whether the roll window $ROLL_WINDOW is open; install tzdata (or set TZDIR)"
  fi
  set -- $(TZ="$ROLL_WINDOW_ZONE" date '+%u %H %M')
  day=$1
  hour=\${2#0}
  min=\${3#0}
  minute=$((hour * 60 + min))
  for d in $ROLL_WINDOW_DAYS; do
    if [ "$d" = "$day" ] && [ "$minute" -ge "$ROLL_WINDOW_START" ] && [ "$minute" -lt "$ROLL_WINDOW_END" ]; then
      return 0
    fi
  done
  ahead=0
  opens=
  while [ -z "$opens" ]; do
    next=$(((day - 1 + ahead) % 7 + 1))
    for d in $ROLL_WINDOW_DAYS; do
      if [ "$d" = "$next" ] && { [ "$ahead" -gt 0 ] || [ "$minute" -lt "$ROLL_WINDOW_START" ]; }; then
        opens="$(day_name "$next") $(hh_mm "$ROLL_WINDOW_START") $ROLL_WINDOW_ZONE"
      fi
    done
    ahead=$((ahead + 1))
  done
  fail window "outside the roll window $ROLL_WINDOW (it is $(day_name "$day") $(hh_mm "$minute") $ROLL_WINDOW_ZONE), so $NODE_NAME keeps its old agent; the window opens $opens: run pulumi up then"
}
`;

/**
 * A node's step, on create and on update alike (idempotent): with the DaemonSet's current template
 * revision R and the node's agent pod,
 * - the pod on R and the step's last record (`agent-rolled: <node> R`, its previous stdout) saying R:
 *   nothing to do (a change that rolls nothing, or a node already rolled and checked);
 * - the pod on R without that record (the DaemonSet created it on R, or a previous run rolled it and
 *   then failed a check): the checks, without touching the pod;
 * - the pod on an older revision: inside the roll window only, delete it, wait for the DaemonSet's new
 *   pod on R to be Ready, then the checks.
 * The checks: `cilium-dbg status --brief` in the new agent; its `cilium-health` probe reaching every
 * node and endpoint, and a peer agent's probe reaching this node and its endpoint; after the drop
 * window, Hubble's dropped flows of the window, on this node and across the cluster, each at most
 * the baseline plus the threshold. The first failure exits 1 naming the node and the check: Pulumi
 * stops the roll there, and the next `pulumi up` runs this step again (a failed update keeps the
 * previous record), which finds the pod on R unchecked and checks it.
 */
export const stepScript = (kubectl: string): string => `${kubectlPrelude(kubectl)}fail() {
  check=$1
  shift
  echo "agent roll stopped at $NODE_NAME: check $check failed: $*. The nodes after it keep their old agents; fix the cause and run pulumi up again: the roll resumes at $NODE_NAME (README, \\"The agent roll\\")" >&2
  exit 1
}
${WINDOW_CHECK}now() {
  date +%s
}
observed_revision() {
  deadline=$(($(now) + ${STEP_DEADLINES.observed}))
  while :; do
    set -- $(k get daemonset cilium -o 'jsonpath={.metadata.generation} {.status.observedGeneration}')
    if [ "$#" -eq 2 ] && [ "$1" = "$2" ]; then
      break
    fi
    if [ "$(now)" -ge "$deadline" ]; then
      fail revision "the DaemonSet kube-system/cilium has not observed its spec (generation \${1:-?}, observed \${2:-?}) within ${STEP_DEADLINES.observed} s"
    fi
    sleep 2
  done
  k get controllerrevisions -l k8s-app=cilium -o 'jsonpath={range .items[*]}{.revision} {.metadata.labels.controller-revision-hash}{"\\n"}{end}' |
    sort -n | awk 'NF == 2 { hash = $2 } END { print hash }'
}
agent_pods() {
  k get pods -l k8s-app=cilium --field-selector "spec.nodeName=$1" -o 'jsonpath={range .items[*]}{.metadata.name} {.metadata.labels.controller-revision-hash} {.status.conditions[?(@.type=="Ready")].status} {.metadata.deletionTimestamp}{"\\n"}{end}'
}
live_pod() {
  agent_pods "$1" | awk -v want="$2" 'NF == 3 && (want == "" || $2 == want) { print $1; exit }'
}
ready_pod() {
  agent_pods "$1" | awk -v want="$2" 'NF == 3 && $2 == want && $3 == "True" { print $1; exit }'
}
retry() {
  tries=$1
  shift
  while :; do
    if "$@"; then
      return 0
    fi
    tries=$((tries - 1))
    if [ "$tries" -le 0 ]; then
      return 1
    fi
    sleep 20
  done
}
status_ok() {
  k exec "$1" -c cilium-agent -- cilium-dbg status --brief >"$probe" 2>&1
}
all_reachable() {
  k exec "$1" -c cilium-agent -- cilium-health status --probe --succinct >"$probe"
  awk 'NR > 1 && $1 != "Name" && NF >= 4 { n++; if ($(NF - 1) != "reachable" || $NF != "reachable") bad++ } END { exit (n == 0 || bad > 0) }' "$probe"
}
peer_reaches() {
  k exec "$1" -c cilium-agent -- cilium-health status --probe --succinct >"$probe"
  awk -v node="$NODE_NAME" 'NR > 1 && ($1 == node || $1 ~ ("/" node "$")) { seen = 1; if ($(NF - 1) != "reachable" || $NF != "reachable") bad = 1 } END { exit (!seen || bad) }' "$probe"
}
baseline_of() {
  printf '%s\\n' "$BASELINE" | awk -v mark="${BASELINE_MARK}" -v node="$1" '$1 == mark && ((node == "" && NF == 2) || (node != "" && NF == 3 && $2 == node)) { print $NF; found = 1; exit } END { if (!found) print 0 }'
}
${previousRecord(`${AGENT_ROLLED_MARK} $NODE_NAME `)}
revision=$(observed_revision)
if [ -z "$revision" ]; then
  fail revision "the DaemonSet kube-system/cilium has no ControllerRevision"
fi
current=$(live_pod "$NODE_NAME" "$revision")
if [ -n "$current" ] && [ "$previous" = "$revision" ]; then
  echo "$NODE_NAME: its agent runs the current revision $revision and was checked: nothing to roll"
  echo "${AGENT_ROLLED_MARK} $NODE_NAME $revision"
  exit 0
fi
if [ -n "$current" ]; then
  echo "$NODE_NAME: its agent $current runs the current revision $revision, unchecked: checking it"
else
  old=$(live_pod "$NODE_NAME" "")
  if [ -n "$old" ]; then
    window_check
    echo "$NODE_NAME: rolling its agent $old to revision $revision"
    k delete pod "$old" --wait=true --timeout=${STEP_DEADLINES.delete}s
  else
    echo "$NODE_NAME: no running agent (a previous run deleted it): waiting for the new one"
  fi
fi
deadline=$(($(now) + ${STEP_DEADLINES.ready}))
pod=$(ready_pod "$NODE_NAME" "$revision")
while [ -z "$pod" ]; do
  if [ "$(now)" -ge "$deadline" ]; then
    fail agent-ready "no agent pod of revision $revision became Ready on $NODE_NAME within ${STEP_DEADLINES.ready} s (kubectl -n kube-system describe pod -l k8s-app=cilium --field-selector spec.nodeName=$NODE_NAME)"
  fi
  sleep 5
  pod=$(ready_pod "$NODE_NAME" "$revision")
done
echo "$NODE_NAME: agent $pod is Ready"
if ! retry 3 status_ok "$pod"; then
  fail cilium-status "cilium-dbg status --brief in $pod does not report OK: $(tr '\\n' ' ' <"$probe")(kubectl -n kube-system exec $pod -c cilium-agent -- cilium-dbg status --verbose)"
fi
if ! retry 3 all_reachable "$pod"; then
  fail reachability "the health probe from $pod does not reach every node and health endpoint: $(tr '\\n' ';' <"$probe")"
fi
if [ -n "$PEER_NODE" ]; then
  peer=$(ready_pod "$PEER_NODE" "")
  if [ -z "$peer" ]; then
    peer=$(live_pod "$PEER_NODE" "")
  fi
  if [ -z "$peer" ] || ! retry 3 peer_reaches "$peer"; then
    fail reachability "the health probe from $PEER_NODE's agent \${peer:-(none)} does not reach $NODE_NAME and its health endpoint: $(tr '\\n' ';' <"$probe")"
  fi
fi
echo "$NODE_NAME: cilium status OK; the health probes reach its node and pods, and it reaches every node"
if [ "$HUBBLE" = yes ]; then
  sleep "$DROP_WINDOW"
  if ! drops "$DROP_WINDOW"; then
    fail hubble-drops "could not read the dropped flows from Hubble's relay (hubble observe --port-forward)"
  fi
  counts=$(count_drops)
  total=$(printf '%s\\n' "$counts" | awk 'NR == 1 { print $1 }')
  here=$(printf '%s\\n' "$counts" | awk -v node="$NODE_NAME" 'NR > 1 && $1 == node { print $2; found = 1 } END { if (!found) print 0 }')
  base_total=$(baseline_of "")
  base_here=$(baseline_of "$NODE_NAME")
  if [ "$here" -gt $((base_here + DROP_THRESHOLD)) ]; then
    fail hubble-drops "Hubble saw $here dropped flows on $NODE_NAME in the $DROP_WINDOW s after its roll, against $base_here before the roll (threshold: $DROP_THRESHOLD more) (hubble observe --port-forward --verdict DROPPED --node-name '*/$NODE_NAME')"
  fi
  if [ "$total" -gt $((base_total + DROP_THRESHOLD)) ]; then
    fail hubble-drops "Hubble saw $total dropped flows across the cluster in the $DROP_WINDOW s after $NODE_NAME's roll, against $base_total before the roll (threshold: $DROP_THRESHOLD more) (hubble observe --port-forward --verdict DROPPED)"
  fi
  echo "$NODE_NAME: $here dropped flows on the node (before the roll: $base_here), $total across the cluster (before: $base_total) in $DROP_WINDOW s"
fi
echo "${AGENT_ROLLED_MARK} $NODE_NAME $revision"
`;

/** The roll window as the step's environment: empty values for no window. */
export function windowEnvironment(
  window: RollWindow | undefined,
): Record<
  "ROLL_WINDOW" | "ROLL_WINDOW_DAYS" | "ROLL_WINDOW_START" | "ROLL_WINDOW_END" | "ROLL_WINDOW_ZONE",
  string
> {
  return {
    ROLL_WINDOW: window?.text ?? "",
    ROLL_WINDOW_DAYS: window ? window.days.join(" ") : "",
    ROLL_WINDOW_START: window ? String(window.start) : "",
    ROLL_WINDOW_END: window ? String(window.end) : "",
    ROLL_WINDOW_ZONE: window?.zone ?? "",
  };
}
