// YAML to plain JSON values, exactly as written. The client library's loadYaml turns documents
// of known kinds into its typed models, which rename wire fields (`from` -> `_from`,
// `x-kubernetes-*` -> camelCase) and carry class prototypes; tests that compare manifests want
// the wire form. Wrapping the text under a kind the library does not know keeps it untouched.

import { loadYaml } from "@kubernetes/client-node";

/** One YAML document as plain data. */
export function parseYaml(text: string): unknown {
  const wrapped = `apiVersion: raw.tokenchaos.dev/v1\nkind: Raw\ndoc:\n${text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n")}\n`;
  const obj = JSON.parse(JSON.stringify(loadYaml<unknown>(wrapped))) as { doc?: unknown };
  return obj.doc ?? null;
}

/** A multi-document stream as plain data, empty documents dropped. */
export function parseYamlStream(text: string): unknown[] {
  return text
    .split(/^---[ \t]*$/m)
    .map((doc) => parseYaml(doc))
    .filter((d) => d !== null && d !== undefined);
}
