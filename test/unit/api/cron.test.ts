import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  type CronSchedule,
  canEverFire,
  fireTimes,
  isKnownTimeZone,
  parseCron,
  zoneOffsetMs,
} from "../../../api/plan/cron.ts";

const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");
const at = (s: string): number => Date.parse(s);

function cron(expr: string): CronSchedule {
  const parsed = parseCron(expr);
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
  return parsed.cron;
}

function fires(
  expr: string,
  zone: string,
  from: string,
  count: number,
  until = "2100-01-01T00:00:00Z",
) {
  return fireTimes(cron(expr), zone, at(from), at(until), count).map(iso);
}

describe("parseCron", () => {
  test("values, ranges, lists and steps", () => {
    const c = cron("*/15 9-17/4 1,15 * *");
    assert.deepEqual(c.minutes, [0, 15, 30, 45]);
    assert.deepEqual(c.hours, [9, 13, 17]);
    assert.deepEqual(
      [...c.daysOfMonth].sort((a, b) => a - b),
      [1, 15],
    );
    assert.equal(c.months.size, 12);
  });

  test("N/STEP runs from N to the field's end", () => {
    assert.deepEqual(cron("5/20 * * * *").minutes, [5, 25, 45]);
  });

  test("month and day names, any case; day 7 is Sunday", () => {
    const c = cron("0 0 * jan,Jul-AUG mon-FRI,7");
    assert.deepEqual(
      [...c.months].sort((a, b) => a - b),
      [1, 7, 8],
    );
    assert.deepEqual([...c.daysOfWeek].sort(), [0, 1, 2, 3, 4, 5]);
  });

  test("clear errors for what is wrong", () => {
    const cases: [string, RegExp][] = [
      ["* * * *", /five fields/],
      ["* * * * * *", /five fields/],
      ["61 * * * *", /minute field: 61 is out of range 0-59/],
      ["* 24 * * *", /hour field: 24 is out of range 0-23/],
      ["* * 0 * *", /day-of-month field: 0 is out of range 1-31/],
      ["* * * 13 *", /month field: 13 is out of range 1-12/],
      ["* * * * 8", /day-of-week field: 8 is out of range 0-7/],
      ["5-1 * * * *", /range 5-1 runs backwards/],
      ["*/0 * * * *", /step 0 is out of range/],
      ["* * * foo *", /month field: 'foo' is not a number or name/],
      ["* jan * * *", /hour field: 'jan' is not a number$/],
      ["1,,2 * * * *", /minute field: '' is not a value/],
    ];
    for (const [expr, message] of cases) {
      const parsed = parseCron(expr);
      assert.equal(parsed.ok, false, expr);
      assert.match(parsed.ok ? "" : parsed.error, message, expr);
    }
  });
});

describe("canEverFire", () => {
  test("31 February never comes; 29 February does", () => {
    assert.equal(canEverFire(cron("0 0 31 2 *")), false);
    assert.equal(canEverFire(cron("0 0 30,31 2 *")), false);
    assert.equal(canEverFire(cron("0 0 31 2,4,6 *")), false);
    assert.equal(canEverFire(cron("0 0 31 2,3 *")), true);
    assert.equal(canEverFire(cron("0 0 29 2 *")), true);
  });

  test("a restricted day-of-week widens the match (either field may match)", () => {
    assert.equal(canEverFire(cron("0 0 31 2 MON")), true);
  });
});

