/**
 * The plan's review of what a stack exposes and where its server types were checked: the firewall's
 * rules, the load balancer's interface and services, the path to the Kubernetes API (from what the
 * program declared), and the catalogue snapshot the offline check used.
 */
import type { ClusterSpec } from "../components/config/spec";
import { accessPlan, type AccessPlan } from "../components/hetzner/access";
import type { InboundRule } from "../components/hetzner/rules";
import { CATALOGUE_SNAPSHOT } from "../components/hetzner/server-type-catalogue";
import { SNAPSHOT_SOURCE } from "../components/hetzner/server-type-lookup";
import { registrationsOf, type EngineRecord } from "./mock-engine";

const FIREWALL = "hcloud:index/firewall:Firewall";
const LB_NETWORK = "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork";
const LB_SERVICE = "hcloud:index/loadBalancerService:LoadBalancerService";

/** Which catalogue the pools' server types were checked against, and each type's architecture. */
export interface ServerTypePlan {
  /** Always `snapshot` offline; a real preview asks the Hetzner API (and logs it). */
  readonly source: "snapshot";
  readonly date: string;
  readonly description: string;
  readonly types: Readonly<Record<string, string>>;
}

/** A load balancer service as declared. */
export interface PlannedService {
  readonly protocol: string;
  readonly listenPort: number;
  readonly destinationPort: number;
}

/** What the stack exposes, for an offline review. */
export interface ExposurePlan {
  /** The Cloud Firewall's inbound rules, as declared (servers' public interfaces only). */
  readonly firewall: readonly InboundRule[];
  /** The control-plane load balancer: whether it has a public interface (firewalls do not apply to it), and its services. */
  readonly loadBalancer: { readonly publicInterface: boolean; readonly services: readonly PlannedService[] };
  /** The runner's path to the Kubernetes API and through the firewall. */
  readonly access: AccessPlan;
}

/** The server-type part of a plan: the snapshot, and the architecture of every type that passed. */
export function serverTypePlan(types: Readonly<Record<string, string>>): ServerTypePlan {
  return {
    source: "snapshot",
    date: CATALOGUE_SNAPSHOT.date,
    description: SNAPSHOT_SOURCE.description,
    types,
  };
}

/** The firewall's rules, the load balancer's interface and services, as the program declared them. */
export function exposureOf(spec: ClusterSpec, record: EngineRecord): ExposurePlan {
  const firewall = registrationsOf(record, FIREWALL)[0]?.inputs.rules as InboundRule[] | undefined;
  const lbNetwork = registrationsOf(record, LB_NETWORK)[0]?.inputs;
  const services = registrationsOf(record, LB_SERVICE).map((r) => ({
    protocol: String(r.inputs.protocol),
    listenPort: Number(r.inputs.listenPort),
    destinationPort: Number(r.inputs.destinationPort),
  }));
  return {
    firewall: firewall ?? [],
    loadBalancer: { publicInterface: lbNetwork?.enablePublicInterface === true, services },
    access: accessPlan(spec),
  };
}
