/**
 * Service load balancing: DSR and XDP acceleration. The agent checks DSR only with kube-proxy
 * replacement (cilium/cilium@aeb2d1b pkg/kpr/initializer/kube_proxy_replacement.go:65-163) and
 * compiles DSR and XDP acceleration into the datapath only then (pkg/datapath/linux/config/config.go:300-375).
 */
import { show } from "../core/define";
import { helmPath, usesDsr, type Rule } from "./rule";
import { agentFallsBack, agentRefuses, docs } from "./source";

const KPR_INIT = "pkg/kpr/initializer/kube_proxy_replacement.go";
const WIREGUARD_DOCS = [
  "security/network/encryption-wireguard/",
  "Documentation/security/network/encryption-wireguard.rst:285-289",
] as const;

/** Every DSR and XDP rule. */
export const LB_RULES: readonly Rule[] = [
  {
    id: "dsr-needs-kpr",
    knob: "loadBalancerMode",
    severity: "error",
    summary: "dsr/hybrid require kube-proxy replacement",
    source: agentFallsBack("pkg/datapath/linux/config/config.go:300-345"),
    check: (k) =>
      usesDsr(k) && !k.kubeProxyReplacement
        ? {
            why: `the agent silently ignores ${helmPath("loadBalancerMode")} without kube-proxy replacement: it compiles DSR into the datapath only with it`,
            allowed: '"snat" while kube-proxy replacement is off',
            fix: "set kubeProxyReplacement: true, or turn this knob off",
          }
        : undefined,
  },
  {
    id: "dsr-excludes-vxlan",
    knob: "loadBalancerMode",
    severity: "error",
    summary: "dsr/hybrid exclude the vxlan tunnel",
    source: agentRefuses(`${KPR_INIT}:131-134`),
    check: (k) =>
      usesDsr(k) && k.kubeProxyReplacement && k.routingMode === "tunnel" && k.tunnelProtocol === "vxlan"
        ? {
            why: `the agent refuses to start: "Node Port ${show(k.loadBalancerMode)} mode cannot be used with vxlan tunneling." (tunnelProtocol is "vxlan")`,
            allowed: '"snat" with the vxlan tunnel',
            fix: 'keep loadBalancerMode: "snat" (DSR is rejected for this cluster), or switch the tunnel to geneve first',
          }
        : undefined,
  },
  {
    id: "dsr-tunnel-needs-geneve-dispatch",
    knob: "loadBalancerMode",
    severity: "error",
    summary: "dsr/hybrid in tunnel mode require geneve dispatch",
    source: agentRefuses(`${KPR_INIT}:142-146`),
    check: (k) =>
      usesDsr(k) && k.kubeProxyReplacement && k.routingMode === "tunnel" && k.dsrDispatch !== "geneve"
        ? {
            why: `the agent refuses to start: "Tunnel routing with Node Port ${show(k.loadBalancerMode)} mode requires geneve dispatch." (dsrDispatch is ${show(k.dsrDispatch)})`,
            allowed: '"snat" in tunnel mode, or DSR with dsrDispatch: "geneve"',
            fix: 'keep loadBalancerMode: "snat", or set dsrDispatch: "geneve" with tunnelProtocol: "geneve"',
          }
        : undefined,
  },
  {
    id: "dsr-geneve-dispatch-needs-geneve",
    knob: "dsrDispatch",
    severity: "error",
    summary: '"geneve" with DSR requires the geneve tunnel',
    source: agentRefuses(`${KPR_INIT}:148-153`),
    check: (k) =>
      usesDsr(k) && k.kubeProxyReplacement && k.dsrDispatch === "geneve" && k.tunnelProtocol !== "geneve"
        ? {
            why: `the agent refuses to start: "Node Port ${show(k.loadBalancerMode)} mode with "geneve" dispatch requires geneve tunnel protocol." (tunnelProtocol is ${show(k.tunnelProtocol)})`,
            allowed: '"opt" or "ipip", or "geneve" with tunnelProtocol: "geneve"',
            fix: 'set dsrDispatch: "opt", or tunnelProtocol: "geneve"',
          }
        : undefined,
  },
  {
    id: "dsr-dispatch-unused-with-snat",
    knob: "dsrDispatch",
    severity: "warning",
    summary: "ignored unless DSR is on",
    source: agentFallsBack("pkg/datapath/linux/config/config.go:328-345"),
    check: (k) =>
      k.dsrDispatch !== "opt" && !(usesDsr(k) && k.kubeProxyReplacement)
        ? {
            why: `the agent silently ignores dsrDispatch without DSR: it sets the DSR encapsulation only when loadBalancerMode is "dsr" or "hybrid" with kube-proxy replacement (its BIG TCP check still reads it)`,
            allowed: '"opt" (the default) without DSR',
            fix: 'leave dsrDispatch at "opt" until DSR is adopted',
          }
        : undefined,
  },
  {
    id: "dsr-wireguard-unencrypted",
    knob: "loadBalancerMode",
    severity: "warning",
    summary: "with WireGuard: north-south traffic unencrypted unless geneve dispatch",
    source: docs("warns", ...WIREGUARD_DOCS),
    check: (k) =>
      usesDsr(k) && k.wireguard && k.dsrDispatch !== "geneve"
        ? {
            why: 'the docs warn: with WireGuard, "N/S load balancer traffic isn\'t encrypted when an intermediate node redirects a request to a different node" with DSR in non-geneve dispatch',
            allowed: 'DSR with dsrDispatch: "geneve" when WireGuard is on',
            fix: 'use dsrDispatch: "geneve" with the geneve tunnel',
          }
        : undefined,
  },
  {
    id: "xdp-needs-kpr",
    knob: "loadBalancerAcceleration",
    severity: "error",
    summary: "requires kube-proxy replacement",
    source: agentFallsBack("pkg/datapath/linux/config/config.go:300, 370-372"),
    check: (k) =>
      k.loadBalancerAcceleration !== "disabled" && !k.kubeProxyReplacement
        ? {
            why: `the agent silently ignores ${helmPath("loadBalancerAcceleration")} without kube-proxy replacement: it compiles XDP load-balancer acceleration into the datapath only with it`,
            allowed: '"disabled" while kube-proxy replacement is off',
            fix: "set kubeProxyReplacement: true, or turn this knob off",
          }
        : undefined,
  },
  {
    id: "xdp-best-effort-skips-devices",
    knob: "loadBalancerAcceleration",
    severity: "warning",
    summary: '"best-effort" silently skips devices without XDP',
    source: agentFallsBack("pkg/datapath/loader/base.go:245-251"),
    check: (k) =>
      k.loadBalancerAcceleration === "best-effort"
        ? {
            why: 'the agent silently skips every device whose driver cannot attach its XDP program ("Failed to attach XDP program, ignoring due to best-effort mode", logged at info)',
            allowed:
              '"best-effort", after `cilium-dbg status --verbose` shows XDP on the devices that matter',
            fix: 'check "XDP Acceleration" in `cilium-dbg status --verbose` on every node, or use "native" to fail loudly',
          }
        : undefined,
  },
  {
    id: "xdp-wireguard-unencrypted",
    knob: "loadBalancerAcceleration",
    severity: "warning",
    summary: "with WireGuard: north-south traffic unencrypted",
    source: docs("warns", ...WIREGUARD_DOCS),
    check: (k) =>
      k.loadBalancerAcceleration !== "disabled" && k.wireguard
        ? {
            why: 'the docs warn: with WireGuard, "N/S load balancer traffic isn\'t encrypted when an intermediate node redirects a request to a different node" with XDP acceleration',
            allowed: '"disabled" when north-south traffic between nodes must be encrypted',
            fix: 'keep loadBalancerAcceleration: "disabled", or accept unencrypted forwarded north-south traffic',
          }
        : undefined,
  },
];
