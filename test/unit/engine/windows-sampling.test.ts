// Windows, percentages, ramps, sticky verdicts and dryRun.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { PlanExperiment } from "../../../api/plan/types.ts";
import type { Fault } from "../../../api/v1alpha1/types.ts";
import {
  createEngineState,
  createSigningKeys,
  decide,
  type EngineState,
  loadPlan,
  seededRandom,
} from "../../../authz-server/engine/engine.ts";
import { effectivePercent } from "../../../authz-server/engine/sample.ts";
import { bearer, experiment, plan, request, signedToken, T0, WINDOW_MS } from "./fixtures.ts";

let state: EngineState;
before(async () => {
  state = createEngineState({ keys: await createSigningKeys() });
});

const load = (over: Partial<PlanExperiment>) => loadPlan(plan([experiment(over)]));

describe("windows", () => {
  it("nothing at start-1 or at end; injected at start and at end-1", () => {
    const loaded = load({ windows: [{ start: T0, end: T0 + WINDOW_MS }] });
    const at = (t: number) => decide(request(), loaded, t, seededRandom(1), state).kind;
    assert.equal(at(T0 - 1), "allow");
    assert.equal(at(T0), "deny");
    assert.equal(at(T0 + WINDOW_MS - 1), "deny");
    assert.equal(at(T0 + WINDOW_MS), "allow");
  });

  it("several windows: injected in each, nothing between them", () => {
    const loaded = load({
      windows: [
        { start: T0 + 10_000, end: T0 + 20_000 },
        { start: T0, end: T0 + 5000 },
      ],
    });
    const at = (t: number) => decide(request(), loaded, t, seededRandom(1), state).kind;
    assert.deepEqual(
      [T0, T0 + 4999, T0 + 5000, T0 + 9999, T0 + 10_000, T0 + 19_999, T0 + 20_000].map(at),
      ["deny", "deny", "allow", "allow", "deny", "deny", "allow"],
    );
  });

  it("no windows: never", () => {
    assert.equal(
      decide(request(), load({ windows: [] }), T0, seededRandom(1), state).kind,
      "allow",
    );
  });
});

/** Share of `n` requests a fault at `percent` hits (a fresh token per request when sticky). */
function hitRate(percent: number, sticky: boolean, n: number, seed: number): number {
  const loaded = load({ sticky, faults: [{ type: "deny", percent }] });
  const rng = seededRandom(seed);
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const headers = sticky ? bearer(`token-${seed}-${i}`) : {};
    if (decide(request({ headers }), loaded, T0 + 1, rng, state).kind === "deny") hits++;
  }
  return (100 * hits) / n;
}

describe("percent", () => {
  // n = 20,000: the standard error at 50% is 0.35 points; the tolerance is 1.5 points (> 4 sigma).
  const TOLERANCE = 1.5;
  for (const p of [1, 10, 25, 50, 75, 99]) {
    it(`${p}% converges within ±${TOLERANCE} points (random source and sticky hash)`, () => {
      const random = hitRate(p, false, 20_000, 42);
      const sticky = hitRate(p, true, 20_000, 43);
      assert.ok(Math.abs(random - p) < TOLERANCE, `random ${random}`);
      assert.ok(Math.abs(sticky - p) < TOLERANCE, `sticky ${sticky}`);
    });
  }

  it("long JWTs sharing header and claims (hashed by head and tail) converge too", () => {
    const loaded = load({ sticky: true, faults: [{ type: "deny", percent: 25 }] });
    const rng = seededRandom(99);
    const head = Buffer.from('{"alg":"RS256","typ":"JWT","kid":"idp-key-1"}').toString("base64url");
    let hits = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const payload = Buffer.from(
        JSON.stringify({ iss: "https://idp.example", sub: `user-${i}`, scope: "a b c" }),
      ).toString("base64url");
      const sig = Buffer.from(Array.from({ length: 256 }, () => Math.floor(rng() * 256))).toString(
        "base64url",
      );
      const r = request({ headers: bearer(`${head}.${payload}.${sig}`) });
      if (decide(r, loaded, T0 + 1, rng, state).kind === "deny") hits++;
    }
    assert.ok(Math.abs((100 * hits) / n - 25) < 1.5, `${(100 * hits) / n}%`);
  });

  it("0% never, 100% always", () => {
    assert.equal(hitRate(0, false, 1000, 1), 0);
    assert.equal(hitRate(100, false, 1000, 1), 100);
  });
});

