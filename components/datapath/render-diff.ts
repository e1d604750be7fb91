/**
 * What a Helm values change does to the cluster, read from two renders of the Cilium chart (base and
 * head): per workload whether its pod template changes (it rolls), is created or removed, scales, or
 * changes in place; which `cilium-config` keys change; which other objects appear, disappear or
 * change. Pure: the renders come from tools/helm-template.ts (`helm template`).
 *
 * What is not compared: the data of objects the chart labels `cilium.io/helm-template-non-idempotent`
 * (the Cilium CA and the Hubble TLS Secrets). The chart generates them with sprig's `genCA` /
 * `genSignedCert` on every render (cilium 1.20.0 chart: templates/_helpers.tpl "cilium.ca.setup",
 * templates/hubble/tls-helm/*-secret.yaml), so two `helm template` runs of the same values differ there
 * and nowhere else. On a real cluster they do not change: the same templates first `lookup` the Secrets
 * that exist (`cilium-ca`, `hubble-server-certs`, `hubble-relay-client-certs`) and reuse their data,
 * and the `cilium` release is a `helm.v3.Release`, which runs Helm itself against the cluster
 * (pulumi.com/registry/packages/kubernetes/api-docs/helm/v3/release: "embeds Helm as a library ... the
 * full spectrum of Helm features are supported natively"); `helm template` has no cluster, so its
 * `lookup` returns an empty map (helm.sh/docs/chart_template_guide/functions_and_pipelines, "Using the
 * lookup function"). No pod template carries a checksum
 * of them (the chart's checksums cover ConfigMaps only), so masking them hides no roll; whether such a
 * Secret exists is still compared.
 */

/** A rendered Kubernetes object (only what every object has is typed). */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [k: string]: unknown };
  readonly [field: string]: unknown;
}

/** One render: the objects in Helm's order and, for each, the template it came from (`# Source:`). */
export interface Render {
  readonly objects: readonly K8sObject[];
  /** Parallel to `objects`: e.g. "cilium/templates/cilium-agent/daemonset.yaml". */
  readonly sources: readonly string[];
}

/** The Cilium workloads the report follows. */
export type Workload = "agent" | "operator" | "envoy" | "relay" | "ui" | "spire-server" | "spire-agent";

/** Where each workload lives in the chart: its controller object and its templates folder. */
export const WORKLOADS: Readonly<
  Record<
    Workload,
    { readonly title: string; readonly kind: string; readonly name: string; readonly folder: string }
  >
> = {
  agent: { title: "Cilium agent", kind: "DaemonSet", name: "cilium", folder: "cilium-agent" },
  operator: {
    title: "Cilium operator",
    kind: "Deployment",
    name: "cilium-operator",
    folder: "cilium-operator",
  },
  envoy: { title: "Cilium Envoy", kind: "DaemonSet", name: "cilium-envoy", folder: "cilium-envoy" },
  relay: { title: "Hubble relay", kind: "Deployment", name: "hubble-relay", folder: "hubble-relay" },
  ui: { title: "Hubble UI", kind: "Deployment", name: "hubble-ui", folder: "hubble-ui" },
  "spire-server": {
    title: "SPIRE server",
    kind: "StatefulSet",
    name: "spire-server",
    folder: "spire/server",
  },
  "spire-agent": { title: "SPIRE agent", kind: "DaemonSet", name: "spire-agent", folder: "spire/agent" },
};

/** The workloads in report order. */
export const WORKLOAD_KEYS = Object.keys(WORKLOADS) as Workload[];

/** The ConfigMap every Cilium component reads its flags from (chart: templates/cilium-configmap.yaml). */
export const CILIUM_CONFIG = { namespace: "kube-system", name: "cilium-config" } as const;

/** The chart's label on objects whose data differs on every `helm template` run (see the module doc). */
export const NON_IDEMPOTENT_LABEL = "cilium.io/helm-template-non-idempotent";

