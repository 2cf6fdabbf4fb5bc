import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { measuringSince, nextRecovery } from "../../../operator/safety/recovery.ts";
import { crosses, holds, sustain } from "../../../operator/safety/threshold.ts";

describe("thresholds", () => {
  it("crosses when any sample is beyond the bound; holds when all are within", () => {
    assert.equal(crosses([0.01, 0.2], { above: 0.05 }), true);
    assert.equal(crosses([0.01], { above: 0.05 }), false);
    assert.equal(crosses([], { above: 0.05 }), false);
    assert.equal(crosses([3], { below: 5 }), true);
    assert.equal(holds([0.001, 0.002], { below: 0.01 }), true);
    assert.equal(holds([0.001, 0.02], { below: 0.01 }), false);
    assert.equal(holds([], { below: 0.01 }), false);
  });

  it("a breach needs the crossing to last for `for`, uninterrupted", () => {
    let s = sustain({}, true, 1000, 3000);
    assert.equal(s.sustained, false);
    s = sustain(s.state, true, 3000, 3000);
    assert.equal(s.sustained, false);
    const broken = sustain(s.state, false, 3500, 3000);
    assert.deepEqual(broken.state, {});
    s = sustain(s.state, true, 4000, 3000);
    assert.equal(s.sustained, true);
    assert.equal(sustain({}, true, 10, 0).sustained, true, "for: 0s breaches at once");
  });

  it("a failed query neither starts, breaks nor completes a run", () => {
    const started = sustain({}, true, 0, 1000).state;
    const failed = sustain(started, undefined, 5000, 1000);
    assert.equal(failed.sustained, false);
    assert.deepEqual(failed.state, started);
    assert.deepEqual(sustain({}, undefined, 0, 0).state, {});
  });
});

describe("recovery", () => {
  const end = Date.parse("2026-06-01T12:10:00Z");

  it("starts measuring when injection stops, from the moment it stopped", () => {
    const r = nextRecovery({
      hasSteadyState: true,
      previousWindowEndMs: end,
      windowOpen: false,
      nowMs: end + 5,
    });
    assert.deepEqual(r, { state: "Measuring", measuredAt: "2026-06-01T12:10:00.000Z" });
    assert.equal(measuringSince(r), end);
  });

  it("records the seconds until the steady state held", () => {
    const r = nextRecovery({
      hasSteadyState: true,
      previous: { state: "Measuring", measuredAt: new Date(end).toISOString() },
      windowOpen: false,
      nowMs: end + 60_000,
      observation: { kind: "recovered", atMs: end + 42_500 },
    });
    assert.equal(r?.state, "Recovered");
    assert.equal(r?.seconds, 42.5);
  });

  it("times out, keeps results across later reconciles, and is absent without steadyState", () => {
    const prev = { state: "Measuring" as const, measuredAt: new Date(end).toISOString() };
    const t = nextRecovery({
      hasSteadyState: true,
      previous: prev,
      windowOpen: false,
      nowMs: end,
      observation: { kind: "timedOut", atMs: end + 600_000 },
    });
    assert.equal(t?.state, "TimedOut");
    assert.equal(t?.seconds, undefined);
    const kept = { state: "Recovered" as const, seconds: 3, measuredAt: "x" };
    assert.deepEqual(
      nextRecovery({ hasSteadyState: true, previous: kept, windowOpen: true, nowMs: end }),
      kept,
    );
    assert.equal(
      nextRecovery({ hasSteadyState: false, previous: kept, windowOpen: false, nowMs: end }),
      undefined,
    );
  });
});
