import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileExperiment, compilePlan } from "../../../api/plan/compile.ts";
import { PLAN_FORMAT } from "../../../api/plan/types.ts";
import type { TokenChaosExperiment } from "../../../api/v1alpha1/types.ts";

const NOW = Date.parse("2026-12-01T10:05:00Z");

function experiment(name: string, patch: Partial<TokenChaosExperiment["spec"]> = {}, ns = "shop") {
  return {
    apiVersion: "chaos.tokenchaos.dev/v1alpha1",
    kind: "TokenChaosExperiment",
    metadata: { name, namespace: ns, uid: `uid-${name}`, generation: 2 },
    spec: {
      target: {
        hosts: ["checkout.shop.svc.cluster.local"],
        headers: [{ name: "X-Tenant", exact: "acme" }],
      },
      faults: [{ type: "expire", percent: 25 }],
      schedule: { startAt: "2026-12-01T10:00:00Z", duration: "10m" },
      ...patch,
    },
  } satisfies TokenChaosExperiment as TokenChaosExperiment;
}

describe("compileExperiment", () => {
  test("a valid experiment becomes a plan entry with its defaults explicit", () => {
    const r = compileExperiment(
      experiment("a", {
        faults: [
          { type: "expire", percent: 25 },
          { type: "tamper", tamper: { claims: [{ name: "sub", value: "x" }] } },
        ],
        schedule: {
          startAt: "2026-12-01T10:00:00Z",
          duration: "10m",
          ramp: { from: 5, to: 50, over: "5m" },
        },
      }),
      NOW,
    );
    assert.ok(r.ok);
    assert.deepEqual(r.experiment, {
      id: "shop/a",
      namespace: "shop",
      name: "a",
      uid: "uid-a",
      generation: 2,
      mode: "enforce",
      sticky: true,
      target: {
        hosts: ["checkout.shop.svc.cluster.local"],
        headers: [{ name: "x-tenant", exact: "acme" }],
      },
      faults: [
        { type: "expire", percent: 25, at: "edge", correlationHeader: true },
        {
          type: "tamper",
          percent: 100,
          at: "upstream",
          correlationHeader: false,
          tamper: { claims: [{ name: "sub", value: "x" }] },
        },
      ],
      windows: [
        { start: Date.parse("2026-12-01T10:00:00Z"), end: Date.parse("2026-12-01T10:10:00Z") },
      ],
      ramp: { from: 5, to: 50, overMs: 300_000 },
    });
  });

  test("an invalid experiment yields its problems", () => {
    const r = compileExperiment(experiment("a", { faults: [{ type: "revoke" }] }), NOW);
    assert.equal(r.ok, false);
    assert.deepEqual(r.ok ? [] : r.problems.map((p) => p.path), ["spec.faults[0].revoke"]);
  });

  test("without startAt the window starts at creation (string or Date) or at an explicit first-seen", () => {
    const o = experiment("a", { schedule: { duration: "10m" } });
    const created = "2026-12-01T10:01:00Z";
    const start = (x: ReturnType<typeof compileExperiment>) =>
      x.ok ? x.experiment.windows[0]?.start : -1;
    assert.equal(
      start(
        compileExperiment({ ...o, metadata: { ...o.metadata, creationTimestamp: created } }, NOW),
      ),
      Date.parse(created),
    );
    const withDate = {
      ...o,
      metadata: { ...o.metadata, creationTimestamp: new Date(created) as unknown as string },
    };
    assert.equal(start(compileExperiment(withDate, NOW)), Date.parse(created));
    assert.equal(start(compileExperiment(o, NOW, { firstSeenMs: NOW - 1000 })), NOW - 1000);
    assert.equal(start(compileExperiment(o, NOW)), NOW);
  });
});

describe("compilePlan", () => {
  test("sorts by id, drops paused and finished experiments, reports invalid ones by id", () => {
    const objs = [
      experiment("zeta"),
      experiment("paused", { paused: true }),
      experiment("done", { schedule: { startAt: "2026-11-30T10:00:00Z", duration: "10m" } }),
      experiment("broken", { faults: [{ type: "delay" }] }),
      experiment("alpha", {}, "billing"),
    ];
    const { plan, problems } = compilePlan(objs, { nowMs: NOW, version: 7 });
    assert.equal(plan.format, PLAN_FORMAT);
    assert.equal(plan.version, 7);
    assert.equal(plan.generatedAt, NOW);
    assert.equal(plan.halted, false);
    assert.equal(plan.validUntil, undefined);
    assert.deepEqual(
      plan.experiments.map((e) => e.id),
      ["billing/alpha", "shop/zeta"],
    );
    assert.deepEqual([...problems.keys()], ["shop/broken"]);
    assert.match(problems.get("shop/broken")?.[0]?.message ?? "", /type delay needs a delay block/);
  });

  test("the same objects in any order give the same plan, byte for byte", () => {
    const objs = [experiment("c"), experiment("a"), experiment("b", { mode: "dryRun" })];
    const one = JSON.stringify(compilePlan(objs, { nowMs: NOW, version: 1 }).plan);
    const two = JSON.stringify(compilePlan([...objs].reverse(), { nowMs: NOW, version: 1 }).plan);
    assert.equal(one, two);
  });

  test("a halted plan carries no experiments", () => {
    const { plan } = compilePlan([experiment("a")], { nowMs: NOW, version: 2, halted: true });
    assert.equal(plan.halted, true);
    assert.deepEqual(plan.experiments, []);
  });

  test("validUntil bounds how long the data plane trusts the plan", () => {
    const { plan } = compilePlan([], { nowMs: NOW, version: 1, validForMs: 60_000 });
    assert.equal(plan.validUntil, NOW + 60_000);
  });

  test("first-seen times are looked up by id", () => {
    const o = experiment("a", { schedule: { duration: "10m" } });
    const { plan } = compilePlan([o], {
      nowMs: NOW,
      version: 1,
      firstSeen: new Map([["shop/a", NOW - 120_000]]),
    });
    assert.equal(plan.experiments[0]?.windows[0]?.start, NOW - 120_000);
  });

  test("two objects with the same namespace/name: neither is used, both reported", () => {
    const { plan, problems } = compilePlan([experiment("a"), experiment("a", { mode: "dryRun" })], {
      nowMs: NOW,
      version: 1,
    });
    assert.deepEqual(plan.experiments, []);
    assert.deepEqual(
      problems.get("shop/a")?.map((p) => p.message),
      ["more than one experiment has this namespace/name"],
    );
  });

  test("never throws, whatever it is given", () => {
    const junk = [
      null,
      42,
      {},
      { metadata: { name: "x" } },
      { metadata: null, spec: [] },
    ] as unknown as TokenChaosExperiment[];
    const { plan, problems } = compilePlan(junk, { nowMs: NOW, version: 1 });
    assert.deepEqual(plan.experiments, []);
    assert.ok(problems.size >= 1);
    assert.ok(problems.has("default/x"));
  });
});
