import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type CompiledPlan, PLAN_FORMAT, type PlanExperiment } from "../../../api/plan/types.ts";
import * as engine from "../../../authz-server/engine/engine.ts";
import { PlanState } from "../../../authz-server/plan-state.ts";

function experiment(id: string, start: number, end: number): PlanExperiment {
  const [namespace = "", name = ""] = id.split("/");
  return {
    id,
    namespace,
    name,
    mode: "enforce",
    sticky: false,
    target: { hosts: ["a.test"] },
    faults: [{ type: "deny", percent: 100, at: "edge", deny: { status: 418 } }],
    windows: [{ start, end }],
  };
}

function plan(version: number, extra: Partial<CompiledPlan> = {}): CompiledPlan {
  return {
    format: PLAN_FORMAT,
    version,
    generatedAt: 1000,
    halted: false,
    experiments: [experiment("ns/a", 0, 10_000), experiment("ns/b", 5000, 6000)],
    ...extra,
  };
}

const attrs = { method: "GET", host: "a.test", path: "/", headers: {} };

describe("PlanState", () => {
  it("starts empty and not ready", () => {
    const s = new PlanState(engine);
    assert.equal(s.ready, false);
    assert.equal(s.version(), 0);
    assert.equal(s.generatedAt(), undefined);
    assert.equal(s.effective(1).experiments.length, 0);
  });

  it("applies newer plans only", () => {
    const s = new PlanState(engine);
    assert.equal(s.offer(plan(2)), "applied");
    assert.equal(s.ready, true);
    assert.equal(s.offer(plan(1, { experiments: [] })), "stale");
    assert.equal(s.offer(plan(2, { experiments: [] })), "stale");
    assert.equal(s.plan.experiments.length, 2);
    assert.equal(s.offer(plan(3, { experiments: [] })), "applied");
    assert.equal(s.plan.experiments.length, 0);
  });

  it("a halted plan or one past validUntil is empty for decide", async () => {
    const state = engine.createEngineState({ keys: await engine.createSigningKeys() });
    const s = new PlanState(engine);
    s.offer(plan(1, { validUntil: 8000 }));
    const at = (now: number) => engine.decide(attrs, s.effective(now), now, () => 0, state).kind;
    assert.equal(at(7999), "deny");
    assert.equal(at(8000), "allow");
    assert.equal(s.activeExperiments(7999), 1);
    assert.equal(s.activeExperiments(8000), 0);
    s.offer(plan(2, { halted: true }));
    assert.equal(at(100), "allow");
    assert.equal(s.activeExperiments(100), 0);
  });

  it("counts experiments with an open window", () => {
    const s = new PlanState(engine);
    s.offer(plan(1));
    assert.equal(s.activeExperiments(4999), 1);
    assert.equal(s.activeExperiments(5000), 2);
    assert.equal(s.activeExperiments(6000), 1);
    assert.equal(s.activeExperiments(10_000), 0);
  });

  it("keeps the plan in force when the engine rejects a new one", () => {
    const s = new PlanState({
      ...engine,
      loadPlan: (p) => {
        if (p.version === 2) throw new Error("bad plan");
        return engine.loadPlan(p);
      },
    });
    s.offer(plan(1));
    assert.throws(() => s.offer(plan(2, { experiments: [] })), /bad plan/);
    assert.equal(s.version(), 1);
    assert.equal(s.plan.experiments.length, 2);
  });
});
