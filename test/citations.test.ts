/**
 * Citations of one upstream fact say the same thing everywhere. The Terraform provider under
 * `@pulumiverse/talos` 0.8.1 is terraform-provider-talos v0.11.0 (pulumiverse/pulumi-talos v0.8.1,
 * commit 1b5d252, provider/go.mod line 12: `github.com/siderolabs/terraform-provider-talos v0.11.0`);
 * change-facts.ts owns the name, and every file that cites the provider by version must name that one.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { TALOS_TERRAFORM_PROVIDER } from "../components/config/change-facts";
import { PROVIDER_VERSION } from "../components/talos/provider/constants";

const ROOT = join(__dirname, "..");
const SEARCHED = ["README.md", "docs", "components", "tools", "test", ".github"];
const TEXT = /\.(ts|md|ya?ml|sh)$/;

/** Every text file below the searched paths (fixtures are upstream's, not ours). */
function files(path: string): string[] {
  if (statSync(path).isFile()) return TEXT.test(path) ? [path] : [];
  if (path.endsWith("fixtures")) return [];
  return readdirSync(path).flatMap((name) => files(join(path, name)));
}

/** Each versioned citation of the provider in `text`, as written. */
function providerCitations(text: string): string[] {
  return [...text.matchAll(/terraform-provider-talos v\d+\.\d+\.\d+/g)].map((m) => m[0]);
}

describe("the Terraform provider under @pulumiverse/talos", () => {
  it("is the one pulumi-talos 0.8.1 bridges, and the binding is that release", () => {
    expect(TALOS_TERRAFORM_PROVIDER).toBe("terraform-provider-talos v0.11.0");
    expect(PROVIDER_VERSION).toBe("0.8.1");
  });

  it("finds a citation that names another version (the check can fail)", () => {
    // Spelled in two parts, so that this file does not cite the wrong version itself.
    const wrong = "terraform-provider-talos " + "v0.8.1";
    const planted = `the provider (${wrong} pkg/talos/x.go:1)`;
    expect(providerCitations(planted).filter((c) => c !== TALOS_TERRAFORM_PROVIDER)).toEqual([wrong]);
  });

  it("is cited with that version in every file", () => {
    const cited = SEARCHED.flatMap((p) => files(join(ROOT, p))).flatMap((f) =>
      providerCitations(readFileSync(f, "utf8")).map((c) => ({ file: relative(ROOT, f), c })),
    );
    expect(cited.length).toBeGreaterThan(3);
    expect(cited.filter(({ c }) => c !== TALOS_TERRAFORM_PROVIDER)).toEqual([]);
  });
});
