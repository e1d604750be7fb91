/**
 * The Cilium agent roll's plan (pure): the agent DaemonSet's update strategy as the program sets it,
 * the order and batches of the nodes, every step's deadlines and the roll's expected duration.
 *
 * Order: control planes first, one at a time, then the workers in batches of `agentRollBatchSize`
 * (the node roll's order, `components/rolling`). Why control planes first: on Talos they run no
 * workloads (`cluster.allowSchedulingOnControlPlanes` is false unless set, Talos v1.13.9 config
 * schema; this program never sets it), so a bad agent there breaks the least traffic, yet its node
 * runs the whole datapath (the host-network API server reaching admission webhooks' pods, the
 * node's health endpoint, WireGuard to every other node): it is the cheapest canary. One at a time,
 * a broken agent costs one API server of three (the load balancer's health check takes it out), never
 * the quorum. The cost: few flows cross a control plane, so its Hubble drop check sees little; the
 * first worker is the first real-traffic check.
 */
import { planRoll, rollOrder, type RollNode, type RollPlan } from "../rolling/plan";

/**
 * The update strategy the values give the agent DaemonSet (`updateStrategy`; the chart renders it
 * verbatim: cilium 1.20.0 templates/cilium-agent/daemonset.yaml lines 49-52). `rollingUpdate: null`
 * deletes the chart's default `maxUnavailable: 2` (values.yaml lines 438-444) in Helm's coalescing
 * (helm.sh/docs/chart_template_guide/values_files, "Deleting a default key"), so the rendered
 * strategy is exactly `type: OnDelete`. With OnDelete the DaemonSet controller replaces a pod only
 * when it is deleted (kubernetes.io/docs/tasks/manage-daemon/update-daemon-set: "new DaemonSet pods
 * will only be created when you manually delete old DaemonSet pods"), and Helm's wait treats a
 * DaemonSet that does not roll itself as ready once its controller has seen the new spec (helm/helm
 * pkg/kube/ready.go, `daemonSetReady`: "If the update strategy is not a rolling update, there will be
 * nothing to wait for"), so the release's timeout no longer covers an agent roll.
 */
export const AGENT_UPDATE_STRATEGY = { type: "OnDelete", rollingUpdate: null } as const;

/** The agent's startup probe in the 1.20.0 chart: 300 attempts 2 s apart (values.yaml 2415-2420), after 5 s (daemonset.yaml 151). */
const STARTUP_PROBE_SECONDS = 300 * 2 + 5;

/** Deadlines of one step, in seconds (`scripts.ts` enforces them; the command's own timeout is above their sum). */
export const STEP_DEADLINES = {
  /** The DaemonSet controller has observed the release's new spec (its revision exists). */
  observed: 60,
  /** Deleting the old pod (the chart's terminationGracePeriodSeconds is 1: values.yaml 220). */
  delete: 120,
  /** The new pod Ready: the chart's whole startup probe, plus 5 minutes to pull a new image. */
  ready: STARTUP_PROBE_SECONDS + 300,
  /** `cilium-dbg status --brief` answering OK: 3 attempts, 20 s apart, each up to its 30 s timeout. */
  status: 3 * (30 + 20),
  /** The health probes (this node's, and a peer's of this node): 3 attempts, 20 s apart, 60 s each. */
  reach: 3 * (60 + 20),
  /** The Hubble query after the window (a port-forward to the relay and one GetFlows call). */
  hubble: 60,
} as const;

/**
 * What a node's roll usually takes beyond the drop window, in seconds: the old pod gone and the new
 * agent Ready (15 to 90: our estimate for a cached image on CPX nodes, not a measurement), then the
 * checks (about 10). A new image adds its pull time.
 */
export const TYPICAL_STEP_SECONDS = { min: 15 + 10, max: 90 + 10 } as const;

/** The settings the roll reads (`agentRollBatchSize`, `agentRollDropWindow`, `agentRollDropThreshold`). */
export interface AgentRollSettings {
  readonly agentRollBatchSize: number;
  readonly agentRollDropWindow: number;
  readonly agentRollDropThreshold: number;
}

/** The plan of the agent roll, for the component, the report and the plan JSON. */
export interface AgentRollPlan<N extends RollNode> {
  readonly updateStrategy: typeof AGENT_UPDATE_STRATEGY;
  readonly roll: RollPlan<N>;
  /** Node names in execution order. */
  readonly order: readonly string[];
  /** Node names per batch, in execution order. */
  readonly batches: readonly (readonly string[])[];
  /** The longest one step may take (its deadlines plus the drop window), in seconds. */
  readonly stepTimeoutSeconds: number;
  /** The longest the whole roll may take: every batch at its step timeout (batches run one after another). */
  readonly rollTimeoutSeconds: number;
  /** The expected duration of a roll of every node: batches × (typical step + drop window), in seconds. */
  readonly expectedSeconds: { readonly min: number; readonly max: number };
}

/** The longest one step may take, in seconds: the sum of its deadlines and the drop window. */
export function stepTimeoutSeconds(dropWindow: number): number {
  return Object.values(STEP_DEADLINES).reduce((a, b) => a + b, 0) + dropWindow;
}

/** Plans the roll of `nodes` (plan order): control planes one by one, then workers in batches. */
export function planAgentRoll<N extends RollNode>(
  nodes: readonly N[],
  settings: AgentRollSettings,
): AgentRollPlan<N> {
  const roll = planRoll(nodes, { workerBatch: settings.agentRollBatchSize });
  const batches = roll.batches.map((b) => b.map((n) => n.name));
  const step = stepTimeoutSeconds(settings.agentRollDropWindow);
  const window = settings.agentRollDropWindow;
  return {
    updateStrategy: AGENT_UPDATE_STRATEGY,
    roll,
    order: rollOrder(roll).map((n) => n.name),
    batches,
    stepTimeoutSeconds: step,
    rollTimeoutSeconds: batches.length * step,
    expectedSeconds: {
      min: batches.length * (TYPICAL_STEP_SECONDS.min + window),
      max: batches.length * (TYPICAL_STEP_SECONDS.max + window),
    },
  };
}

/** A duration in words: `45 s`, `12 min`, `2 h 05 min`. */
export function showDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}
