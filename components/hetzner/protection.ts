/**
 * What guards a stack's stateful resources against deletion (pure). On production: Pulumi's `protect`
 * (the engine refuses any deployment that would delete or replace the resource, `pulumi destroy`
 * included) and Hetzner's own delete protection (the API refuses the delete, whatever tool sends it;
 * servers also get rebuild protection, which the hcloud provider requires to equal delete protection:
 * `rebuildProtection` "Needs to be the same as `deleteProtection`", @pulumi/hcloud 1.41.0 server.d.ts).
 * Every stack's servers are shut down gracefully before deletion (`shutdownBeforeDeletion`), so a
 * removed node stops its kubelet and etcd member cleanly instead of losing power.
 */
import type { Settings } from "../config/spec";

/** The guards of one stack. */
export interface Protection {
  /** Pulumi `protect` on the stateful resources. */
  readonly protect: boolean;
  /** Hetzner delete (and, on servers, rebuild) protection. */
  readonly deleteProtection: boolean;
}

/** Production is protected; other stacks can be destroyed and rebuilt freely. */
export function protectionOf(settings: Pick<Settings, "production">): Protection {
  return { protect: settings.production, deleteProtection: settings.production };
}

/** The server inputs that protect a server: Hetzner protection, and a graceful shutdown on delete. */
export function serverProtection(p: Protection) {
  return {
    deleteProtection: p.deleteProtection,
    rebuildProtection: p.deleteProtection,
    shutdownBeforeDeletion: true,
  } as const;
}
