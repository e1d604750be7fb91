/**
 * The program's log in the offline tools (the plan, the cost estimate): captured while the program runs
 * under the mock engine, then printed once, saying what happened offline.
 */
import { format } from "node:util";
import { SERVER_TYPES_ASKED, SNAPSHOT_SOURCE } from "../components/hetzner/server-type-lookup";

/** What the program printed through the SDK's log while `run` ran, and how `run` ended. */
export interface Logged<T> {
  readonly lines: readonly string[];
  readonly result?: T;
  readonly error?: unknown;
}

/**
 * Runs `run` with the console captured. Without an engine the SDK's log writes to the console (info
 * with console.log, warnings with console.warn, errors with console.error: @pulumi/pulumi 3.270.0
 * log/index.js:60-97), so the plan can print each line once, after the run.
 */
export async function withSdkLog<T>(run: () => Promise<T>): Promise<Logged<T>> {
  const lines: string[] = [];
  const saved = { log: console.log, warn: console.warn, error: console.error };
  const collect = (...args: unknown[]) => void lines.push(format(...args));
  Object.assign(console, { log: collect, warn: collect, error: collect });
  try {
    return { lines, result: await run() };
  } catch (error) {
    return { lines, error };
  } finally {
    Object.assign(console, saved);
  }
}

/**
 * The lines as an offline tool prints them: each once; a failed run's errors left to its failure
 * (printed once, unwrapped: tools/cli.ts); and the server-type line saying that the offline snapshot
 * answered, for the mock engine stands in for the hcloud provider's getServerType.
 */
export function offlineLog(lines: readonly string[], succeeded: boolean): string[] {
  const asked = `info: [runtime] ${SERVER_TYPES_ASKED}: `;
  const shown = lines
    .filter((l) => succeeded || !l.startsWith("error: [runtime] "))
    .map((l) =>
      l.startsWith(asked)
        ? `info: Server types from ${SNAPSHOT_SOURCE.description}: ${l.slice(asked.length)}`
        : l,
    );
  return [...new Set(shown)];
}
