/**
 * The control-plane endpoint: a Hetzner load balancer on the private network in front of the
 * control planes' Kubernetes API (6443), the cluster endpoint of the machine config. Private unless
 * `publicApiEndpoint` accepts a public interface: Hetzner Cloud Firewalls do not apply to load
 * balancers, so a public one forwards 6443 from the whole Internet (Hetzner's Firewalls FAQ;
 * hcloud-cloud-controller-manager#286; hcloud-k8s/terraform-hcloud-kubernetes variables.tf: "the API
 * is accessible publicly without a firewall"). No Talos API service (rules.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as hcloud from "@pulumi/hcloud";
import { loadBalancerIp, type ClusterSpec } from "../config/spec";
import { clusterLabels, controlPlaneSelector } from "./labels";
import { protectionOf } from "./protection";
import { ENDPOINT_SERVICES } from "./rules";

/** Arguments of {@link ControlPlaneEndpoint}. */
export interface ControlPlaneEndpointArgs {
  /** The resolved cluster spec (load balancer type, publicApiEndpoint, control-plane location, production). @default none, required */
  readonly spec: ClusterSpec;
  /** The private network to attach to (`PrivateNetwork.networkId`). @default none, required */
  readonly networkId: pulumi.Input<number>;
  /** The node subnet; the attachment waits for it (`PrivateNetwork.subnet`). @default none, required */
  readonly subnet: pulumi.Resource;
}

/** The load balancer in front of the control planes, and the addresses clients and certificates use. */
export class ControlPlaneEndpoint extends pulumi.ComponentResource {
  /**
   * Where clients connect: the public IPv4 when `publicApiEndpoint`, else the private IP. Resolves
   * once the target and the service exist, so a consumer never dials a port nobody listens on.
   */
  declare readonly host: pulumi.Output<string>;
  /** Every address of the endpoint, for certificate SANs: public IPv4 and IPv6 (when public), then the private IP. */
  declare readonly addresses: pulumi.Output<string[]>;
  /** The load balancer's fixed address in the node subnet (`loadBalancerIp`). */
  declare readonly privateIp: string;

  constructor(name: string, args: ControlPlaneEndpointArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hcloud-talos-cilium:hetzner:ControlPlaneEndpoint", name, {}, opts);
    const { stack, settings } = args.spec;
    const privateIp = loadBalancerIp(settings);
    const isPublic = settings.publicApiEndpoint;
    const { protect, deleteProtection } = protectionOf(settings);

    const lb = new hcloud.LoadBalancer(
      `${name}-lb`,
      {
        loadBalancerType: settings.loadBalancerType,
        location: settings.controlPlane.location,
        labels: clusterLabels(stack),
        deleteProtection,
      },
      { parent: this, protect },
    );
    const loadBalancerId = lb.id.apply(Number);
    // deleteBeforeReplace: a replacement attachment asks for the same fixed IP, which the old one
    // holds until it is deleted (Hetzner: one holder per address in a network).
    const attachment = new hcloud.LoadBalancerNetwork(
      `${name}-network`,
      { loadBalancerId, networkId: args.networkId, ip: privateIp, enablePublicInterface: isPublic },
      { parent: this, dependsOn: [args.subnet], deleteBeforeReplace: true },
    );
    // usePrivateIp needs the load balancer in the servers' network (Hetzner API: use_private_ip).
    const target = new hcloud.LoadBalancerTarget(
      `${name}-target`,
      {
        loadBalancerId,
        type: "label_selector",
        labelSelector: controlPlaneSelector(stack),
        usePrivateIp: true,
      },
      { parent: this, dependsOn: [attachment] },
    );
    const services = ENDPOINT_SERVICES.map(
      (svc) =>
        new hcloud.LoadBalancerService(
          `${name}-svc-${svc.role}`,
          {
            loadBalancerId: lb.id,
            protocol: "tcp",
            listenPort: svc.port,
            destinationPort: svc.port,
            // The API server and apid terminate TLS themselves and do not speak PROXY protocol.
            proxyprotocol: false,
            healthCheck: svc.healthCheck,
          },
          { parent: this },
        ),
    );

    const address = isPublic ? lb.ipv4 : attachment.ip;
    const ready = pulumi.all([target.id, ...services.map((s) => s.id)]);
    this.host = pulumi.all([address, ready]).apply(([host]) => host);
    this.addresses = isPublic
      ? pulumi.all([lb.ipv4, lb.ipv6]).apply(([v4, v6]) => [v4, v6, privateIp])
      : pulumi.output([privateIp]);
    this.privateIp = privateIp;
    this.registerOutputs({ host: this.host, addresses: this.addresses, privateIp });
  }
}
