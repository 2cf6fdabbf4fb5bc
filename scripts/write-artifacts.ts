// Shared by the generator scripts: write each artifact, or with --check report stale ones.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Artifact } from "../monitoring/artifacts.ts";

const ROOT = join(import.meta.dirname, "..");

export function writeArtifacts(artifacts: Artifact[], argv: string[]): number {
  const check = argv.includes("--check");
  let stale = 0;
  for (const a of artifacts) {
    const file = join(ROOT, a.path);
    const text = a.render();
    if (check) {
      let current = "";
      try {
        current = readFileSync(file, "utf8");
      } catch {
        // missing counts as stale
      }
      if (current !== text) {
        process.stderr.write(`${a.path} is out of date: run node ${a.generator}\n`);
        stale++;
      }
    } else {
      writeFileSync(file, text);
      process.stdout.write(`wrote ${a.path}\n`);
    }
  }
  return stale === 0 ? 0 : 1;
}
