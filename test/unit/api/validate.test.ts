import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { describe, test } from "node:test";
import { loadAllYaml } from "@kubernetes/client-node";
import { formatProblem, validateExperiment } from "../../../api/v1alpha1/validate.ts";
import { exampleFiles, loadInvalidFixtures } from "../../support/invalid-fixtures.ts";

const invalid = loadInvalidFixtures("invalid");
const offlineOnly = loadInvalidFixtures("invalid-offline");

describe("validateExperiment: invalid manifests, one per rule", () => {
  test("the table has at least 25 rules, each its own", () => {
    assert.ok(invalid.length >= 25, `only ${invalid.length} invalid fixtures`);
    const rules = new Set(invalid.map((f) => f.rule));
    assert.equal(rules.size, invalid.length, "two fixtures claim the same rule");
  });

  for (const f of [...invalid, ...offlineOnly]) {
    test(`${f.file}: ${f.rule}`, () => {
      const problems = validateExperiment(f.doc);
      const printed = problems.map(formatProblem);
      assert.ok(
        problems.some((p) => p.path === f.path && p.message.includes(f.expect)),
        `expected "${f.path}: ...${f.expect}...", got:\n  ${printed.join("\n  ") || "(no problem)"}`,
      );
    });
  }
});

describe("validateExperiment: examples", () => {
  const files = exampleFiles();
  test("there is one example per seed scenario and identity-provider fault", () => {
    const names = files.map((f) => basename(f));
    for (const expected of [
      "expired-token-under-load.yaml",
      "revoked-mid-transaction.yaml",
      "scope-limited-endpoint.yaml",
      "payload-tampered.yaml",
      "rotated-key-stale-cache.yaml",
      "slow-validation.yaml",
      "missing-token.yaml",
      "invalid-signature.yaml",
      "malformed-bearer.yaml",
      "mismatched-scope.yaml",
      "auth-service-failing.yaml",
      "idp-token-endpoint-outage.yaml",
      "idp-introspection-inactive.yaml",
      "idp-stale-jwks.yaml",
      "idp-jwks-slow.yaml",
    ]) {
      assert.ok(names.includes(expected), `examples/${expected} is missing`);
    }
  });

  for (const file of files) {
    test(`${basename(file)} is valid and says what it tests`, () => {
      const text = readFileSync(file, "utf8");
      assert.match(text, /^# .+/, "starts with a summary comment");
      assert.match(text, /What it tests:/);
      assert.match(text, /A healthy system:/);
      const docs = loadAllYaml(text);
      assert.equal(docs.length, 1);
      assert.deepEqual(validateExperiment(docs[0]).map(formatProblem), []);
    });
  }

  test("examples target distinct host and path pairs, so they can run together", () => {
    const seen = new Map<string, string>();
    for (const file of files) {
      const doc = loadAllYaml(readFileSync(file, "utf8"))[0] as {
        spec: { target: { hosts?: string[]; paths?: Record<string, string>[] } };
      };
      for (const host of doc.spec.target.hosts ?? []) {
        for (const p of doc.spec.target.paths ?? []) {
          const key = `${host} ${JSON.stringify(p)}`;
          assert.equal(seen.get(key), undefined, `${basename(file)} repeats ${key}`);
          seen.set(key, basename(file));
        }
      }
    }
  });
});

describe("validateExperiment: structure", () => {
  const valid = () => ({
    apiVersion: "chaos.tokenchaos.dev/v1alpha1",
    kind: "TokenChaosExperiment",
    metadata: { name: "x", namespace: "shop" },
    spec: {
      target: { hosts: ["a.shop"] },
      faults: [{ type: "expire" }],
      schedule: { duration: "10m" },
    },
  });

  test("a minimal experiment is valid", () => {
    assert.deepEqual(validateExperiment(valid()), []);
  });

  test("never throws, whatever it is given", () => {
    for (const v of [null, undefined, 1, "x", [], { spec: 1 }, { spec: { faults: "x" } }]) {
      assert.ok(validateExperiment(v).length > 0);
    }
  });

  test("wrong apiVersion, kind and name are reported", () => {
    const o = { ...valid(), apiVersion: "v1", kind: "Pod", metadata: { name: "Bad_Name" } };
    const paths = validateExperiment(o).map((p) => p.path);
    assert.deepEqual(paths.sort(), ["apiVersion", "kind", "metadata.name"]);
  });

  test("null fields count as absent, as on the API server", () => {
    const o = valid();
    (o.spec as Record<string, unknown>).guard = null;
    assert.deepEqual(validateExperiment(o), []);
  });

  test("cross-field rules are not evaluated on a node with structural problems", () => {
    const o = valid();
    o.spec.faults = [{ type: "revoke", revoke: { afterRequests: "three" } } as never];
    const problems = validateExperiment(o);
    assert.deepEqual(problems.map(formatProblem), [
      "spec.faults[0].revoke.afterRequests: must be an integer",
    ]);
  });

  test("the tamper value may be any JSON", () => {
    const o = valid();
    o.spec.faults = [
      {
        type: "tamper",
        tamper: {
          claims: [
            { name: "aud", value: ["a", { b: 1 }] },
            { name: "x", remove: true },
          ],
        },
      } as never,
    ];
    assert.deepEqual(validateExperiment(o), []);
  });

  test("a status is checked too", () => {
    const o = { ...valid(), status: { phase: "Exploded", injections: { total: -1 } } };
    const printed = validateExperiment(o).map(formatProblem);
    assert.ok(printed.some((p) => p.startsWith("status.phase: must be one of")));
    assert.ok(printed.includes("status.injections.total: must be at least 0"));
  });

  test("30 February is not a date, even though Date.parse accepts it", () => {
    const o = valid();
    (o.spec.schedule as Record<string, unknown>).startAt = "2026-02-30T10:00:00Z";
    assert.deepEqual(validateExperiment(o).map(formatProblem), [
      "spec.schedule.startAt: must be an RFC 3339 time such as 2026-12-01T10:00:00Z",
    ]);
  });

  test("a stale JWKS must be a key set; a stale discovery document any JSON object", () => {
    const doc = '{"issuer": "https://idp.shop", "jwks_uri": "https://idp.shop/certs"}';
    const stale = (type: "jwks" | "discovery", staleKeys: string) => {
      const o = valid();
      o.spec.faults = [{ type, [type]: { behaviour: "stale", staleKeys } } as never];
      return validateExperiment(o).map(formatProblem);
    };
    assert.deepEqual(stale("discovery", doc), []);
    assert.deepEqual(stale("jwks", '{"keys": []}'), []);
    assert.deepEqual(stale("jwks", doc), [
      "spec.faults[0].jwks.staleKeys: staleKeys must be a JSON key set: an object with a keys list",
    ]);
    assert.deepEqual(stale("discovery", "[1]"), [
      "spec.faults[0].discovery.staleKeys: staleKeys must be a JSON object (the discovery document served)",
    ]);
  });

  test("lengths count characters, not UTF-16 units", () => {
    const o = valid();
    o.spec.target = {
      hosts: ["a.shop"],
      headers: [{ name: "x", exact: "😀".repeat(253) }],
    } as never;
    assert.deepEqual(validateExperiment(o), []);
  });
});
