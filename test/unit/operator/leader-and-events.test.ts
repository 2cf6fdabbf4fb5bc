import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideEvent, dedupKey } from "../../../operator/events/dedup.ts";
import {
  DEFAULT_LEADER_TIMING,
  decideLease,
  leadershipLapsed,
  observe,
} from "../../../operator/leader/lease-decision.ts";
import { formatMicroTime, parseMicroTime } from "../../../operator/leader/micro-time.ts";

const T = DEFAULT_LEADER_TIMING;

describe("MicroTime", () => {
  it("formats RFC 3339 with exactly six fractional digits in UTC", () => {
    const ms = Date.parse("2026-06-01T12:00:00.123Z") + 0.456;
    const s = formatMicroTime(ms);
    assert.equal(s, "2026-06-01T12:00:00.123456Z");
    assert.match(
      formatMicroTime(Date.parse("2026-06-01T12:00:00Z")),
      /^2026-06-01T12:00:00\.000000Z$/,
    );
  });

  it("parses what it formats, and other RFC 3339 forms", () => {
    const ms = Date.parse("2026-06-01T12:00:00.123Z") + 0.456;
    assert.ok(Math.abs((parseMicroTime(formatMicroTime(ms)) ?? 0) - ms) < 0.002);
    assert.equal(parseMicroTime("2026-06-01T12:00:00Z"), Date.parse("2026-06-01T12:00:00Z"));
    assert.equal(
      parseMicroTime("2026-06-01T14:00:00.5+02:00"),
      Date.parse("2026-06-01T12:00:00.500Z"),
    );
    assert.equal(parseMicroTime("yesterday"), undefined);
    assert.equal(parseMicroTime(undefined), undefined);
  });
});

describe("lease decisions", () => {
  it("creates a missing lease", () => {
    const a = decideLease(undefined, { observedAtMs: 0 }, "me", 1000, T);
    assert.equal(a.kind, "create");
    assert.equal(a.kind === "create" && a.record.holderIdentity, "me");
    assert.equal(a.kind === "create" && a.record.leaseDurationSeconds, 15);
  });

  it("waits while another holder's lease is fresh by this replica's own clock", () => {
    const rec = {
      holderIdentity: "other",
      leaseDurationSeconds: 15,
      renewTimeMs: 5_000_000,
      leaseTransitions: 3,
    };
    const obs = observe(undefined, rec, 100_000);
    assert.deepEqual(decideLease(rec, obs, "me", 114_999, T), { kind: "wait", holder: "other" });
    const a = decideLease(rec, obs, "me", 115_001, T);
    assert.equal(a.kind, "update");
    assert.equal(a.kind === "update" && a.acquiring, true);
    assert.equal(a.kind === "update" && a.record.leaseTransitions, 4);
  });

  it("a renewed record restarts the expiry clock", () => {
    const r1 = { holderIdentity: "other", leaseDurationSeconds: 15, renewTimeMs: 1 };
    const r2 = { ...r1, renewTimeMs: 2 };
    let obs = observe(undefined, r1, 0);
    obs = observe(obs, r1, 10_000);
    assert.equal(obs.observedAtMs, 0, "same record: observation kept");
    obs = observe(obs, r2, 10_000);
    assert.equal(obs.observedAtMs, 10_000);
    assert.equal(decideLease(r2, obs, "me", 20_000, T).kind, "wait");
  });

  it("renews its own lease without a transition and takes a released one at once", () => {
    const mine = {
      holderIdentity: "me",
      leaseDurationSeconds: 15,
      acquireTimeMs: 5,
      leaseTransitions: 2,
    };
    const r = decideLease(mine, observe(undefined, mine, 0), "me", 1, T);
    assert.equal(r.kind === "update" && r.acquiring, false);
    assert.equal(r.kind === "update" && r.record.leaseTransitions, 2);
    assert.equal(r.kind === "update" && r.record.acquireTimeMs, 5);
    const released = { holderIdentity: "", leaseDurationSeconds: 1, leaseTransitions: 2 };
    const t = decideLease(released, observe(undefined, released, 0), "me", 1, T);
    assert.equal(t.kind === "update" && t.acquiring, true);
  });

  it("a leader that cannot renew within the deadline lapses", () => {
    assert.equal(leadershipLapsed(0, 10_000, T), false);
    assert.equal(leadershipLapsed(0, 10_001, T), true);
  });
});

describe("event dedup", () => {
  it("creates, then counts a series within the period, then creates anew", () => {
    assert.deepEqual(decideEvent(undefined, 0), { action: "create" });
    const seen = { name: "e.1", namespace: "shop", count: 1, firstMs: 0, lastMs: 0 };
    assert.deepEqual(decideEvent(seen, 60_000), {
      action: "series",
      name: "e.1",
      namespace: "shop",
      count: 2,
    });
    assert.deepEqual(decideEvent(seen, 11 * 60_000), { action: "create" });
    assert.notEqual(
      dedupKey("u", "Normal", "Running", "a"),
      dedupKey("u", "Normal", "Running", "b"),
    );
  });
});