/** An object's identity in a render. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

/** What happens to a workload: its fate, and the objects of its templates folder that move. */
export interface WorkloadChange {
  readonly workload: Workload;
  readonly title: string;
  readonly object: ObjectRef;
  /**
   * `rolls`: the pod template changes, so its pods are replaced; `created` / `removed`: the controller
   * appears or disappears; `scales`: only the replica count changes; `updated`: the object changes
   * without touching its pods; `unchanged`; `absent`: deployed on neither side.
   */
  readonly fate: "rolls" | "created" | "removed" | "scales" | "updated" | "unchanged" | "absent";
  readonly rolls: boolean;
  /** Where the pod template differs, e.g. `metadata.annotations["cilium.io/cilium-configmap-checksum"]`. */
  readonly podTemplate: readonly string[];
  readonly replicas?: { readonly from: unknown; readonly to: unknown };
  /** How the controller replaces pods (after the change, or before it when removed), from the render. */
  readonly strategy?: string;
  /** ConfigMaps its pods read that change while its pods do not: they run the old config until restarted. */
  readonly staleConfig: readonly string[];
  /** Objects from the workload's templates folder that appear, disappear or change. */
  readonly added: readonly ObjectRef[];
  readonly removed: readonly ObjectRef[];
  readonly changed: readonly ObjectRef[];
}

/** One changed `cilium-config` key; `from` / `to` undefined: absent on that side. */
export interface ConfigKeyChange {
  readonly key: string;
  readonly from?: string;
  readonly to?: string;
}

/** The whole difference between two renders. */
export interface RenderDiff {
  /** Every object renders the same (after masking the non-idempotent data): nothing changes. */
  readonly identical: boolean;
  readonly workloads: readonly WorkloadChange[];
  readonly config: readonly ConfigKeyChange[];
  /** Objects outside the workloads' folders (cluster-wide RBAC, Secrets, ConfigMaps, GatewayClass...). */
  readonly other: {
    readonly added: readonly ObjectRef[];
    readonly removed: readonly ObjectRef[];
    readonly changed: readonly ObjectRef[];
  };
}

type Json = unknown;
const isObject = (x: Json): x is Record<string, Json> =>
  typeof x === "object" && x !== null && !Array.isArray(x);

