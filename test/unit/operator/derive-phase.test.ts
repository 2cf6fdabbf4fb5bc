import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { derivePhase, type PhaseInput } from "../../../operator/controllers/derive-phase.ts";
import { windowPosition } from "../../../operator/controllers/windows.ts";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const min = 60_000;

function input(over: Partial<PhaseInput>): PhaseInput {
  return {
    nowMs: NOW,
    problems: [],
    windows: [{ start: NOW - min, end: NOW + 9 * min }],
    paused: false,
    halted: false,
    published: true,
    ...over,
  };
}

describe("derivePhase", () => {
  it("is Running inside a published window, requeued at the window's end", () => {
    const r = derivePhase(input({}));
    assert.equal(r.phase, "Running");
    assert.equal(r.inPlan, true);
    assert.equal(r.nextEdgeMs, NOW + 9 * min);
    assert.deepEqual(r.currentWindow, { start: NOW - min, end: NOW + 9 * min });
  });

  it("is Scheduled before the first window, requeued exactly at its start", () => {
    const w = { start: NOW + 5 * min, end: NOW + 15 * min };
    const r = derivePhase(input({ windows: [w] }));
    assert.equal(r.phase, "Scheduled");
    assert.equal(r.inPlan, true);
    assert.equal(r.nextEdgeMs, w.start);
    assert.deepEqual(r.nextWindow, w);
    assert.match(r.message, /2026-06-01T12:05:00.000Z/);
  });

  it("is Pending while the plan does not carry it yet, but stays in the plan", () => {
    const r = derivePhase(input({ published: false }));
    assert.equal(r.phase, "Pending");
    assert.equal(r.inPlan, true);
  });

  it("is Completed once no window is left, and leaves the plan", () => {
    const r = derivePhase(input({ windows: [{ start: NOW - 10 * min, end: NOW }] }));
    assert.equal(r.phase, "Completed");
    assert.equal(r.inPlan, false);
    assert.equal(r.nextEdgeMs, undefined);
  });

  it("is Paused by spec.paused or the global halt, out of the plan", () => {
    const p = derivePhase(input({ paused: true }));
    assert.equal(p.phase, "Paused");
    assert.equal(p.reason, "SpecPaused");
    assert.equal(p.inPlan, false);
    const h = derivePhase(input({ halted: true }));
    assert.equal(h.phase, "Paused");
    assert.equal(h.reason, "GlobalHalt");
    assert.equal(h.inPlan, false);
  });

  it("ranks Invalid over Aborted over halt over pause", () => {
    const all = {
      problems: [{ path: "spec.faults[0]", message: "bad" }],
      aborted: { reason: "GuardBreached", message: "too many errors" },
      halted: true,
      paused: true,
    };
    assert.equal(derivePhase(input(all)).phase, "Invalid");
    assert.equal(derivePhase(input({ ...all, problems: [] })).phase, "Aborted");
    assert.equal(
      derivePhase(input({ ...all, problems: [], aborted: undefined })).reason,
      "GlobalHalt",
    );
  });

  it("writes problems with their paths into the Invalid message", () => {
    const r = derivePhase(
      input({
        problems: [
          { path: "spec.target.hosts[0]", message: "reaches into namespace other" },
          { path: "spec.schedule.duration", message: "too long" },
        ],
      }),
    );
    assert.equal(
      r.message,
      "spec.target.hosts[0]: reaches into namespace other; spec.schedule.duration: too long",
    );
    assert.equal(r.inPlan, false);
  });

  it("never puts a deleting object in the plan", () => {
    assert.equal(derivePhase(input({ deleting: true })).inPlan, false);
  });
});

describe("windowPosition", () => {
  it("finds the current window, the next one and the nearest edge", () => {
    const ws = [
      { start: NOW - 2 * min, end: NOW - min },
      { start: NOW - min, end: NOW + min },
      { start: NOW + 3 * min, end: NOW + 4 * min },
    ];
    const p = windowPosition(ws, NOW);
    assert.deepEqual(p.current, ws[1]);
    assert.deepEqual(p.next, ws[2]);
    assert.equal(p.nextEdgeMs, NOW + min);
  });

  it("treats end as exclusive and start as inclusive", () => {
    const w = { start: NOW, end: NOW + min };
    assert.deepEqual(windowPosition([w], NOW).current, w);
    assert.equal(windowPosition([w], NOW + min).current, undefined);
  });
});