describe("fireTimes in UTC", () => {
  test("steps from a point in the middle of an interval", () => {
    assert.deepEqual(fires("*/15 * * * *", "UTC", "2026-05-04T10:07:00Z", 3), [
      "2026-05-04T10:15:00Z",
      "2026-05-04T10:30:00Z",
      "2026-05-04T10:45:00Z",
    ]);
  });

  test("the start itself counts when it is a fire time; the end does not", () => {
    assert.deepEqual(fires("0 * * * *", "UTC", "2026-05-04T10:00:00Z", 5, "2026-05-04T12:00:00Z"), [
      "2026-05-04T10:00:00Z",
      "2026-05-04T11:00:00Z",
    ]);
  });

  test("day-of-month OR day-of-week when both are restricted", () => {
    // 1 June 2026 is a Monday; then Mondays 8 and 15; the 1st of July is a Wednesday.
    assert.deepEqual(fires("0 12 1 * MON", "UTC", "2026-05-30T00:00:00Z", 4), [
      "2026-06-01T12:00:00Z",
      "2026-06-08T12:00:00Z",
      "2026-06-15T12:00:00Z",
      "2026-06-22T12:00:00Z",
    ]);
    assert.deepEqual(fires("0 12 1 * MON", "UTC", "2026-06-23T00:00:00Z", 2), [
      "2026-06-29T12:00:00Z",
      "2026-07-01T12:00:00Z",
    ]);
  });

  test("weekday office hours", () => {
    // Friday 8 May 2026, 17:30: the next fires are Monday morning.
    assert.deepEqual(fires("*/30 9-17 * * MON-FRI", "UTC", "2026-05-08T17:31:00Z", 2), [
      "2026-05-11T09:00:00Z",
      "2026-05-11T09:30:00Z",
    ]);
  });

  test("29 February is found years ahead, within the bounded search", () => {
    assert.deepEqual(fires("0 0 29 2 *", "UTC", "2026-03-01T00:00:00Z", 1), [
      "2028-02-29T00:00:00Z",
    ]);
  });

  test("an expression that never fires ends the search with nothing", () => {
    assert.deepEqual(fires("0 0 31 2 *", "UTC", "2026-03-01T00:00:00Z", 1), []);
  });
});

describe("fireTimes in a time zone with daylight saving", () => {
  test("a daily time keeps its wall-clock time across the change (New York, 8 March 2026)", () => {
    assert.deepEqual(fires("0 9 * * *", "America/New_York", "2026-03-06T00:00:00Z", 4), [
      "2026-03-06T14:00:00Z",
      "2026-03-07T14:00:00Z",
      "2026-03-08T13:00:00Z",
      "2026-03-09T13:00:00Z",
    ]);
  });

  test("a time that does not exist (clocks go forward) is skipped (Berlin, 29 March 2026)", () => {
    assert.deepEqual(fires("30 2 * * *", "Europe/Berlin", "2026-03-28T00:00:00Z", 3), [
      "2026-03-28T01:30:00Z",
      "2026-03-30T00:30:00Z",
      "2026-03-31T00:30:00Z",
    ]);
  });

  test("a time that happens twice (clocks go back) fires once, the first time (Berlin, 25 October 2026)", () => {
    assert.deepEqual(fires("30 2 * * *", "Europe/Berlin", "2026-10-24T00:00:00Z", 3), [
      "2026-10-24T00:30:00Z",
      "2026-10-25T00:30:00Z",
      "2026-10-26T01:30:00Z",
    ]);
  });

  test("frequent fires stay regular in UTC through the forward change", () => {
    assert.deepEqual(fires("*/30 * * * *", "Europe/Berlin", "2026-03-29T00:00:00Z", 4), [
      "2026-03-29T00:00:00Z",
      "2026-03-29T00:30:00Z",
      "2026-03-29T01:00:00Z",
      "2026-03-29T01:30:00Z",
    ]);
  });

  test("through the backward change the repeated hour does not fire again", () => {
    // 02:00 and 02:30 CEST are 00:00Z and 00:30Z; their CET repeats (01:00Z, 01:30Z) are skipped.
    assert.deepEqual(fires("*/30 * * * *", "Europe/Berlin", "2026-10-25T00:00:00Z", 3), [
      "2026-10-25T00:00:00Z",
      "2026-10-25T00:30:00Z",
      "2026-10-25T02:00:00Z",
    ]);
  });

  test("zones with a half-hour offset", () => {
    assert.deepEqual(fires("0 9 * * *", "Asia/Kolkata", "2026-05-04T00:00:00Z", 1), [
      "2026-05-04T03:30:00Z",
    ]);
    assert.equal(
      zoneOffsetMs(at("2026-05-04T00:00:00Z"), "Asia/Kathmandu"),
      (5 * 60 + 45) * 60_000,
    );
  });

  test("southern hemisphere: Sydney leaves daylight saving on 5 April 2026", () => {
    assert.deepEqual(fires("0 12 * * *", "Australia/Sydney", "2026-04-04T00:00:00Z", 2), [
      "2026-04-04T01:00:00Z",
      "2026-04-05T02:00:00Z",
    ]);
  });

  test("isKnownTimeZone", () => {
    assert.equal(isKnownTimeZone("Europe/Berlin"), true);
    assert.equal(isKnownTimeZone("UTC"), true);
    assert.equal(isKnownTimeZone("Mars/Olympus_Mons"), false);
  });
});
