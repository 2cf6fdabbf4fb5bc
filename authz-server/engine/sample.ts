// Sampling: which of the matching requests a fault hits.
//
// Percent semantics with a ramp (as the resource reference defines it): the ramp is a scale
// going linearly from `from` at the window start to `to` after `overMs`, then holding, and each
// fault's own `percent` (default 100) is scaled by it:
//   effective = fault.percent * ramp(now) / 100
// so a fault without a percent follows the ramp exactly, and a fault at 50% under a ramp to 100
// ends at 50%. Without a ramp the fault's percent applies as is.
//
// Sticky sampling draws a fixed number from (token, experiment, fault, window start), so the same
// token gets the same verdict for the whole window; as a ramp rises, a token once hit stays hit.
// Requests without an Authorization header fall back to the random source.

import type { PlanRamp, PlanWindow } from "../../api/plan/types.ts";
import { stickyUnit } from "./hash.ts";
import type { Random } from "./types.ts";

export function effectivePercent(
  faultPercent: number,
  ramp: PlanRamp | undefined,
  windowStart: number,
  now: number,
): number {
  if (ramp === undefined) return faultPercent;
  const progress =
    ramp.overMs > 0 ? Math.min(1, Math.max(0, (now - windowStart) / ramp.overMs)) : 1;
  return (faultPercent * (ramp.from + (ramp.to - ramp.from) * progress)) / 100;
}

/** Whether this request is hit at `percent` (0-100). Draws nothing at 0 or 100. */
export function sampleHits(
  percent: number,
  stickyKey: string | undefined,
  salt: string,
  windowStart: number,
  rng: Random,
): boolean {
  if (!(percent > 0)) return false;
  if (percent >= 100) return true;
  const u = stickyKey !== undefined ? stickyUnit(stickyKey, salt, windowStart) : rng();
  return u * 100 < percent;
}

/** The window open at `now` (start <= now < end), if any. Windows are few and sorted. */
export function activeWindow(windows: readonly PlanWindow[], now: number): PlanWindow | undefined {
  for (const w of windows) {
    if (now < w.start) return undefined;
    if (now < w.end) return w;
  }
  return undefined;
}