describe("sticky", () => {
  it("the same token gets the same verdict for the whole window, whatever the random source", () => {
    const loaded = load({ sticky: true, faults: [{ type: "deny", percent: 50 }] });
    let hit = 0;
    for (let i = 0; i < 200; i++) {
      const headers = bearer(`tok-${i}`);
      const verdicts = new Set<string>();
      for (let j = 0; j < 20; j++) {
        verdicts.add(
          decide(request({ headers }), loaded, T0 + j * 1000, seededRandom(i * 100 + j), state)
            .kind,
        );
      }
      assert.equal(verdicts.size, 1, `token ${i}`);
      if (verdicts.has("deny")) hit++;
    }
    assert.ok(hit > 70 && hit < 130, `${hit}/200`);
  });

  it("a new window draws afresh (about half of the tokens change verdict at 50%)", () => {
    const loaded = load({
      sticky: true,
      faults: [{ type: "deny", percent: 50 }],
      windows: [
        { start: T0, end: T0 + 1000 },
        { start: T0 + 5000, end: T0 + 6000 },
      ],
    });
    let changed = 0;
    for (let i = 0; i < 2000; i++) {
      const r = request({ headers: bearer(`tok-${i}`) });
      if (
        decide(r, loaded, T0, seededRandom(1), state).kind !==
        decide(r, loaded, T0 + 5000, seededRandom(1), state).kind
      )
        changed++;
    }
    assert.ok(Math.abs(changed / 2000 - 0.5) < 0.05, `${changed}/2000`);
  });

  it("sticky: false draws per request", () => {
    const loaded = load({ sticky: false, faults: [{ type: "deny", percent: 50 }] });
    const rng = seededRandom(3);
    const verdicts = new Set<string>();
    for (let j = 0; j < 50; j++)
      verdicts.add(decide(request({ headers: bearer("one") }), loaded, T0, rng, state).kind);
    assert.equal(verdicts.size, 2);
  });

  it("with a rising ramp, a token once hit stays hit", () => {
    const loaded = load({
      sticky: true,
      faults: [{ type: "deny" }],
      ramp: { from: 0, to: 100, overMs: 100_000 },
    });
    for (let i = 0; i < 300; i++) {
      const r = request({ headers: bearer(`tok-${i}`) });
      let wasHit = false;
      for (let t = 0; t <= 100_000; t += 10_000) {
        const hit = decide(r, loaded, T0 + t, seededRandom(1), state).kind === "deny";
        assert.ok(!(wasHit && !hit), `token ${i} unhit at +${t}ms`);
        wasHit ||= hit;
      }
      assert.ok(wasHit, "hit at 100%");
    }
  });
});

describe("ramp", () => {
  it("scales each fault's percent by a value going from -> to over overMs after the window start", () => {
    const ramp = { from: 10, to: 50, overMs: 60_000 };
    assert.equal(effectivePercent(100, ramp, T0, T0), 10);
    assert.equal(effectivePercent(100, ramp, T0, T0 + 30_000), 30);
    assert.equal(effectivePercent(100, ramp, T0, T0 + 60_000), 50);
    assert.equal(effectivePercent(100, ramp, T0, T0 + 600_000), 50);
    assert.equal(effectivePercent(20, ramp, T0, T0 + 60_000), 10);
    assert.equal(effectivePercent(50, { from: 0, to: 100, overMs: 1000 }, T0, T0 + 500), 25);
    assert.equal(effectivePercent(20, { from: 80, to: 0, overMs: 0 }, T0, T0), 0);
    assert.equal(effectivePercent(35, undefined, T0, T0), 35);
  });

  it("the observed rate follows the ramp", () => {
    const loaded = load({
      sticky: false,
      faults: [{ type: "deny" }],
      ramp: { from: 10, to: 90, overMs: 100_000 },
    });
    const rate = (t: number) => {
      const rng = seededRandom(t);
      let hits = 0;
      for (let i = 0; i < 10_000; i++)
        if (decide(request(), loaded, T0 + t, rng, state).kind === "deny") hits++;
      return hits / 100;
    };
    assert.ok(Math.abs(rate(0) - 10) < 1.5);
    assert.ok(Math.abs(rate(50_000) - 50) < 1.5);
    assert.ok(Math.abs(rate(200_000) - 90) < 1.5);
  });
});

describe("dryRun", () => {
  const faults: Fault[] = [
    { type: "expire", percent: 30 },
    { type: "expire", at: "upstream", percent: 30 },
    { type: "strip", at: "upstream", percent: 30 },
    { type: "delay", delay: { distribution: "uniform", minMs: 10, maxMs: 90 }, percent: 30 },
    { type: "error", percent: 30 },
    { type: "revoke", revoke: { afterRequests: 2 } },
  ];
  for (const fault of faults) {
    it(`${fault.type} ${fault.at ?? ""}: reports exactly what enforce does, changes nothing`, async () => {
      const token = await signedToken("RS256");
      const enforce = load({ sticky: false, faults: [fault] });
      const dry = load({ sticky: false, faults: [fault], mode: "dryRun" });
      const se = createEngineState({ keys: state.keys });
      const sd = createEngineState({ keys: state.keys });
      const re = seededRandom(9);
      const rd = seededRandom(9);
      let injected = 0;
      for (let i = 0; i < 300; i++) {
        const r = request({ headers: bearer(token) });
        const e = decide(r, enforce, T0 + i, re, se);
        const d = decide(r, dry, T0 + i, rd, sd);
        assert.equal(d.kind, "allow");
        if (d.kind !== "allow") return;
        assert.deepEqual(
          [d.setHeaders, d.removeHeaders, d.responseHeaders, d.delayMs],
          [[], [], [], 0],
        );
        if (e.reason === undefined) {
          assert.equal(d.reason, undefined);
          assert.equal(d.wouldHave, undefined);
          continue;
        }
        injected++;
        assert.deepEqual(d.reason, { ...e.reason, dryRun: true });
        const would = d.wouldHave;
        assert.ok(would !== undefined);
        assert.equal(would.kind, e.kind);
        assert.equal(would.delayMs, e.delayMs);
        if (e.kind === "deny") assert.equal(would.status, e.status);
        if (e.kind === "error")
          assert.deepEqual([would.status, would.grpcCode], [e.httpStatus, e.grpcCode]);
        if (e.kind === "allow") {
          assert.deepEqual(
            would.setHeaders,
            e.setHeaders.map((h) => h.name),
          );
          assert.deepEqual(would.removeHeaders, e.removeHeaders);
        }
        assert.ok(
          !JSON.stringify(d).includes(token.split(".")[2] ?? "x"),
          "no token in a dryRun decision",
        );
      }
      assert.ok(injected > 0);
    });
  }
});
