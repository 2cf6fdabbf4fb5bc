// When to look at an experiment again: exactly at its next window edge, and at least every
// resync period (a safety net; everything is level-triggered anyway).

export const RESYNC_MS = 10 * 60 * 1000;

export function requeueDelay(
  nextEdgeMs: number | undefined,
  nowMs: number,
  resyncMs = RESYNC_MS,
): number {
  if (nextEdgeMs === undefined) return resyncMs;
  // Timers may fire a hair early; the reconcile at the edge then requeues itself for the rest.
  return Math.min(resyncMs, Math.max(1, Math.ceil(nextEdgeMs - nowMs)));
}
