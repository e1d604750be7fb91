/**
 * `npm run generate`: rewrites Pulumi.yaml and the README's tables from the catalogue. It takes no
 * arguments (an argument is refused with the usage, exit 2); the files are the repository's own, so it
 * writes them in the package root whatever directory it was run from.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseCli, runCli } from "./cli";
import { generatedFiles } from "./generated";

const USAGE = "usage: npm run generate";

/** The file's text, or "" when it does not exist yet. */
function current(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}

/** Writes every generated file that is not up to date; prints one line per file. */
export async function main(argv: readonly string[], root = resolve(__dirname, "..")): Promise<number> {
  parseCli(argv, {}, USAGE);
  for (const [path, content] of Object.entries(generatedFiles(root))) {
    const file = join(root, path);
    if (current(file) === content) console.log(`${path}: up to date`);
    else {
      writeFileSync(file, content);
      console.log(`${path}: written`);
    }
  }
  return Promise.resolve(0);
}

if (require.main === module) runCli("generate", () => main(process.argv.slice(2)));
