/**
 * The hcloud cloud-controller-manager: its release inputs (pure, `release.ts`), the token from the
 * stack's secret config or HCLOUD_TOKEN (`token.ts`), and the component (Secret + release).
 */
export { CloudControllerManager, type CloudControllerManagerArgs } from "./component";
export {
  CCM_CHART,
  CCM_HISTORY,
  CCM_NAMESPACE,
  CCM_REPO,
  CCM_SECRET,
  CCM_TIMEOUT_SECONDS,
  ccmReleaseArgs,
  ccmValues,
} from "./release";
export { hcloudToken } from "./token";
export { TOKEN_CONFIG_KEY, TOKEN_ENV } from "../config/token-rule";
