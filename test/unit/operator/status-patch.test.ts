import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TokenChaosExperimentStatus } from "../../../api/v1alpha1/types.ts";
import {
  mergePatchValue,
  type OwnedStatus,
  statusPatch,
} from "../../../operator/controllers/status-patch.ts";

const base: OwnedStatus = {
  phase: "Running",
  observedGeneration: 2,
  message: "open",
  conditions: [],
  currentWindow: { start: "2026-01-01T00:00:00.000Z", end: "2026-01-01T00:10:00.000Z" },
  injections: { total: 5, byFault: { expire: 5 } },
  faultSummary: "expire",
  percentSummary: "25%",
};

describe("statusPatch", () => {
  it("is undefined when the owned fields already match (no write, no watch event)", () => {
    const existing = {
      ...structuredClone(base),
      someoneElse: { x: 1 },
    } as TokenChaosExperimentStatus;
    assert.equal(statusPatch(existing, base), undefined);
  });

  it("sends only changed owned fields, and null for owned fields that went away", () => {
    const want: OwnedStatus = { ...base, phase: "Completed", message: "done" };
    delete want.currentWindow;
    const p = statusPatch(structuredClone(base), want);
    assert.deepEqual(p, { status: { phase: "Completed", message: "done", currentWindow: null } });
  });

  it("never mentions fields it does not own", () => {
    const existing = { ...structuredClone(base), custom: "keep" } as TokenChaosExperimentStatus;
    const p = statusPatch(existing, { ...base, phase: "Paused" });
    assert.ok(p !== undefined);
    assert.equal("custom" in p.status, false);
  });

  it("nulls nested keys that disappeared, since merge patches merge objects", () => {
    const want: OwnedStatus = { ...base, injections: { total: 7, byFault: { revoke: 7 } } };
    const p = statusPatch(structuredClone(base), want);
    assert.deepEqual(p, {
      status: { injections: { total: 7, byFault: { expire: null, revoke: 7 } } },
    });
  });

  it("replaces arrays whole", () => {
    assert.deepEqual(mergePatchValue([1, 2], [3]), [3]);
    assert.deepEqual(mergePatchValue({ a: 1, b: 2 }, { a: 1 }), { b: null });
  });
});
