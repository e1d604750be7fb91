/**
 * Day-2 upgrades: the supported version changes (pure, `path.ts`), the rolling order (pure,
 * `plan.ts`), the scripts (pure, `scripts.ts`), the health gate after a config apply (pure,
 * `gate.ts`), what the last deployment ran (`deployed.ts`, a StackReference to the stack itself) and
 * the component of `talosctl` commands.
 */
export { TalosUpgrades, type TalosUpgradesArgs } from "./component";
export {
  checkedNodeChanges,
  checkedUpgradePath,
  DEPLOYED_OUTPUTS,
  deployedFootprint,
  deployedVersions,
  FOOTPRINT_OUTPUT,
  selfReference,
  selfReferenceName,
} from "./deployed";
export { talosUpgradePath, upgradeProblems, type DeployedVersions } from "./path";
export {
  gateEnvironment,
  gateReboots,
  GATE_CREATE,
  GATE_ENV,
  gateUpdateScript,
  providerApplyMode,
  REBOOT_TIMEOUT,
  ROLLED_MARK,
  type ApplyMode,
  type GateNode,
} from "./gate";
export { healthTargets, planUpgrades, type UpgradeNode, type UpgradePlan } from "./plan";
export {
  DEFAULT_SCHEMATIC_ID,
  DRAIN_TIMEOUT,
  HEALTH_CHECK,
  HEALTH_TIMEOUT,
  KUBERNETES_STEP_ENV,
  kubectlDrain,
  kubectlRange,
  kubernetesUpgradeScript,
  NO_OP_UPDATE,
  SHELL,
  TALOS_STEP_ENV,
  talosctlPrelude,
  talosctlRange,
  talosHealthArgs,
  talosStepEnvironment,
  talosUpgradeScript,
  type HealthTargets,
  type TalosTarget,
} from "./scripts";
