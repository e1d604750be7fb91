/**
 * A control plane's etcd membership, as a command whose delete takes the node out of etcd before its
 * server is deleted. So a control plane can be replaced on its own (`pulumi up --replace <its server's
 * URN>`) or removed, without leaving a dead member behind: a dead member counts against etcd's quorum,
 * and a replacement with the same private address cannot join while the old member holds its peer URL.
 *
 * Why the delete runs first. The command's trigger is the server's ID, so a replacement of the server
 * replaces the command too; the server is `deleteBeforeReplace`, and Pulumi then deletes the dependents
 * that a replacement would replace before the server itself, in reverse dependency order (pulumi/pulumi
 * pkg/resource/deploy/step_generator.go, calculateDependentReplacements). A removed control plane's
 * command depends on its server, so it is deleted before the server as well.
 *
 * What the delete runs (Talos v1.13 "Scale down a Talos cluster": `talosctl reset` leaves etcd before
 * wiping; talosctl v1.13.9 cmd/talosctl/cmd/talos/etcd.go: `etcd leave` on the node itself, and
 * `etcd remove-member <member ID>` only "if there is no access to the node", as a fallback): read the
 * members from another control plane; nothing to do when the node is no member, or the only one (a
 * one-control-plane stack being destroyed); otherwise `etcd leave` on the node, else `etcd remove-member`
 * through the other control plane; then check that it is gone. When no other control plane answers,
 * there is no quorum left to protect: the script says so and lets the deletion go on (a destroy of a
 * broken stack must not stall on it). The create does nothing: a new control plane joins etcd itself.
 */
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { NO_OP_UPDATE, SHELL, talosctlPrelude } from "./scripts";

/** The variables of the script's environment. */
export const ETCD_MEMBER_ENV = [
  "NODE_NAME",
  "NODE_ADDRESS",
  "OTHER_ADDRESSES",
  "TALOSCONFIG_CONTENT",
] as const;

/** The create: nothing (Talos control planes join etcd on their own). */
export const ETCD_MEMBER_CREATE = ": 'a control plane joins etcd by itself: nothing to do'";

/**
 * The delete: takes `NODE_NAME` out of etcd before its server goes (see the module comment), after the
 * talosctl scripts' common head (`talosctlPrelude`: talosctl present, the talosconfig in a private file).
 */
export function etcdLeaveScript(talosctlVersion: string): string {
  return `${talosctlPrelude(talosctlVersion)}member_id() {
  printf '%s\\n' "$1" | awk -v host="$NODE_NAME" 'NR > 1 { for (i = 2; i <= NF; i++) if ($i == host) { print $(i - 1); exit } }'
}
if [ -z "$OTHER_ADDRESSES" ]; then
  echo "$NODE_NAME is the only control plane: etcd keeps its only member until the server goes"
  exit 0
fi
via=""
members=""
for address in $OTHER_ADDRESSES; do
  if members=$(on "$address" etcd members 2>/dev/null); then
    via=$address
    break
  fi
done
if [ -z "$via" ]; then
  echo "warning: no other control plane answered (\${OTHER_ADDRESSES}): etcd has no quorum left to protect; $NODE_NAME was not taken out of etcd (if it comes back, remove it: talosctl -n <control plane> etcd remove-member <ID>)" >&2
  exit 0
fi
id=$(member_id "$members")
if [ -z "$id" ]; then
  echo "$NODE_NAME is not an etcd member (seen from $via): nothing to do"
  exit 0
fi
if on "$NODE_ADDRESS" etcd leave; then
  echo "$NODE_NAME left etcd"
else
  echo "$NODE_NAME did not answer etcd leave: removing member $id through $via"
  on "$via" etcd remove-member "$id"
fi
members=$(on "$via" etcd members)
if [ -n "$(member_id "$members")" ]; then
  echo "$NODE_NAME is still an etcd member after leaving: stop, and see talosctl -n $via etcd members" >&2
  exit 1
fi
`;
}

/** One control plane, as `TalosNodes` gives it. */
export interface EtcdMemberNode {
  readonly name: string;
  readonly publicAddress: pulumi.Input<string>;
  readonly serverId: pulumi.Input<number>;
}

/** Arguments of {@link EtcdMembers}. */
export interface EtcdMembersArgs {
  /** The control planes, in plan order. @default none, required */
  readonly controlPlanes: readonly EtcdMemberNode[];
  /** A talosconfig with the admin credentials (secret; `TalosCluster.controlPlaneTalosconfig`). @default none, required */
  readonly talosconfig: pulumi.Input<string>;
  /** The talosctl minor the scripts ask for in their message, e.g. `v1.13.x`. @default none, required */
  readonly talosctl: string;
}

/** One etcd-membership command per control plane (see the module comment). */
export class EtcdMembers extends pulumi.ComponentResource {
  /** The commands, in plan order. */
  declare readonly members: readonly command.local.Command[];

  constructor(name: string, args: EtcdMembersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("hcloud-talos-cilium:upgrades:EtcdMembers", name, {}, opts);
    const talosconfig = pulumi.secret(args.talosconfig);
    this.members = args.controlPlanes.map((node) => {
      const others = args.controlPlanes.filter((n) => n !== node).map((n) => n.publicAddress);
      return new command.local.Command(
        `${name}-${node.name}`,
        {
          interpreter: [...SHELL],
          create: ETCD_MEMBER_CREATE,
          update: NO_OP_UPDATE,
          delete: etcdLeaveScript(args.talosctl),
          environment: {
            NODE_NAME: node.name,
            NODE_ADDRESS: node.publicAddress,
            OTHER_ADDRESSES: pulumi.all(others).apply((a) => a.join(" ")),
            TALOSCONFIG_CONTENT: talosconfig,
          },
          // A new server (a replacement) replaces the command: its delete runs before the old server's.
          triggers: [node.serverId],
        },
        { parent: this },
      );
    });
    this.registerOutputs({});
  }
}
