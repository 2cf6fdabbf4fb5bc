// A guard breach, evaluated by a real Prometheus, removes the experiment from the plan within
// 1 s of the breach (its `for` included in the breach), marks it Aborted until its spec
// changes, and the steady state afterwards gives the recovery time.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  condition,
  createExperiment,
  example,
  getExperiment,
  operatorNamespaces,
  patchExperiment,
  planEntry,
  readPlan,
  startTestOperator,
  waitFor,
  waitForPhase,
} from "./harness.ts";
import {
  type Gauges,
  type RunningPrometheus,
  startGaugeEndpoint,
  startPrometheus,
} from "./prometheus.ts";

const METRIC = "checkout_error_ratio";
const FOR_MS = 1000;

describe("operator: guard and recovery with a real Prometheus", () => {
  let ns = "";
  let opNs = "";
  let gauges: Gauges;
  let prom: RunningPrometheus;

  before(async () => {
    gauges = await startGaugeEndpoint();
    gauges.set(METRIC, 0);
    prom = await startPrometheus(gauges.port);
    await waitFor(
      "Prometheus to scrape the gauge",
      async () => ((await prom.value(METRIC)) === 0 ? true : undefined),
      15_000,
      100,
    );
    ({ ns, opNs } = await operatorNamespaces("op-guard"));
    await startTestOperator({
      namespace: ns,
      operatorNamespace: opNs,
      prometheusUrl: prom.url,
      timing: { guardIntervalMs: 200, recoveryIntervalMs: 200 },
    });
  });

  it("a breach held for `for` aborts the experiment and removes it from the plan within 1 s", async () => {
    const obj = example("expired-token-under-load.yaml", ns, "guarded");
    obj.spec.guard = { prometheus: { query: METRIC, above: 0.5, for: `${FOR_MS}ms` } };
    obj.spec.steadyState = { prometheus: { query: METRIC, below: 0.1 }, timeout: "1m" };
    await createExperiment(obj);
    const id = `${ns}/guarded`;
    await waitFor("plan entry", async () => planEntry(await readPlan(opNs), id), 1000);
    await waitForPhase(ns, "guarded", "Running", 1000);

    gauges.set(METRIC, 0.9);
    // The breach begins when Prometheus sees the value, and is a breach once held for `for`.
    await waitFor(
      "Prometheus to see the breach",
      async () => ((await prom.value(METRIC)) === 0.9 ? true : undefined),
      5000,
      20,
    );
    const breachAt = performance.now();
    const removed = await waitFor(
      "removal from the plan",
      async () => {
        const p = await readPlan(opNs);
        return p !== undefined && planEntry(p, id) === undefined ? p : undefined;
      },
      FOR_MS + 2000,
    );
    const afterBreachMs = performance.now() - breachAt - FOR_MS;
    console.log(
      `guard: removed from the plan ${afterBreachMs.toFixed(0)} ms after the breach (for ${FOR_MS} ms, excluded)`,
    );
    assert.ok(afterBreachMs < 1000, `removed ${afterBreachMs.toFixed(0)} ms after the breach`);
    assert.ok(removed.value.experiments.every((e) => e.id !== id));

    const aborted = await waitForPhase(ns, "guarded", "Aborted", 1000);
    const c = condition(aborted.value, "Aborted");
    assert.equal(c?.status, "True");
    assert.equal(c?.reason, "GuardBreached");
    assert.match(c?.message ?? "", new RegExp(`${METRIC} = 0.9 \\(above 0.5\\)`));
  });

  it("stays Aborted when the metric recovers, and measures the recovery time", async () => {
    gauges.set(METRIC, 0.05);
    const recovered = await waitFor(
      "recovery measured",
      async () => {
        const o = await getExperiment(ns, "guarded");
        return o?.status?.recovery?.state === "Recovered" ? o : undefined;
      },
      10_000,
      100,
    );
    const r = recovered.value.status?.recovery;
    console.log(`recovery: ${r?.seconds} s`);
    assert.ok(typeof r?.seconds === "number" && r.seconds > 0 && r.seconds < 10, JSON.stringify(r));
    assert.equal(
      recovered.value.status?.phase,
      "Aborted",
      "a recovered metric does not resume an aborted experiment",
    );
    assert.equal(planEntry(await readPlan(opNs), `${ns}/guarded`), undefined);
  });

  it("a spec change (new generation) lets an aborted experiment run again", async () => {
    await patchExperiment(ns, "guarded", {
      spec: { faults: [{ type: "expire", percent: 10, at: "edge" }] },
    });
    await waitFor(
      "back in the plan",
      async () => planEntry(await readPlan(opNs), `${ns}/guarded`),
      1000,
    );
    const o = await waitForPhase(ns, "guarded", "Running", 1000);
    assert.equal(condition(o.value, "Aborted")?.status, "False");
    assert.equal(o.value.status?.observedGeneration, 2);
  });
});
