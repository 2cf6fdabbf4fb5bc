// crds/tokenchaosexperiments.yaml and docs/resource.md are generated from the schema description;
// these tests fail when either is stale (fix: node scripts/gen-crd.ts).

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { loadAllYaml } from "@kubernetes/client-node";
import { buildCrd } from "../../../api/v1alpha1/crd.ts";
import { emitYaml } from "../../../scripts/emit-yaml.ts";
import { CRD_FILE, DOC_FILE, renderCrdFile, renderDocFile } from "../../../scripts/gen-crd.ts";

describe("generated files are current", () => {
  test("crds/tokenchaosexperiments.yaml is the generated CRD", () => {
    assert.equal(
      readFileSync(CRD_FILE, "utf8"),
      renderCrdFile(),
      "stale: run node scripts/gen-crd.ts",
    );
  });

  test("docs/resource.md is the generated reference", () => {
    assert.equal(
      readFileSync(DOC_FILE, "utf8"),
      renderDocFile(),
      "stale: run node scripts/gen-crd.ts",
    );
  });

  test("the YAML reads back as exactly the CRD object", () => {
    // Wrapped in a kind the client's deserialiser does not know, so it hands back plain data
    // instead of rewriting a CustomResourceDefinition into its own classes.
    const wrapped = { apiVersion: "wrap.test/v1", kind: "Wrap", body: buildCrd() };
    const [back] = loadAllYaml(emitYaml(wrapped)) as [{ body: unknown }];
    assert.deepEqual(back.body, buildCrd());
  });

  test("the reference documents every field, rule and example", () => {
    const doc = renderDocFile();
    for (const needle of [
      "### `spec.faults[].revoke`",
      "| `afterRequests` | integer |",
      "type revoke needs revoke.afterRequests or revoke.afterSeconds (checked by the API server too)",
      "timeZone must be an IANA time zone such as Europe/Berlin or UTC",
      "[expired-token-under-load.yaml](../examples/expired-token-under-load.yaml)",
      "[idp-jwks-slow.yaml](../examples/idp-jwks-slow.yaml)",
    ]) {
      assert.ok(doc.includes(needle), `missing: ${needle}`);
    }
  });
});

describe("emitYaml", () => {
  test("strings that YAML would read as something else are quoted", () => {
    const value = {
      a: [
        "on",
        "yes",
        "no",
        "null",
        "1.5",
        "0x10",
        "-x",
        "a: b",
        "#c",
        "",
        " lead",
        "trail ",
        "it's",
      ],
      "key: colon": true,
      n: 3,
      nested: [{ x: [], y: {} }, [1, 2]],
    };
    assert.deepEqual(loadAllYaml(emitYaml(value)), [value]);
  });
});
