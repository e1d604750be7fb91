/** A resource's or invoke's state in the mock engine. */
export type State = Record<string, unknown>;

/** Computes the provider-side outputs of a resource (or an invoke's result, with name ""). */
export type Outputs = (name: string, inputs: State, id: string) => State;
