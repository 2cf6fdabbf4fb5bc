// The invalid-manifest table: test/fixtures/invalid/*.yaml (rejected by the API server and by
// validateExperiment) and test/fixtures/invalid-offline/*.yaml (only validateExperiment can tell).
// Each file's header comments say what it breaks and which message names the problem.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadAllYaml } from "@kubernetes/client-node";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface InvalidFixture {
  file: string;
  /** Absolute path of the file. */
  absPath: string;
  text: string;
  doc: unknown;
  rule: string;
  /** Field path validateExperiment reports. */
  path: string;
  /** Fragment of validateExperiment's message. */
  expect: string;
  /** Fragment of the API server's message (defaults to expect). */
  server: string;
  /** Field path in the API server's message (defaults to path). */
  serverPath: string;
}

function header(text: string, key: string): string | undefined {
  const m = new RegExp(`^# ${key}: (.*)$`, "m").exec(text);
  return m?.[1]?.trim();
}

export function loadInvalidFixtures(folder: "invalid" | "invalid-offline"): InvalidFixture[] {
  const dir = join(REPO_ROOT, "test", "fixtures", folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((file) => {
      const absPath = join(dir, file);
      const text = readFileSync(absPath, "utf8");
      const rule = header(text, "rule");
      const path = header(text, "path");
      const expect = header(text, "expect");
      if (rule === undefined || path === undefined || expect === undefined) {
        throw new Error(`${file}: needs # rule:, # path: and # expect: header lines`);
      }
      const docs = loadAllYaml(text);
      if (docs.length !== 1) throw new Error(`${file}: must hold exactly one document`);
      return {
        file,
        absPath,
        text,
        doc: docs[0],
        rule,
        path,
        expect,
        server: header(text, "server") ?? expect,
        serverPath: header(text, "server-path") ?? path,
      };
    });
}

/** Top-level examples/*.yaml (subfolders hold deployment material, not experiments). */
export function exampleFiles(): string[] {
  const dir = join(REPO_ROOT, "examples");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => join(dir, f));
}
