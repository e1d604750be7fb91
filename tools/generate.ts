/** `npm run generate`: rewrites Pulumi.yaml and the README's tables from the catalogue. */
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generatedFiles } from "./generated";

const root = resolve(__dirname, "..");
for (const [path, content] of Object.entries(generatedFiles(root))) {
  const file = join(root, path);
  const before = (() => {
    try {
      return readFileSync(file, "utf8");
    } catch {
      return "";
    }
  })();
  if (before === content) console.log(`${path}: up to date`);
  else {
    writeFileSync(file, content);
    console.log(`${path}: written`);
  }
}
