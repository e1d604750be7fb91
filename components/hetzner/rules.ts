/**
 * What the public side of the cluster lets in (pure): the Cloud Firewall's inbound rules and the
 * control-plane load balancer's services. Ports: platform.md ("From operators: 6443 and 50000 only").
 */

/** The Kubernetes API server's port. */
export const KUBERNETES_API_PORT = 6443;
/** The Talos API (apid) port; talosctl and the Talos provider talk to it. */
export const TALOS_API_PORT = 50000;

/** An inbound Cloud Firewall rule, shaped like `hcloud.types.input.FirewallRule`. */
export interface InboundRule {
  readonly description: string;
  readonly direction: "in";
  readonly protocol: "tcp" | "icmp";
  /** Required for tcp; absent for icmp. */
  readonly port?: string;
  readonly sourceIps: string[];
}

/** Every address, v4 and v6. */
export const ANYWHERE: readonly string[] = ["0.0.0.0/0", "::/0"];

/**
 * The firewall's inbound rules: the two admin ports from `adminCidrs` (and, for this run, the deploying
 * runner's host prefix: `runnerAccess: "runner-ip"`, contract 2), and ICMP from anywhere.
 * Everything else inbound is denied (a Cloud Firewall denies all inbound once attached) and outbound
 * stays open (no outbound rules). Cloud Firewalls filter only public interfaces, so node-to-node
 * traffic on the private network (vxlan, WireGuard, etcd, kubelet) needs no rule (platform.md).
 */
export function firewallRules(adminCidrs: readonly string[], runnerCidr?: string): InboundRule[] {
  const sources = runnerCidr && !adminCidrs.includes(runnerCidr) ? [...adminCidrs, runnerCidr] : adminCidrs;
  const from = runnerCidr ? "admins and the deploying runner" : "admins";
  const admin = (port: number, what: string): InboundRule => ({
    description: `${what} from ${from}`,
    direction: "in",
    protocol: "tcp",
    port: String(port),
    sourceIps: [...sources],
  });
  return [
    admin(KUBERNETES_API_PORT, "Kubernetes API"),
    admin(TALOS_API_PORT, "Talos API"),
    // Path-MTU discovery needs ICMP "fragmentation needed" (RFC 1191) and ICMPv6 "packet too big"
    // (RFC 8201) from any router on the path; Hetzner does not document passing them as related
    // traffic, and dropping them black-holes large TCP segments to operators behind smaller MTUs.
    {
      description: "ICMP (path-MTU discovery, ping)",
      direction: "in",
      protocol: "icmp",
      sourceIps: [...ANYWHERE],
    },
  ];
}

/** A TCP health check of a load balancer service (`hcloud.types.input.LoadBalancerServiceHealthCheck`). */
export interface TcpHealthCheck {
  readonly protocol: "tcp";
  readonly port: number;
  /** Seconds between checks. */
  readonly interval: number;
  /** Seconds before one check counts as failed. */
  readonly timeout: number;
  /** Failed checks before a target is taken out. */
  readonly retries: number;
}

/** A TCP service of the control-plane load balancer. */
export interface EndpointService {
  /** Part of the resource name: `${name}-svc-<role>`. */
  readonly role: string;
  /** Listen port = destination port: clients use the same port as on the nodes. */
  readonly port: number;
  readonly healthCheck: TcpHealthCheck;
}

/**
 * A TCP connect every 5 s (timeout 3 s), 3 failures to drain: a dead or rebooting control plane
 * (Talos upgrades reboot nodes one at a time) leaves the rotation within about 15 s.
 */
function tcpCheck(port: number): TcpHealthCheck {
  return { protocol: "tcp", port, interval: 5, timeout: 3, retries: 3 };
}

/**
 * The load balancer's services: the Kubernetes API only, plain TCP passthrough. No Talos API (50000)
 * service: nothing dials Talos through the load balancer (config applies, bootstrap, upgrades and the
 * health check dial each node), and a public 50000 would let anyone reach a node still in Talos
 * maintenance mode, which accepts a config without authentication (platform.md).
 */
export const ENDPOINT_SERVICES: readonly EndpointService[] = [
  { role: "kube-api", port: KUBERNETES_API_PORT, healthCheck: tcpCheck(KUBERNETES_API_PORT) },
];
