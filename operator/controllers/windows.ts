// Where "now" falls among an experiment's absolute windows, and when that next changes.

import type { PlanWindow } from "../../api/plan/types.ts";

export interface WindowPosition {
  /** The window with start <= now < end, if any. */
  current?: PlanWindow;
  /** The first window starting after now. */
  next?: PlanWindow;
  /** The next instant (ms) at which `current` or `next` changes; undefined when none is left. */
  nextEdgeMs?: number;
}

export function windowPosition(windows: readonly PlanWindow[], nowMs: number): WindowPosition {
  let current: PlanWindow | undefined;
  let next: PlanWindow | undefined;
  let nextEdgeMs: number | undefined;
  for (const w of windows) {
    if (w.end <= nowMs) continue;
    if (w.start <= nowMs) {
      if (current === undefined) current = w;
    } else if (next === undefined || w.start < next.start) {
      next = w;
    }
    const edge = w.start > nowMs ? w.start : w.end;
    if (nextEdgeMs === undefined || edge < nextEdgeMs) nextEdgeMs = edge;
  }
  return { current, next, nextEdgeMs };
}
