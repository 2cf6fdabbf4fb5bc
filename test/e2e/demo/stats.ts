// Figures the demo shows live and in its final report, computed from a lane's client samples.

import type { LaneTraffic, Sample } from "./traffic.ts";

export interface Counts {
  total: number;
  ok: number;
  c4xx: number;
  c5xx: number;
  /** No answer at all (connection error or client timeout). */
  failed: number;
}

export function counts(samples: readonly Sample[]): Counts {
  const c: Counts = { total: 0, ok: 0, c4xx: 0, c5xx: 0, failed: 0 };
  for (const s of samples) {
    c.total++;
    if (s.status >= 200 && s.status < 300) c.ok++;
    else if (s.status >= 400 && s.status < 500) c.c4xx++;
    else if (s.status >= 500) c.c5xx++;
    else c.failed++;
  }
  return c;
}

export function percentile(samples: readonly Sample[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
  return ms[Math.min(ms.length - 1, Math.floor((p / 100) * ms.length))];
}

const isOk = (s: Sample): boolean => s.status >= 200 && s.status < 300;

export function inWindow(lane: LaneTraffic): Sample[] {
  return lane.samples.filter((s) => s.t >= lane.windowStart && s.t < lane.windowEnd);
}

export function outsideWindow(lane: LaneTraffic): Sample[] {
  return lane.samples.filter((s) => s.t < lane.windowStart || s.t >= lane.windowEnd);
}

/**
 * How long after the window closed the client was back to succeeding: the time of the first
 * success after the last failure that followed the close. 0 when nothing failed after the
 * close; undefined when it still failed at the end of the traffic.
 */
export function recoveryAfterClose(lane: LaneTraffic): number | undefined {
  const after = lane.samples.filter((s) => s.t >= lane.windowEnd);
  let lastFailure = -1;
  after.forEach((s, i) => {
    if (!isOk(s)) lastFailure = i;
  });
  if (lastFailure === -1) return 0;
  const next = after[lastFailure + 1];
  return next === undefined ? undefined : next.t - lane.windowEnd;
}

/**
 * For faults a client can recover from while the window is still open (a rotation with a key
 * set takeover): time from the window opening until every later request in it succeeded.
 */
export function recoveryInWindow(lane: LaneTraffic): number | undefined {
  const w = inWindow(lane);
  let lastFailure = -1;
  w.forEach((s, i) => {
    if (!isOk(s)) lastFailure = i;
  });
  if (lastFailure === -1) return w.length > 0 ? 0 : undefined;
  const next = w[lastFailure + 1];
  return next === undefined ? undefined : next.t - lane.windowStart;
}

/** Requests per second by outcome over the last second. */
export function lastSecond(lane: LaneTraffic, now: number): Counts & { p50?: number } {
  const recent = [];
  // Samples are appended on completion; look back a little further than a second by send time.
  for (let i = lane.samples.length - 1; i >= 0; i--) {
    const s = lane.samples[i] as Sample;
    if (s.t + s.ms < now - 1000) break;
    if (s.t + s.ms <= now) recent.push(s);
  }
  const p50 = percentile(recent, 50);
  return p50 === undefined ? counts(recent) : { ...counts(recent), p50 };
}
