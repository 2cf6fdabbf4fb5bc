import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  effectivePercent,
  parseDuration,
  rampPercent,
  resolveRamp,
  windowsFor,
} from "../../../api/plan/schedule.ts";
import type { PlanWindow } from "../../../api/plan/types.ts";
import type { Schedule } from "../../../api/v1alpha1/types.ts";

const at = (s: string): number => Date.parse(s);
const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");
const show = (ws: PlanWindow[]): string[][] => ws.map((w) => [iso(w.start), iso(w.end)]);
const MIN = 60_000;

describe("parseDuration", () => {
  test("Go-style durations, in milliseconds", () => {
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("30s"), 30_000);
    assert.equal(parseDuration("10m"), 600_000);
    assert.equal(parseDuration("1h30m"), 5_400_000);
    assert.equal(parseDuration("1m500ms"), 60_500);
    assert.equal(parseDuration("0s"), 0);
  });

  test("anything else is undefined", () => {
    for (const s of ["", "10", "1.5h", "1d", "-1s", "1 h", "h", "1h ", "99999999999999999999h"]) {
      assert.equal(parseDuration(s), undefined, s);
    }
  });
});

describe("windowsFor without cron", () => {
  const s: Schedule = { startAt: "2026-12-01T10:00:00Z", duration: "10m" };

  test("one window from startAt, before it opens", () => {
    assert.deepEqual(show(windowsFor(s, 0, at("2026-12-01T09:00:00Z"))), [
      ["2026-12-01T10:00:00Z", "2026-12-01T10:10:00Z"],
    ]);
  });

  test("the open window is returned while it is open", () => {
    assert.equal(windowsFor(s, 0, at("2026-12-01T10:09:59Z")).length, 1);
  });

  test("nothing once it has closed (end is exclusive)", () => {
    assert.deepEqual(windowsFor(s, 0, at("2026-12-01T10:10:00Z")), []);
  });

  test("without startAt the window starts when the experiment was first seen", () => {
    const first = at("2026-05-04T08:00:00Z");
    assert.deepEqual(show(windowsFor({ duration: "5m" }, first, first + MIN)), [
      ["2026-05-04T08:00:00Z", "2026-05-04T08:05:00Z"],
    ]);
  });

  test("endAt cuts the window short", () => {
    const cut = { ...s, endAt: "2026-12-01T10:04:00Z" };
    assert.deepEqual(show(windowsFor(cut, 0, 0)), [
      ["2026-12-01T10:00:00Z", "2026-12-01T10:04:00Z"],
    ]);
  });

  test("an unparseable duration yields no window rather than an endless one", () => {
    assert.deepEqual(windowsFor({ duration: "forever" }, 0, 0), []);
  });
});

