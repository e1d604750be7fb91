/**
 * Mock outputs of the day-2 resources: the `talosctl` commands (which print nothing offline) and the
 * stack's reference to itself, which reads what the "last deployment" exported. Offline there was no
 * last deployment unless a test says so with {@link setLastDeployment}: a first deployment by default.
 */
import type { Outputs, State } from "./types";

let lastDeployment: State = {};

/** Makes the stack's self-reference read these outputs, as if a deployment had exported them. */
export function setLastDeployment(outputs: State): void {
  lastDeployment = { ...outputs };
}

/** Back to a stack that was never deployed. */
export function clearLastDeployment(): void {
  lastDeployment = {};
}

/** Day-2 type tokens → computed outputs. */
export const COMMAND_OUTPUTS: Readonly<Record<string, Outputs>> = {
  "command:local:Command": () => ({ stdout: "", stderr: "" }),
  "pulumi:pulumi:StackReference": () => ({ outputs: { ...lastDeployment }, secretOutputNames: [] }),
};
