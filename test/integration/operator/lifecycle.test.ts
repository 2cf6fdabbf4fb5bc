// An experiment's life through the real API server: apply, edit, pause, delete, a scheduled
// window opening and closing on time, and specs that cannot be honoured. Every change must
// reach the published plan within 1 s.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  condition,
  createExperiment,
  deleteExperiment,
  eventsFor,
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

const WITHIN_MS = 1000;

describe("operator: experiment lifecycle", () => {
  let ns = "";
  let opNs = "";

  before(async () => {
    ({ ns, opNs } = await operatorNamespaces("op-life"));
    await startTestOperator({ namespace: ns, operatorNamespace: opNs });
  });

  it("applying an example gives Running, its conditions and a plan entry within 1 s", async () => {
    const obj = example("missing-token.yaml", ns);
    const id = `${ns}/missing-token`;
    const t0 = performance.now();
    await createExperiment(obj);
    const entry = await waitFor(
      "plan entry",
      async () => planEntry(await readPlan(opNs), id),
      WITHIN_MS,
    );
    const running = await waitForPhase(
      ns,
      "missing-token",
      "Running",
      WITHIN_MS - (performance.now() - t0),
    );
    const tookMs = performance.now() - t0;
    console.log(
      `apply -> plan entry ${entry.ms.toFixed(0)} ms, -> phase Running ${tookMs.toFixed(0)} ms`,
    );

    const e = entry.value;
    assert.equal(e.generation, 1);
    assert.equal(e.faults[0]?.type, "strip");
    assert.equal(e.faults[0]?.percent, 25);
    assert.equal(e.windows.length, 1);
    assert.equal((e.windows[0]?.end ?? 0) - (e.windows[0]?.start ?? 0), 5 * 60_000);

    const o = running.value;
    assert.equal(o.status?.observedGeneration, 1);
    for (const [type, status] of [
      ["Ready", "True"],
      ["Running", "True"],
      ["Invalid", "False"],
      ["Aborted", "False"],
      ["Paused", "False"],
    ] as const) {
      const c = condition(o, type);
      assert.equal(c?.status, status, `${type}: ${JSON.stringify(c)}`);
      assert.equal(c?.observedGeneration, 1);
      assert.match(c?.lastTransitionTime ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    assert.equal(o.status?.faultSummary, "strip@upstream");
    assert.equal(o.status?.percentSummary, "25%");
    assert.equal(Date.parse(o.status?.currentWindow?.end ?? ""), e.windows[0]?.end);

    const ev = await waitFor(
      "a Running event",
      async () => (await eventsFor(ns, "missing-token")).find((x) => x.reason === "Running"),
      5000,
      100,
    );
    assert.equal(ev.value.type, "Normal");
    assert.equal(ev.value.reportingController, "tokenchaos.dev/operator");
    assert.equal(ev.value.regarding?.uid, o.metadata.uid);
  });

  it("editing the spec updates the plan entry within 1 s", async () => {
    const id = `${ns}/missing-token`;
    const t0 = performance.now();
    await patchExperiment(ns, "missing-token", {
      spec: { faults: [{ type: "strip", at: "upstream", percent: 60 }] },
    });
    const { ms } = await waitFor(
      "edited plan entry",
      async () => {
        const e = planEntry(await readPlan(opNs), id);
        return e?.generation === 2 && e.faults[0]?.percent === 60 ? e : undefined;
      },
      WITHIN_MS,
    );
    console.log(`edit -> plan ${ms.toFixed(0)} ms`);
    const o = await waitFor(
      "status of generation 2",
      async () => {
        const x = await getExperiment(ns, "missing-token");
        return x?.status?.observedGeneration === 2 ? x : undefined;
      },
      WITHIN_MS - (performance.now() - t0),
    );
    assert.equal(o.value.status?.percentSummary, "60%");
    assert.equal(condition(o.value, "Ready")?.observedGeneration, 2);
  });

  it("pausing removes the experiment from the plan within 1 s; unpausing brings it back", async () => {
    const id = `${ns}/missing-token`;
    await patchExperiment(ns, "missing-token", { spec: { paused: true } });
    const removed = await waitFor(
      "removal from the plan",
      async () => {
        const p = await readPlan(opNs);
        return p !== undefined && planEntry(p, id) === undefined ? p : undefined;
      },
      WITHIN_MS,
    );
    console.log(`pause -> removed from plan ${removed.ms.toFixed(0)} ms`);
    const paused = await waitForPhase(ns, "missing-token", "Paused", WITHIN_MS);
    assert.equal(condition(paused.value, "Paused")?.status, "True");
    assert.equal(condition(paused.value, "Paused")?.reason, "SpecPaused");
    assert.equal(condition(paused.value, "Running")?.status, "False");
    assert.equal(paused.value.status?.currentWindow, undefined);

    await patchExperiment(ns, "missing-token", { spec: { paused: false } });
    await waitFor("back in the plan", async () => planEntry(await readPlan(opNs), id), WITHIN_MS);
    await waitForPhase(ns, "missing-token", "Running", WITHIN_MS);

    // The same transition again within the dedup period: one Event whose series counts both.
    await patchExperiment(ns, "missing-token", { spec: { paused: true } });
    const series = await waitFor(
      "a Paused event with series.count 2",
      async () =>
        (await eventsFor(ns, "missing-token")).find(
          (x) => x.reason === "Paused" && (x.series?.count ?? 1) >= 2,
        ),
      5000,
      100,
    );
    assert.equal(
      (await eventsFor(ns, "missing-token")).filter((x) => x.reason === "Paused").length,
      1,
    );
    assert.match(String(series.value.series?.lastObservedTime), /\d{2}:\d{2}:\d{2}/);
    await patchExperiment(ns, "missing-token", { spec: { paused: false } });
    await waitFor("back in the plan", async () => planEntry(await readPlan(opNs), id), WITHIN_MS);
    await waitForPhase(ns, "missing-token", "Running", WITHIN_MS);
  });

  it("deleting removes the experiment from the plan within 1 s", async () => {
    const id = `${ns}/missing-token`;
    const versionBefore = (await readPlan(opNs))?.version ?? 0;
    await deleteExperiment(ns, "missing-token");
    const { value, ms } = await waitFor(
      "removal from the plan",
      async () => {
        const p = await readPlan(opNs);
        return p !== undefined && planEntry(p, id) === undefined ? p : undefined;
      },
      WITHIN_MS,
    );
    console.log(`delete -> removed from plan ${ms.toFixed(0)} ms`);
    assert.ok(value.version > versionBefore, "versions only grow");
  });

  it("a scheduled window opens and closes on time: Scheduled, Running, Completed", async () => {
    const obj = example("missing-token.yaml", ns, "scheduled");
    const start = Date.now() + 2500;
    obj.spec.schedule = { startAt: new Date(start).toISOString(), duration: "2s" };
    await createExperiment(obj);
    const id = `${ns}/scheduled`;
    const entry = await waitFor(
      "plan entry",
      async () => planEntry(await readPlan(opNs), id),
      WITHIN_MS,
    );
    assert.deepEqual(entry.value.windows, [{ start, end: start + 2000 }]);
    const scheduled = await waitForPhase(ns, "scheduled", "Scheduled", WITHIN_MS);
    assert.equal(Date.parse(scheduled.value.status?.nextWindow?.start ?? ""), start);

    await waitForPhase(ns, "scheduled", "Running", start - Date.now() + 1000);
    const lateMs = Date.now() - start;
    console.log(`window start -> status Running observed ${lateMs} ms after the edge`);
    assert.ok(lateMs < 500, `Running observed ${lateMs} ms after the window opened`);

    const removed = await waitFor(
      "removal after the window",
      async () => {
        const p = await readPlan(opNs);
        return p !== undefined && planEntry(p, id) === undefined ? p : undefined;
      },
      start + 2000 - Date.now() + 1000,
    );
    assert.ok(
      removed.value.generatedAt >= start + 2000,
      "removed by a plan compiled after the end",
    );
    const done = await waitForPhase(ns, "scheduled", "Completed", WITHIN_MS);
    assert.equal(done.value.status?.currentWindow, undefined);
    assert.equal(condition(done.value, "Running")?.status, "False");
  });

  it("a host in another namespace makes the experiment Invalid with a clear message", async () => {
    const obj = example("missing-token.yaml", ns, "cross-namespace");
    obj.spec.target.hosts = ["cart.payments.svc.cluster.local"];
    await createExperiment(obj);
    const invalid = await waitForPhase(ns, "cross-namespace", "Invalid", WITHIN_MS);
    const c = condition(invalid.value, "Invalid");
    assert.equal(c?.status, "True");
    assert.match(
      c?.message ?? "",
      /spec\.target\.hosts\[0\].*namespace "payments".*--allow-cross-namespace/,
    );
    assert.equal(condition(invalid.value, "Ready")?.status, "False");
    assert.equal(planEntry(await readPlan(opNs), `${ns}/cross-namespace`), undefined);
    const ev = await waitFor(
      "an Invalid warning",
      async () => (await eventsFor(ns, "cross-namespace")).find((x) => x.reason === "Invalid"),
      5000,
      100,
    );
    assert.equal(ev.value.type, "Warning");
  });

  it("claims matchers on an identity-provider fault are Invalid: those requests carry no JWT", async () => {
    const obj = example("idp-token-endpoint-outage.yaml", ns, "idp-claims");
    obj.spec.target.claims = [{ name: "client_id", exact: "mobile-app" }];
    obj.spec.target.hosts = [`idp.${ns}.svc.cluster.local`];
    await createExperiment(obj);
    const invalid = await waitForPhase(ns, "idp-claims", "Invalid", WITHIN_MS);
    assert.match(
      invalid.value.status?.message ?? "",
      /spec\.faults\[0\]\.type.*no Bearer JWT.*claims/,
    );
    assert.equal(planEntry(await readPlan(opNs), `${ns}/idp-claims`), undefined);
  });
});
