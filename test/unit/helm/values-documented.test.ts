// values.yaml is the chart's reference: every value the chart defines carries a comment right
// above it, and values.yaml and values.schema.json describe the same keys. (Kubernetes-native
// blocks such as resources, probes and security contexts are documented as a block.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

const CHART = new URL("../../../charts/token-chaos/", import.meta.url);
const valuesText = readFileSync(new URL("values.yaml", CHART), "utf8");

/** Blocks whose inner keys are Kubernetes API fields, documented by the block's comment. */
const NATIVE_BLOCKS = new Set([
  "resources",
  "livenessProbe",
  "readinessProbe",
  "podSecurityContext",
  "containerSecurityContext",
  "selector",
  "labels",
]);

interface KeyLine {
  path: string;
  line: number;
  commented: boolean;
  native: boolean;
}

/** The mapping keys of values.yaml with their dotted paths (list items are example data). */
function keyLines(text: string): KeyLine[] {
  const out: KeyLine[] = [];
  const stack: Array<{ indent: number; key: string }> = [];
  const lines = text.split("\n");
  let inList = -1;
  for (const [i, raw] of lines.entries()) {
    if (raw.trim() === "" || raw.trim().startsWith("#")) continue;
    const indent = raw.length - raw.trimStart().length;
    if (inList >= 0 && indent > inList) continue;
    inList = -1;
    if (raw.trimStart().startsWith("- ")) {
      inList = indent;
      continue;
    }
    const m = /^(\s*)([A-Za-z0-9_.-]+):/.exec(raw);
    if (m === null) continue;
    while (stack.length > 0 && (stack.at(-1)?.indent ?? 0) >= indent) stack.pop();
    const key = m[2] as string;
    const native = stack.some((s) => NATIVE_BLOCKS.has(s.key));
    let j = i - 1;
    while (j >= 0 && (lines[j] ?? "").trim() === "") j--;
    const commented = (lines[j] ?? "").trim().startsWith("#");
    out.push({ path: [...stack.map((s) => s.key), key].join("."), line: i + 1, commented, native });
    stack.push({ indent, key });
  }
  return out;
}

interface SchemaNode {
  type?: string | string[];
  description?: string;
  properties?: Record<string, SchemaNode>;
}

function schemaPaths(node: SchemaNode, prefix: string, out: Set<string>): void {
  for (const [k, child] of Object.entries(node.properties ?? {})) {
    const path = prefix === "" ? k : `${prefix}.${k}`;
    out.add(path);
    schemaPaths(child, path, out);
  }
}

describe("values.yaml", () => {
  const keys = keyLines(valuesText);

  it("has a comment above every value the chart defines", () => {
    assert.ok(keys.length > 100, `only ${keys.length} keys found`);
    const undocumented = keys.filter((k) => !k.native && !k.commented);
    assert.deepEqual(
      undocumented.map((k) => `${k.path} (line ${k.line})`),
      [],
      "values without a comment right above them",
    );
  });

  it("describes the same keys as values.schema.json", () => {
    const schema = JSON.parse(
      readFileSync(new URL("values.schema.json", CHART), "utf8"),
    ) as SchemaNode;
    const inSchema = new Set<string>();
    schemaPaths(schema, "", inSchema);
    const missingFromSchema = keys
      .filter((k) => !k.native && !inSchema.has(k.path))
      .map((k) => k.path);
    assert.deepEqual(missingFromSchema, [], "values.yaml keys the schema does not know");
    const chartKeys = new Set(keys.map((k) => k.path));
    const unusedInSchema = [...inSchema].filter((p) => {
      const inNative = p.split(".").some((seg) => NATIVE_BLOCKS.has(seg));
      // `global` is Helm's, for parent charts; the schema allows it, values.yaml need not set it.
      return !chartKeys.has(p) && !inNative && p !== "global";
    });
    assert.deepEqual(unusedInSchema, [], "schema properties missing from values.yaml");
  });

  it("gives every schema property a description", () => {
    const schema = JSON.parse(
      readFileSync(new URL("values.schema.json", CHART), "utf8"),
    ) as SchemaNode;
    const missing: string[] = [];
    const walk = (node: SchemaNode, path: string) => {
      for (const [k, child] of Object.entries(node.properties ?? {})) {
        const p = path === "" ? k : `${path}.${k}`;
        if (child.description === undefined || child.description.length < 5) missing.push(p);
        walk(child, p);
      }
    };
    walk(schema, "");
    assert.deepEqual(missing, []);
  });
});
