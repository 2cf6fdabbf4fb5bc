import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Condition } from "../../../api/v1alpha1/types.ts";
import {
  conditionTime,
  desiredConditions,
  mergeConditions,
} from "../../../operator/controllers/conditions.ts";
import type { PhaseResult } from "../../../operator/controllers/derive-phase.ts";

const T0 = Date.parse("2026-06-01T12:00:00.700Z");
const running: PhaseResult = {
  phase: "Running",
  reason: "WindowOpen",
  message: "open",
  inPlan: true,
};
const invalid: PhaseResult = {
  phase: "Invalid",
  reason: "InvalidSpec",
  message: "x: bad",
  inPlan: false,
};

function byType(cs: Condition[]): Record<string, Condition> {
  return Object.fromEntries(cs.map((c) => [c.type, c]));
}

describe("conditions", () => {
  it("derives Ready/Running/Invalid/Aborted/Paused from the phase", () => {
    const c = byType(mergeConditions(undefined, desiredConditions(running), T0, 3));
    assert.equal(c.Ready?.status, "True");
    assert.equal(c.Running?.status, "True");
    assert.equal(c.Invalid?.status, "False");
    assert.equal(c.Aborted?.status, "False");
    assert.equal(c.Paused?.status, "False");
    assert.equal(c.Running?.observedGeneration, 3);
    const i = byType(mergeConditions(undefined, desiredConditions(invalid), T0, 3));
    assert.equal(i.Ready?.status, "False");
    assert.equal(i.Invalid?.status, "True");
    assert.equal(i.Invalid?.message, "x: bad");
  });

  it("moves lastTransitionTime only when a status changes", () => {
    const first = mergeConditions(undefined, desiredConditions(running), T0, 1);
    const later = T0 + 60_000;
    const same = mergeConditions(
      first,
      desiredConditions({ ...running, message: "other" }),
      later,
      2,
    );
    for (const c of same) assert.equal(c.lastTransitionTime, conditionTime(T0), c.type);
    assert.equal(byType(same).Running?.observedGeneration, 2);
    assert.equal(byType(same).Running?.message, "other");
    const flipped = byType(mergeConditions(first, desiredConditions(invalid), later, 2));
    assert.equal(flipped.Running?.lastTransitionTime, conditionTime(later));
    assert.equal(flipped.Invalid?.lastTransitionTime, conditionTime(later));
    assert.equal(flipped.Aborted?.lastTransitionTime, conditionTime(T0));
  });

  it("keeps conditions owned by others", () => {
    const foreign: Condition = {
      type: "example.com/Approved",
      status: "True",
      lastTransitionTime: "2026-01-01T00:00:00Z",
      reason: "Approved",
      message: "",
    };
    const out = mergeConditions([foreign], desiredConditions(running), T0, 1);
    assert.deepEqual(out.at(-1), foreign);
    assert.equal(out.length, 6);
  });

  it("formats metav1.Time with second precision", () => {
    assert.equal(conditionTime(T0), "2026-06-01T12:00:00Z");
  });
});
