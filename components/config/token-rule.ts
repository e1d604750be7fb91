/**
 * The Hetzner token never sits in a stack file in plain text (pure). Secrets are `secure:` values or
 * environment variables (architecture.md, "Config"); a plain `hcloud:token` would be committed to git
 * with the stack file and printed by `pulumi config`. The value itself is never part of a message.
 */
import { sentence, type Problem } from "../core/define";

/** The hcloud provider's config key of the token (and the cloud controller's source of it). */
export const TOKEN_CONFIG_KEY = "hcloud:token";

/** The hcloud provider's environment variable of the token. */
export const TOKEN_ENV = "HCLOUD_TOKEN";

/** How the stack's config holds the token: whether it is set at all, and whether as a secret. */
export interface TokenConfig {
  readonly set: boolean;
  readonly secret: boolean;
}

/** The problem of a plain-text `hcloud:token`, or none. */
export function plaintextTokenProblem(token: TokenConfig): Problem | undefined {
  if (!token.set || token.secret) return undefined;
  return {
    key: TOKEN_CONFIG_KEY,
    // The subject names the key, not its value: the value is the secret.
    message: sentence(
      `${TOKEN_CONFIG_KEY} is set in plain text in the stack's config (its value is not shown)`,
      {
        why: "anyone who can read the stack file or `pulumi config` has the project's API token",
        allowed: `a secure: value (\`pulumi config set --secret ${TOKEN_CONFIG_KEY} <token>\`) or the ${TOKEN_ENV} environment variable`,
        fix: `\`pulumi config rm ${TOKEN_CONFIG_KEY}\`, rotate the token in the Hetzner Cloud console (it has been in plain text), then set the new one as a secret or export ${TOKEN_ENV}`,
      },
    ),
  };
}