/** JSON with sorted keys: two equal trees give the same string whatever their key order. */
export function canonicalJson(value: Json): string {
  return JSON.stringify(value, (_k, v: Json) =>
    isObject(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

const refOf = (o: K8sObject): ObjectRef =>
  o.metadata.namespace === undefined
    ? { kind: o.kind, name: o.metadata.name }
    : { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };

/** `Kind namespace/name` (or `Kind name` for a cluster-scoped object). */
export function showRef(r: ObjectRef): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
}

const idOf = (r: ObjectRef): string => `${r.kind}\u0000${r.namespace ?? ""}\u0000${r.name}`;

/** An object as compared: the non-idempotent data (see the module doc) replaced by a marker. */
export function comparable(o: K8sObject): K8sObject {
  const labels = o.metadata.labels;
  if (!isObject(labels) || labels[NON_IDEMPOTENT_LABEL] !== "true") return o;
  const masked: Record<string, Json> = { ...o };
  for (const field of ["data", "stringData"]) if (field in masked) masked[field] = "(generated per render)";
  return masked as K8sObject;
}

interface Entry {
  readonly ref: ObjectRef;
  readonly object: K8sObject;
  readonly source: string;
  readonly json: string;
}

/** Each render's index, kept while the render is: a check diffs one base against many heads. */
const indexes = new WeakMap<Render, Map<string, Entry>>();

function index(render: Render): Map<string, Entry> {
  const known = indexes.get(render);
  if (known) return known;
  const out = new Map<string, Entry>();
  indexes.set(render, out);
  render.objects.forEach((object, i) => {
    const ref = refOf(object);
    const json = canonicalJson(comparable(object));
    out.set(idOf(ref), { ref, object, source: render.sources[i] ?? "", json });
  });
  return out;
}

const segment = (key: string): string =>
  /^[A-Za-z_][\w-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;

/** Items with a `name` (containers, volumes, env) are matched by name, not position. */
const byName = (xs: readonly Json[]): Map<string, Json> | undefined =>
  xs.every((x) => isObject(x) && typeof x.name === "string")
    ? new Map(xs.map((x) => [(x as { name: string }).name, x]))
    : undefined;

/** The paths where two trees differ, to `depth` levels (deeper differences name their ancestor). */
export function changedPaths(a: Json, b: Json, depth = 4, at = ""): string[] {
  if (canonicalJson(a) === canonicalJson(b)) return [];
  if (depth > 0 && isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => changedPaths(a[k], b[k], depth - 1, `${at}${segment(k)}`));
  }
  if (depth > 0 && Array.isArray(a) && Array.isArray(b)) {
    const [na, nb] = [byName(a), byName(b)];
    if (na && nb) {
      const names = [...new Set([...na.keys(), ...nb.keys()])];
      return names.flatMap((n) => changedPaths(na.get(n), nb.get(n), depth - 1, `${at}[${n}]`));
    }
  }
  return [at.replace(/^\./, "") || "(root)"];
}

/** How a controller replaces its pods, from its rendered update strategy (Kubernetes defaults if unset). */
export function strategyOf(o: K8sObject): string | undefined {
  const spec = isObject(o.spec) ? o.spec : {};
  const s = o.kind === "Deployment" ? spec.strategy : spec.updateStrategy;
  const strategy = isObject(s) ? s : {};
  const type = typeof strategy.type === "string" ? strategy.type : "RollingUpdate";
  const rolling = isObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
  if (o.kind === "DaemonSet" && type === "RollingUpdate") {
    // Kubernetes' DaemonSet default is maxUnavailable 1 (apps/v1 DaemonSetSpec).
    return `RollingUpdate, ${String(rolling.maxUnavailable ?? 1)} node(s) at a time`;
  }
  if (o.kind === "Deployment" && type === "RollingUpdate") {
    // Kubernetes' Deployment defaults are maxSurge 25% and maxUnavailable 25% (apps/v1 DeploymentSpec).
    const replicas = String(spec.replicas ?? 1);
    return `RollingUpdate of ${replicas} replica(s), maxSurge ${String(rolling.maxSurge ?? "25%")}, maxUnavailable ${String(rolling.maxUnavailable ?? "25%")}`;
  }
  if (o.kind === "StatefulSet" && type === "RollingUpdate") {
    return `RollingUpdate of ${String(spec.replicas ?? 1)} replica(s), one pod at a time`;
  }
  return type;
}

/**
 * The ConfigMaps a pod template reads: volumes (also projected), `env[].valueFrom.configMapKeyRef`,
 * `envFrom[].configMapRef`, and, for a container that runs `cilium-dbg build-config` (the agent's
 * `config` init container), `cilium-config`, which it reads from the API server when the pod starts.
 */
export function configMapsRead(template: Json, namespace: string | undefined): string[] {
  const spec = isObject(template) && isObject(template.spec) ? template.spec : {};
  const names = new Set<string>();
  const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
  for (const v of volumes.filter(isObject)) {
    if (isObject(v.configMap) && typeof v.configMap.name === "string") names.add(v.configMap.name);
    const sources = isObject(v.projected) && Array.isArray(v.projected.sources) ? v.projected.sources : [];
    for (const s of sources.filter(isObject))
      if (isObject(s.configMap) && typeof s.configMap.name === "string") names.add(s.configMap.name);
  }
  const containers = [spec.initContainers, spec.containers].flatMap((c) => (Array.isArray(c) ? c : []));
  for (const c of containers.filter(isObject)) {
    for (const e of (Array.isArray(c.env) ? c.env : []).filter(isObject)) {
      const ref = isObject(e.valueFrom) ? e.valueFrom.configMapKeyRef : undefined;
      if (isObject(ref) && typeof ref.name === "string") names.add(ref.name);
    }
    for (const e of (Array.isArray(c.envFrom) ? c.envFrom : []).filter(isObject))
      if (isObject(e.configMapRef) && typeof e.configMapRef.name === "string") names.add(e.configMapRef.name);
    const argv = [c.command, c.args].flatMap((x) => (Array.isArray(x) ? x : []));
    if (argv.includes("build-config") && namespace === CILIUM_CONFIG.namespace) names.add(CILIUM_CONFIG.name);
  }
  return [...names].sort().map((n) => `ConfigMap ${namespace ? `${namespace}/` : ""}${n}`);
}

const inFolder = (source: string, folder: string): boolean => source.includes(`/templates/${folder}/`);

function workloadChange(
  w: Workload,
  before: Map<string, Entry>,
  after: Map<string, Entry>,
  changedConfigMaps: Set<string>,
): WorkloadChange {
  const def = WORKLOADS[w];
  const entries = (m: Map<string, Entry>) => [...m.values()].filter((e) => inFolder(e.source, def.folder));
  const [was, now] = [entries(before), entries(after)];
  const ids = (xs: Entry[]) => new Set(xs.map((e) => idOf(e.ref)));
  const [wasIds, nowIds] = [ids(was), ids(now)];
  const added = now.filter((e) => !wasIds.has(idOf(e.ref))).map((e) => e.ref);
  const removed = was.filter((e) => !nowIds.has(idOf(e.ref))).map((e) => e.ref);
  const changed = now
    .filter((e) => wasIds.has(idOf(e.ref)) && before.get(idOf(e.ref))?.json !== e.json)
    .map((e) => e.ref);
  const pick = (xs: Entry[]) => xs.find((e) => e.ref.kind === def.kind && e.ref.name === def.name);
  const [a, b] = [pick(was), pick(now)];
  const object = (b ?? a)?.ref ?? { kind: def.kind, name: def.name };
  const base = { workload: w, title: def.title, object, added, removed, changed };
  if (!a || !b) {
    const fate = b ? "created" : a ? "removed" : "absent";
    const strategy = b ?? a;
    return {
      ...base,
      fate,
      rolls: false,
      podTemplate: [],
      staleConfig: [],
      ...(strategy ? { strategy: strategyOf(strategy.object) } : {}),
    };
  }
  const spec = (e: Entry) => (isObject(e.object.spec) ? e.object.spec : {});
  const [sa, sb] = [spec(a), spec(b)];
  const podTemplate = changedPaths(sa.template, sb.template);
  const rolls = podTemplate.length > 0;
  const replicas =
    canonicalJson(sa.replicas) === canonicalJson(sb.replicas)
      ? undefined
      : { from: sa.replicas, to: sb.replicas };
  const fate = rolls ? "rolls" : replicas ? "scales" : a.json !== b.json ? "updated" : "unchanged";
  const staleConfig = rolls
    ? []
    : configMapsRead(sb.template, b.ref.namespace).filter((c) => changedConfigMaps.has(c));
  return {
    ...base,
    fate,
    rolls,
    podTemplate,
    ...(replicas ? { replicas } : {}),
    strategy: strategyOf(b.object),
    staleConfig,
  };
}

function configChanges(before: Map<string, Entry>, after: Map<string, Entry>): ConfigKeyChange[] {
  const id = idOf({ kind: "ConfigMap", ...CILIUM_CONFIG });
  const data = (e: Entry | undefined): Record<string, Json> =>
    e && isObject(e.object.data) ? e.object.data : {};
  const [a, b] = [data(before.get(id)), data(after.get(id))];
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys
    .filter((k) => a[k] !== b[k])
    .map((k) => ({
      key: k,
      ...(a[k] === undefined ? {} : { from: String(a[k]) }),
      ...(b[k] === undefined ? {} : { to: String(b[k]) }),
    }));
}

/** The difference between the base render and the head render. */
export function renderDiff(base: Render, head: Render): RenderDiff {
  const [before, after] = [index(base), index(head)];
  const changedConfigMaps = new Set(
    [...after.values()]
      .filter(
        (e) =>
          e.ref.kind === "ConfigMap" && before.has(idOf(e.ref)) && before.get(idOf(e.ref))?.json !== e.json,
      )
      .map((e) => showRef(e.ref)),
  );
  const workloads = WORKLOAD_KEYS.map((w) => workloadChange(w, before, after, changedConfigMaps));
  const owned = (e: Entry) => WORKLOAD_KEYS.some((w) => inFolder(e.source, WORKLOADS[w].folder));
  const others = (m: Map<string, Entry>) => [...m.values()].filter((e) => !owned(e));
  const other = {
    added: others(after)
      .filter((e) => !before.has(idOf(e.ref)))
      .map((e) => e.ref),
    removed: others(before)
      .filter((e) => !after.has(idOf(e.ref)))
      .map((e) => e.ref),
    changed: others(after)
      .filter((e) => before.has(idOf(e.ref)) && before.get(idOf(e.ref))?.json !== e.json)
      .map((e) => e.ref),
  };
  const identical =
    before.size === after.size && [...after].every(([id, e]) => before.get(id)?.json === e.json);
  return { identical, workloads, config: configChanges(before, after), other };
}