describe("windowsFor with cron", () => {
  const hourly: Schedule = { startAt: "2026-05-04T00:00:00Z", duration: "30m", cron: "0 * * * *" };

  test("includes the window open now, then the next ones, at most max", () => {
    const ws = windowsFor(hourly, 0, at("2026-05-04T10:10:00Z"), 3);
    assert.deepEqual(show(ws), [
      ["2026-05-04T10:00:00Z", "2026-05-04T10:30:00Z"],
      ["2026-05-04T11:00:00Z", "2026-05-04T11:30:00Z"],
      ["2026-05-04T12:00:00Z", "2026-05-04T12:30:00Z"],
    ]);
  });

  test("defaults to eight windows", () => {
    assert.equal(windowsFor(hourly, 0, at("2026-05-04T10:10:00Z")).length, 8);
  });

  test("between windows, the next one comes first", () => {
    const [first] = windowsFor(hourly, 0, at("2026-05-04T10:45:00Z"), 1);
    assert.deepEqual(first && show([first]), [["2026-05-04T11:00:00Z", "2026-05-04T11:30:00Z"]]);
  });

  test("no window opens before startAt, even one that would be open now", () => {
    const s = { ...hourly, startAt: "2026-05-04T10:05:00Z" };
    const [first] = windowsFor(s, 0, at("2026-05-04T10:10:00Z"), 1);
    assert.equal(first && iso(first.start), "2026-05-04T11:00:00Z");
  });

  test("without startAt, windows start at fire times after first seen", () => {
    const s: Schedule = { duration: "30m", cron: "0 * * * *" };
    const [first] = windowsFor(s, at("2026-05-04T10:10:00Z"), at("2026-05-04T10:11:00Z"), 1);
    assert.equal(first && iso(first.start), "2026-05-04T11:00:00Z");
  });

  test("a window closes early when the next opens, so windows never overlap", () => {
    const s: Schedule = { startAt: "2026-05-04T00:00:00Z", duration: "1h", cron: "*/20 * * * *" };
    const ws = windowsFor(s, 0, at("2026-05-04T10:05:00Z"), 3);
    assert.deepEqual(show(ws), [
      ["2026-05-04T10:00:00Z", "2026-05-04T10:20:00Z"],
      ["2026-05-04T10:20:00Z", "2026-05-04T10:40:00Z"],
      ["2026-05-04T10:40:00Z", "2026-05-04T11:00:00Z"],
    ]);
  });

  test("the open window is found even when many fires fall inside one duration", () => {
    const s: Schedule = { startAt: "2026-05-04T00:00:00Z", duration: "24h", cron: "* * * * *" };
    const [first] = windowsFor(s, 0, at("2026-05-04T23:59:30Z"), 1);
    assert.deepEqual(first && show([first]), [["2026-05-04T23:59:00Z", "2026-05-05T00:00:00Z"]]);
  });

  test("endAt: no window opens at or after it, and an open one closes at it", () => {
    const s = { ...hourly, endAt: "2026-05-04T12:15:00Z" };
    assert.deepEqual(show(windowsFor(s, 0, at("2026-05-04T10:10:00Z"))), [
      ["2026-05-04T10:00:00Z", "2026-05-04T10:30:00Z"],
      ["2026-05-04T11:00:00Z", "2026-05-04T11:30:00Z"],
      ["2026-05-04T12:00:00Z", "2026-05-04T12:15:00Z"],
    ]);
    assert.deepEqual(windowsFor(s, 0, at("2026-05-04T12:15:00Z")), []);
  });

  test("in a time zone: Berlin office hours across the spring change", () => {
    const s: Schedule = {
      startAt: "2026-03-27T00:00:00Z",
      duration: "15m",
      cron: "0 9 * * MON-FRI",
      timeZone: "Europe/Berlin",
    };
    // Friday 27 March 09:00 CET = 08:00Z; Monday 30 March 09:00 CEST = 07:00Z.
    assert.deepEqual(show(windowsFor(s, 0, at("2026-03-27T00:00:00Z"), 2)), [
      ["2026-03-27T08:00:00Z", "2026-03-27T08:15:00Z"],
      ["2026-03-30T07:00:00Z", "2026-03-30T07:15:00Z"],
    ]);
  });

  test("an unknown zone or a cron that never fires yields no window", () => {
    assert.deepEqual(windowsFor({ ...hourly, timeZone: "Mars/Olympus_Mons" }, 0, 0), []);
    assert.deepEqual(windowsFor({ ...hourly, cron: "0 0 31 2 *" }, 0, 0), []);
  });
});

describe("ramp", () => {
  const ramp = resolveRamp({ from: 5, to: 50, over: "5m" });
  const w: PlanWindow = { start: 1_000_000, end: 1_000_000 + 10 * MIN };

  test("resolves over into milliseconds", () => {
    assert.deepEqual(ramp, { from: 5, to: 50, overMs: 5 * MIN });
    assert.equal(resolveRamp(undefined), undefined);
  });

  test("linear from `from` at the window's start to `to` after `over`", () => {
    assert.ok(ramp);
    assert.equal(rampPercent(ramp, w, w.start), 5);
    assert.equal(rampPercent(ramp, w, w.start + 2.5 * MIN), 27.5);
    assert.equal(rampPercent(ramp, w, w.start + 5 * MIN), 50);
    assert.equal(rampPercent(ramp, w, w.start + 9 * MIN), 50);
    assert.equal(rampPercent(ramp, w, w.start - MIN), 5);
  });

  test("scales each fault's own percent", () => {
    assert.equal(effectivePercent(40, ramp, w, w.start + 5 * MIN), 20);
    assert.equal(effectivePercent(40, undefined, w, w.start), 40);
  });
});
