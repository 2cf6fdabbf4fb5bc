import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseMetricsText,
  parseSampleLine,
  sumInjections,
} from "../../../operator/injections/injection-counts.ts";
import { parseInstantQuery, parseVector } from "../../../operator/prometheus/instant-query.ts";

describe("Prometheus instant query results", () => {
  it("reads vector and scalar values, dropping NaN", () => {
    assert.deepEqual(
      parseInstantQuery({
        status: "success",
        data: {
          resultType: "vector",
          result: [
            { metric: { a: "1" }, value: [1, "0.25"] },
            { metric: {}, value: [1, "NaN"] },
          ],
        },
      }),
      { ok: true, values: [0.25] },
    );
    assert.deepEqual(
      parseInstantQuery({ status: "success", data: { resultType: "scalar", result: [1, "7"] } }),
      {
        ok: true,
        values: [7],
      },
    );
  });

  it("reports errors", () => {
    const r = parseInstantQuery({ status: "error", errorType: "bad_data", error: "parse error" });
    assert.deepEqual(r, { ok: false, error: "parse error" });
    assert.equal(parseInstantQuery("x").ok, false);
    assert.equal(
      parseInstantQuery({ status: "success", data: { resultType: "matrix", result: [] } }).ok,
      false,
    );
  });

  it("keeps labels of vector samples", () => {
    const v = parseVector({
      status: "success",
      data: {
        resultType: "vector",
        result: [{ metric: { experiment: "shop/a", fault: "expire" }, value: [1, "3"] }],
      },
    });
    assert.deepEqual(v, [{ labels: { experiment: "shop/a", fault: "expire" }, value: 3 }]);
  });
});

describe("injection counts", () => {
  const text = [
    "# HELP token_chaos_injections_total Injections",
    "# TYPE token_chaos_injections_total counter",
    'token_chaos_injections_total{experiment="shop/a",namespace="shop",fault="expire",outcome="injected"} 10',
    'token_chaos_injections_total{experiment="shop/a",namespace="shop",fault="revoke",outcome="injected"} 2',
    'token_chaos_injections_total{experiment="shop/a",namespace="shop",fault="expire",outcome="dryRun"} 4',
    'token_chaos_injections_total{experiment="b",namespace="pay",fault="strip",outcome="skipped"} 1',
    'token_chaos_checks_total{outcome="allow"} 99',
    "token_chaos_injections_total_created 123",
  ].join("\n");

  it("parses samples with escaped label values", () => {
    const s = parseSampleLine('m{a="x\\"y",b="1\\\\2"} 3 1700000000');
    assert.deepEqual(s, { name: "m", sample: { labels: { a: 'x"y', b: "1\\2" }, value: 3 } });
  });

  it("sums by experiment and fault across replicas", () => {
    const samples = [...parseMetricsText(text), ...parseMetricsText(text)];
    const sums = sumInjections(samples);
    assert.deepEqual(sums.get("shop/a"), {
      total: 24,
      byFault: { expire: 20, revoke: 4 },
      dryRun: 8,
    });
    assert.deepEqual(sums.get("pay/b"), { total: 0, byFault: {}, skipped: 2 });
    assert.equal(sums.size, 2);
  });
});
