import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TokenChaosExperiment } from "../../../api/v1alpha1/types.ts";
import type { PhaseResult } from "../../../operator/controllers/derive-phase.ts";
import { desiredStatus } from "../../../operator/controllers/desired-status.ts";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const W = { start: NOW - 60_000, end: NOW + 540_000 };

function exp(over: Partial<TokenChaosExperiment["spec"]> = {}): TokenChaosExperiment {
  return {
    apiVersion: "chaos.tokenchaos.dev/v1alpha1",
    kind: "TokenChaosExperiment",
    metadata: { name: "x", namespace: "shop", uid: "u", generation: 4 },
    spec: {
      target: { hosts: ["a.shop.svc.cluster.local"] },
      faults: [{ type: "expire", percent: 25 }],
      schedule: { duration: "10m" },
      ...over,
    },
  };
}

const running: PhaseResult = {
  phase: "Running",
  reason: "WindowOpen",
  message: "open",
  inPlan: true,
  currentWindow: W,
};

describe("desiredStatus", () => {
  it("reports the current window only while injecting, and the generation it describes", () => {
    const s = desiredStatus({ obj: exp(), existing: undefined, result: running, nowMs: NOW });
    assert.equal(s.phase, "Running");
    assert.equal(s.observedGeneration, 4);
    assert.deepEqual(s.currentWindow, {
      start: new Date(W.start).toISOString(),
      end: new Date(W.end).toISOString(),
    });
    assert.equal(s.faultSummary, "expire");
    const pending = desiredStatus({
      obj: exp(),
      existing: undefined,
      result: { ...running, phase: "Pending", reason: "AwaitingPlan" },
      nowMs: NOW,
    });
    assert.equal(pending.currentWindow, undefined);
    assert.equal(
      pending.nextWindow?.start,
      new Date(W.start).toISOString(),
      "the window it waits for",
    );
  });

  it("starts measuring recovery when injection stops early (pause, halt, abort)", () => {
    const obj = exp({ steadyState: { prometheus: { query: "q", below: 1 } } });
    const before = desiredStatus({ obj, existing: undefined, result: running, nowMs: NOW });
    const paused = desiredStatus({
      obj,
      existing: before,
      result: { phase: "Paused", reason: "SpecPaused", message: "paused", inPlan: false },
      nowMs: NOW + 5000,
    });
    assert.deepEqual(paused.recovery, {
      state: "Measuring",
      measuredAt: new Date(NOW + 5000).toISOString(),
    });
    assert.equal(paused.currentWindow, undefined);
  });

  it("keeps injection counts when no fresh ones came, and bounds the message", () => {
    const existing = { injections: { total: 7, byFault: { expire: 7 } } };
    const s = desiredStatus({
      obj: exp(),
      existing,
      result: { ...running, message: "x".repeat(5000) },
      nowMs: NOW,
    });
    assert.deepEqual(s.injections, existing.injections);
    assert.equal(s.message.length, 1024);
    assert.equal(s.conditions.find((c) => c.type === "Running")?.message.length, 5000);
  });
});
