import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodePlan, encodePlan } from "../../../api/plan/codec.ts";
import { type CompiledPlan, PLAN_FORMAT } from "../../../api/plan/types.ts";
import {
  decideWrite,
  nextVersion,
  onlyRemovals,
  PLAN_REFRESH_MARGIN_MS,
  PLAN_VALIDITY_MS,
  publishDelay,
} from "../../../operator/plan/publish-decision.ts";

const NOW = 1_780_000_000_000;

function plan(over: Partial<CompiledPlan> = {}): CompiledPlan {
  return {
    format: PLAN_FORMAT,
    version: NOW,
    generatedAt: NOW,
    validUntil: NOW + PLAN_VALIDITY_MS,
    halted: false,
    experiments: [
      {
        id: "shop/a",
        namespace: "shop",
        name: "a",
        mode: "enforce",
        sticky: true,
        target: { hosts: ["checkout.shop.svc.cluster.local"] },
        faults: [{ type: "expire", percent: 25 }],
        windows: [{ start: NOW, end: NOW + 600_000 }],
      },
    ],
    ...over,
  };
}

describe("nextVersion", () => {
  it("never goes backwards, even when the clock does", () => {
    assert.equal(nextVersion(undefined, NOW), NOW);
    assert.equal(nextVersion(NOW - 5, NOW), NOW);
    assert.equal(nextVersion(NOW + 1000, NOW), NOW + 1001, "a previous leader with a faster clock");
    let v = 0;
    for (const t of [NOW, NOW, NOW - 10_000, NOW + 1]) {
      const n = nextVersion(v, t);
      assert.ok(n > v);
      v = n;
    }
  });
});

describe("decideWrite", () => {
  it("writes the first plan and any change the data plane would see", () => {
    assert.deepEqual(decideWrite(undefined, plan(), NOW), { write: true, reason: "first" });
    assert.deepEqual(decideWrite(plan(), plan({ halted: true, experiments: [] }), NOW), {
      write: true,
      reason: "changed",
    });
    const edited = plan();
    (edited.experiments[0] as { faults: unknown[] }).faults = [{ type: "expire", percent: 50 }];
    assert.equal(decideWrite(plan(), edited, NOW).write, true);
  });

  it("does not write when only version and timestamps differ", () => {
    const d = decideWrite(plan(), plan({ version: NOW + 5, generatedAt: NOW + 5 }), NOW + 5);
    assert.equal(d.write, false);
    assert.equal(!d.write && d.refreshAtMs, NOW + PLAN_VALIDITY_MS - PLAN_REFRESH_MARGIN_MS);
  });

  it("refreshes validUntil before it lapses while experiments remain", () => {
    const at = NOW + PLAN_VALIDITY_MS - PLAN_REFRESH_MARGIN_MS;
    assert.deepEqual(decideWrite(plan(), plan(), at), { write: true, reason: "refresh" });
    const empty = plan({ experiments: [] });
    assert.equal(decideWrite(empty, empty, at + PLAN_VALIDITY_MS).write, false);
  });
});

describe("publishDelay", () => {
  it("debounces after the last request but is bounded after the first", () => {
    assert.equal(publishDelay(0, 0, 0, 5, 50), 5);
    assert.equal(publishDelay(0, 30, 30, 5, 50), 5);
    assert.equal(publishDelay(0, 48, 48, 5, 50), 2);
    assert.equal(publishDelay(0, 100, 100, 5, 50), 0);
  });
});

describe("plan codec", () => {
  it("round-trips and keeps 1,000 experiments far below the 1 MiB object limit", () => {
    const one = plan().experiments[0];
    assert.ok(one !== undefined);
    const big = plan({
      experiments: Array.from({ length: 1000 }, (_, i) => ({
        ...one,
        id: `ns-${i % 50}/exp-${i}`,
        name: `exp-${i}`,
        namespace: `ns-${i % 50}`,
        uid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      })),
    });
    const encoded = encodePlan(big);
    assert.deepEqual(decodePlan(encoded), big);
    assert.ok(encoded.length < 200_000, `${encoded.length} bytes`);
  });

  it("rejects what is not a plan", () => {
    assert.throws(() => decodePlan(Buffer.from("nope").toString("base64")));
  });
});

describe("onlyRemovals", () => {
  const last = new Map([
    ["a/x", "u1/1"],
    ["a/y", "u2/3"],
  ]);

  it("allows filtering the last compiled plan when experiments only went away", () => {
    assert.equal(onlyRemovals(last, new Map([["a/x", "u1/1"]]), 5000, 1000), true);
    assert.equal(onlyRemovals(last, new Map(), 5000, 1000), true);
  });

  it("needs a full compile for an addition, an edit, a recreation or a passed window edge", () => {
    assert.equal(onlyRemovals(last, new Map([["a/z", "u3/1"]]), 5000, 1000), false);
    assert.equal(onlyRemovals(last, new Map([["a/y", "u2/4"]]), 5000, 1000), false);
    assert.equal(onlyRemovals(last, new Map([["a/x", "u9/1"]]), 5000, 1000), false);
    assert.equal(onlyRemovals(last, new Map([["a/x", "u1/1"]]), 5000, 5000), false);
    assert.equal(onlyRemovals(undefined, new Map(), 5000, 1000), false);
  });
});
