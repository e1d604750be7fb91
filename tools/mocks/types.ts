import * as pulumi from "@pulumi/pulumi";

const SIG_KEY = pulumi.runtime.specialSigKey;
const SECRET_SIG = pulumi.runtime.specialSecretSig;

/** A resource's or invoke's state in the mock engine. */
export type State = Record<string, unknown>;

/** Computes the provider-side outputs of a resource (or an invoke's result, with name ""). */
export type Outputs = (name: string, inputs: State, id: string) => State;

/**
 * A secret as the engine sends it on the wire: what a provider returns for a sensitive value, and
 * what the SDK turns back into a secret output. Mocks return this rather than `pulumi.secret(...)`,
 * an output the engine would have to await; a value that already is one is returned as it is.
 */
export function wireSecret(value: unknown): { [key: string]: unknown; value: unknown } {
  if (isWireSecret(value)) return value;
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** Whether a value is a wire secret (see `wireSecret`). */
export function isWireSecret(value: unknown): value is { [key: string]: unknown; value: unknown } {
  return typeof value === "object" && value !== null && (value as State)[SIG_KEY] === SECRET_SIG;
}

/** Removes the wire secret wrappers, recursively: the plain value a provider computes from. */
export function unwrapSecrets(value: unknown): unknown {
  if (isWireSecret(value)) return unwrapSecrets(value.value);
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

/** Whether a value holds a wire secret anywhere inside it. */
export function holdsSecret(value: unknown): boolean {
  if (isWireSecret(value)) return true;
  if (Array.isArray(value)) return value.some(holdsSecret);
  if (typeof value === "object" && value !== null) return Object.values(value).some(holdsSecret);
  return false;
}
