// Turns an experiment's schedule into absolute windows (epoch ms). Pure: the clock is a
// parameter, so the operator, the standalone loader and the tests get the same answer.

import type { Ramp, Schedule } from "../v1alpha1/types.ts";
import { canEverFire, fireTimes, parseCron } from "./cron.ts";
import type { PlanRamp, PlanWindow } from "./types.ts";

export { canEverFire, isKnownTimeZone, parseCron } from "./cron.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration such as "500ms", "30s", "10m" or "1h30m", in milliseconds. The grammar is the
 * CRD's pattern (^([0-9]+(ms|s|m|h))+$), a subset of Go's time.ParseDuration, which is what
 * the API server's CEL `duration()` uses, so both sides read a value the same way.
 */
export function parseDuration(s: string): number | undefined {
  if (typeof s !== "string" || !/^([0-9]+(ms|s|m|h))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/([0-9]+)(ms|s|m|h)/g)) {
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ""] ?? Number.NaN);
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** RFC 3339 as the CRD's pattern accepts it, to epoch ms; undefined when it is not one. */
export function parseTimestamp(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const ms = Date.parse(s);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Default number of windows handed to the data plane: the current one and the next few. */
export const DEFAULT_MAX_WINDOWS = 8;

/**
 * The windows of a schedule that are open at `nowMs` or start after it, ascending, at most `max`.
 *
 * - Without cron: one window [startAt (or firstSeen), +duration).
 * - With cron: a window opens at each fire time at or after startAt (or firstSeen); a window
 *   closes early when the next one opens, so windows never overlap.
 * - endAt: no window opens at or after it, and an open window closes at it.
 * An ended schedule yields no windows: the caller reads that as "completed".
 */
export function windowsFor(
  schedule: Schedule,
  firstSeenMs: number,
  nowMs: number,
  max = DEFAULT_MAX_WINDOWS,
): PlanWindow[] {
  const duration = parseDuration(schedule.duration);
  if (duration === undefined || duration <= 0 || max <= 0) return [];
  const start = parseTimestamp(schedule.startAt) ?? firstSeenMs;
  const end = parseTimestamp(schedule.endAt) ?? Number.POSITIVE_INFINITY;
  if (schedule.cron === undefined) {
    const w = { start, end: Math.min(start + duration, end) };
    return w.end > nowMs && w.end > w.start ? [w] : [];
  }
  const parsed = parseCron(schedule.cron);
  if (!parsed.ok || !canEverFire(parsed.cron)) return [];
  const zone = schedule.timeZone ?? "UTC";
  let fires: number[];
  try {
    // Only the latest fire at or before now can still be open (a window closes when the next
    // opens), and only if it fired less than `duration` ago. Cron fires at most once a minute,
    // so that span holds at most duration/1min + 1 fires.
    const from = Math.max(start, nowMs - duration);
    const past = fireTimes(
      parsed.cron,
      zone,
      from,
      Math.min(nowMs + 1, end),
      duration / 60_000 + 2,
    );
    const latest = past.at(-1);
    // One extra future fire tells where the last returned window must close early.
    const future = fireTimes(parsed.cron, zone, Math.max(start, nowMs + 1), end, max + 1);
    fires = latest === undefined ? future : [latest, ...future];
  } catch {
    // An unknown time zone; validation reports it, the plan must simply not inject.
    return [];
  }
  const out: PlanWindow[] = [];
  for (let i = 0; i < fires.length && out.length < max; i++) {
    const open = fires[i] as number;
    const next = fires[i + 1] ?? Number.POSITIVE_INFINITY;
    const close = Math.min(open + duration, next, end);
    if (close > nowMs && close > open) out.push({ start: open, end: close });
  }
  return out;
}

/** The ramp in plan form; undefined when the schedule has none or it does not parse. */
export function resolveRamp(ramp: Ramp | undefined): PlanRamp | undefined {
  if (ramp === undefined) return undefined;
  const overMs = parseDuration(ramp.over);
  if (overMs === undefined) return undefined;
  return { from: ramp.from, to: ramp.to, overMs };
}

/** The ramp's value (0-100) at `nowMs` inside `window`: linear from `from` to `to` over overMs. */
export function rampPercent(ramp: PlanRamp, window: PlanWindow, nowMs: number): number {
  if (ramp.overMs <= 0) return ramp.to;
  const elapsed = Math.min(Math.max(nowMs - window.start, 0), ramp.overMs);
  return ramp.from + ((ramp.to - ramp.from) * elapsed) / ramp.overMs;
}

/**
 * A fault's share of matching requests at `nowMs`: its own percent, scaled by the ramp when
 * there is one (so a ramp from 5 to 50 with percent 100 injects into 5% then 50%).
 */
export function effectivePercent(
  faultPercent: number,
  ramp: PlanRamp | undefined,
  window: PlanWindow,
  nowMs: number,
): number {
  if (ramp === undefined) return faultPercent;
  return (faultPercent * rampPercent(ramp, window, nowMs)) / 100;
}
