/**
 * Stand-ins for kubectl (with the agent's cilium-dbg and cilium-health behind `kubectl exec`), hubble,
 * date and sleep, sharing one fake cluster in a state folder, and a runner that plays the agent roll's
 * scripts under /bin/sh against it, node by node as Pulumi would: in order, stopping at the first
 * failure, each step's previous stdout handed back as pulumi-command does (kept on a failure).
 *
 * The state: `revision` (the DaemonSet's current template hash), `pods/<node>` (`<name> <hash>
 * <Ready>`), `drops/<node>` (the node's dropped flows in any window); per node, `never-ready`,
 * `status-bad` and `unreachable` flags that take effect on its new agent, and `after/<node>` (lines
 * `<node> <drops>` applied when its agent is replaced). Every call is logged to `calls`.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The stand-in kubectl: the DaemonSet, its ControllerRevisions, the agent pods, exec, drain. */
const FAKE_KUBECTL = `#!/bin/sh
printf 'kubectl %s\\n' "$*" >>"$FAKE_STATE/calls"
# What the kubeconfig was (its path, mode and content), when a test asks: \`log-configs\`.
if [ -e "$FAKE_STATE/log-configs" ] && [ -n "\${KUBECONFIG:-}" ]; then
  printf '%s %s\\n' "$KUBECONFIG" "$(stat -c %a "$KUBECONFIG")" >>"$FAKE_STATE/configs"
  cp "$KUBECONFIG" "$FAKE_STATE/config-content"
fi
[ "$1" = -n ] && shift 2
read -r current <"$FAKE_STATE/revision"
# A pod's node, from its name: cilium-<node>-<hash> (by expansion, not a command substitution: a
# subshell per call is one more process per call).
node_of() {
  node=\${1#cilium-}
  node=\${node%-*}
}
case "$1 $2" in
  "get daemonset")
    if [ -e "$FAKE_STATE/unobserved" ]; then echo "5 4"; else echo "5 5"; fi ;;
  "get controllerrevisions")
    printf '1 old111\\n2 %s\\n' "$current" ;;
  "get pods")
    node=\${6#spec.nodeName=}
    if [ -s "$FAKE_STATE/pods/$node" ]; then
      read -r name hash ready <"$FAKE_STATE/pods/$node"
      printf '%s %s %s \\n' "$name" "$hash" "$ready"
    fi ;;
  "delete pod")
    node_of "$3"
    ready=True
    [ -e "$FAKE_STATE/never-ready/$node" ] && ready=False
    printf 'cilium-%s-%s %s %s' "$node" "$current" "$current" "$ready" >"$FAKE_STATE/pods/$node"
    if [ -e "$FAKE_STATE/after/$node" ]; then
      while read -r n c; do printf '%s\\n' "$c" >"$FAKE_STATE/drops/$n"; done <"$FAKE_STATE/after/$node"
    fi ;;
  "exec "*)
    pod=$2
    while [ "$1" != -- ]; do shift; done
    tool=$2
    node_of "$pod"
    read -r name hash ready <"$FAKE_STATE/pods/$node"
    case "$tool" in
      cilium-dbg)
        if [ "$hash" = "$current" ] && [ -e "$FAKE_STATE/status-bad/$node" ]; then
          echo "Cilium: Failure   Err: BPF masquerade requires NodePort"; exit 1
        fi
        echo "OK" ;;
      cilium-health)
        echo "Cluster health:   x/y reachable   (2026-12-01T02:10:00Z)"
        echo "  Name   IP   Node   Endpoints"
        for f in "$FAKE_STATE"/pods/*; do
          n=\${f##*/}
          read -r name hash ready <"$f"
          status=reachable
          if [ "$hash" = "$current" ] && [ -e "$FAKE_STATE/unreachable/$n" ]; then status=unreachable; fi
          here=
          [ "$n" = "$node" ] && here=" (localhost)"
          printf '  default/%s%s   10.0.1.1   %s   %s\\n' "$n" "$here" "$status" "$status"
        done ;;
    esac ;;
  "drain "*|"uncordon "*)
    if [ "$1" = drain ] && [ -e "$FAKE_STATE/drain-fails" ]; then
      echo "error: cannot evict pod as it would violate the pod's disruption budget" >&2
      exit 1
    fi ;;
esac
`;

/** The stand-in hubble: `observe` prints each node's dropped flows as protobuf JSON lines. */
const FAKE_HUBBLE = `#!/bin/sh
printf 'hubble %s\\n' "$*" >>"$FAKE_STATE/calls"
if [ -e "$FAKE_STATE/hubble-down" ]; then
  echo "failed to connect to 'localhost:0': port-forward failed" >&2
  exit 1
fi
for f in "$FAKE_STATE"/drops/*; do
  [ -e "$f" ] || continue
  n=\${f##*/}
  read -r count <"$f"
  i=0
  while [ "$i" -lt "$count" ]; do
    printf '{"flow":{"verdict":"DROPPED","node_name":"default/%s"},"node_name": "default/%s","time":"2026-12-01T02:10:00Z"}\\n' "$n" "$n"
    i=$((i + 1))
  done
done
`;

/**
 * The stand-in date: the local weekday and time from the state's clock (in the zone it was told), and
 * the epoch seconds from the state's `epoch`, which only the stand-in sleep moves.
 */
