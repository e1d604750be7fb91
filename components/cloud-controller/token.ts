/**
 * The Hetzner Cloud token, from where the hcloud provider itself reads it: the `hcloud:token` config
 * (secret), else the HCLOUD_TOKEN environment variable. The I/O edge of the cloud controller.
 */
import * as pulumi from "@pulumi/pulumi";
import { TOKEN_CONFIG_KEY, TOKEN_ENV } from "../config/token-rule";

/** The token as a secret; throws before any resource is declared when neither source has one. */
export function hcloudToken(env: NodeJS.ProcessEnv = process.env): pulumi.Output<string> {
  const configured = new pulumi.Config("hcloud").getSecret("token");
  if (configured !== undefined) return configured;
  const fromEnv = env[TOKEN_ENV];
  if (fromEnv) return pulumi.secret(fromEnv);
  throw new pulumi.RunError(
    `The Hetzner Cloud token is missing; nothing was created or changed. The cloud-controller-manager needs it in the cluster (Secret "hcloud"). ` +
      `Set it as a secret, \`pulumi config set --secret ${TOKEN_CONFIG_KEY} <token>\`, or export ${TOKEN_ENV}.`,
  );
}
