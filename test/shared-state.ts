/**
 * State that a test file builds once (in `beforeAll`, or on first use) and several tests read: a
 * program or component run, a script run. Tests in a file run in order and files share each worker's
 * modules (vitest.config.mts, `isolate: false`), so such state is frozen: a test that changed it would
 * throw instead of passing its change on to the next test.
 */

/** Freezes `value` and every object reachable from it (plain data: records, inputs, script runs). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}

/** `make` run once, on first use; every later call gets what it returned (for a promise, the same promise). */
export function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}