const FAKE_DATE = `#!/bin/sh
case $1 in
  "+%u %H %M")
    printf '%s TZ=%s\\n' "$1" "$TZ" >>"$FAKE_STATE/clock-reads"
    read -r clock <"$FAKE_STATE/clock"
    echo "$clock" ;;
  +%s)
    read -r epoch <"$FAKE_STATE/epoch"
    echo "$epoch" ;;
  *)
    exec /bin/date "$@" ;;
esac
`;

/**
 * The stand-in sleep: logged, instant, moving the stand-in epoch by its seconds (times the state's
 * \`speed\`, so a test of a deadline needs few polls).
 */
const FAKE_SLEEP = `#!/bin/sh
printf 'sleep %s\\n' "$1" >>"$FAKE_STATE/sleeps"
read -r epoch <"$FAKE_STATE/epoch"
read -r speed <"$FAKE_STATE/speed"
printf '%s\\n' $((epoch + $1 * speed)) >"$FAKE_STATE/epoch"
`;

/** A node of the fake cluster at the start of a test. */
export interface FakeAgent {
  /** The revision its agent pod runs. */
  readonly revision: string;
  readonly drops?: number;
  readonly neverReady?: boolean;
  readonly statusBad?: boolean;
  readonly unreachable?: boolean;
  /** Drops per node once this node's agent is replaced. */
  readonly after?: Readonly<Record<string, number>>;
}

/** A fake cluster on disk; remove it with `close`. */
export class FakeCluster {
  readonly dir = mkdtempSync(join(tmpdir(), "agent-roll-"));
  readonly bin = join(this.dir, "bin");
  readonly state = join(this.dir, "state");
  readonly zones = join(this.dir, "zoneinfo");

  constructor(
    revision: string,
    agents: Readonly<Record<string, FakeAgent>>,
    tools: readonly string[] = ["kubectl", "hubble"],
  ) {
    for (const d of ["pods", "drops", "never-ready", "status-bad", "unreachable", "after"])
      mkdirSync(join(this.state, d), { recursive: true });
    mkdirSync(this.bin, { recursive: true });
    mkdirSync(join(this.zones, "Europe"), { recursive: true });
    writeFileSync(join(this.zones, "Europe", "Berlin"), "");
    const scripts: Record<string, string> = {
      kubectl: FAKE_KUBECTL,
      hubble: FAKE_HUBBLE,
      date: FAKE_DATE,
      sleep: FAKE_SLEEP,
    };
    for (const [name, text] of Object.entries(scripts)) {
      if (!tools.includes(name) && (name === "kubectl" || name === "hubble")) continue;
      writeFileSync(join(this.bin, name), text);
      chmodSync(join(this.bin, name), 0o755);
    }
    writeFileSync(join(this.state, "revision"), `${revision}\n`);
    writeFileSync(join(this.state, "clock"), "3 02 30\n");
    writeFileSync(join(this.state, "epoch"), "1796090400\n");
    writeFileSync(join(this.state, "speed"), "1\n");
    for (const [node, a] of Object.entries(agents)) {
      writeFileSync(join(this.state, "pods", node), `cilium-${node}-${a.revision} ${a.revision} True\n`);
      writeFileSync(join(this.state, "drops", node), `${a.drops ?? 0}\n`);
      if (a.neverReady) this.flag("never-ready", node);
      if (a.statusBad) this.flag("status-bad", node);
      if (a.unreachable) this.flag("unreachable", node);
      if (a.after)
        writeFileSync(
          join(this.state, "after", node),
          Object.entries(a.after)
            .map(([n, c]) => `${n} ${c}\n`)
            .join(""),
        );
    }
  }

  /** Sets or clears a flag file (`never-ready/<node>`, `hubble-down`, `unobserved`...). */
  flag(kind: string, node?: string, on = true): void {
    const path = node ? join(this.state, kind, node) : join(this.state, kind);
    if (on) writeFileSync(path, "");
    else rmSync(path, { force: true });
  }

  /** How many seconds the stand-in clock moves per second slept. */
  speed(factor: number): void {
    writeFileSync(join(this.state, "speed"), `${factor}\n`);
  }

  /** The local weekday (1-7) and time `date` answers in the window's zone. */
  clock(day: number, hhmm: string): void {
    writeFileSync(join(this.state, "clock"), `${day} ${hhmm.replace(":", " ")}\n`);
  }

  read(file: string): string {
    const path = join(this.state, file);
    return existsSync(path) ? readFileSync(path, "utf8") : "";
  }

  lines(file: string): string[] {
    return this.read(file).split("\n").filter(Boolean);
  }

  /** The revision each node's agent pod runs now. */
  revisions(nodes: readonly string[]): Record<string, string> {
    return Object.fromEntries(nodes.map((n) => [n, this.read(`pods/${n}`).split(" ")[1] ?? ""]));
  }

  /** The pods deleted, in order. */
  deleted(): string[] {
    return this.lines("calls")
      .filter((c) => c.startsWith("kubectl -n kube-system delete pod "))
      .map((c) => c.split(" ")[5] ?? "");
  }

  /** Runs a script with /bin/sh against this cluster. */
  run(
    script: string,
    env: Record<string, string>,
  ): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync("/bin/sh", ["-c", script], {
      env: {
        PATH: `${this.bin}:/usr/bin:/bin`,
        TMPDIR: this.dir,
        TZDIR: this.zones,
        FAKE_STATE: this.state,
        ...env,
      },
      encoding: "utf8",
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
