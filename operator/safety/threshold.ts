// Prometheus conditions (guard and steadyState) evaluated over a query's samples, and the
// "for" clock that turns a crossing into a breach only once it has lasted long enough.

export interface Threshold {
  above?: number;
  below?: number;
}

/** True when any sample crosses the threshold; false with no samples (nothing to alarm on). */
export function crosses(values: readonly number[], t: Threshold): boolean {
  return values.some(
    (v) => (t.above !== undefined && v > t.above) || (t.below !== undefined && v < t.below),
  );
}

/** True when every sample satisfies the threshold (steady state holds); false with no samples. */
export function holds(values: readonly number[], t: Threshold): boolean {
  if (values.length === 0) return false;
  return values.every(
    (v) => (t.above === undefined || v > t.above) && (t.below === undefined || v < t.below),
  );
}

export interface SustainState {
  /** When the condition was first seen true in the current uninterrupted run. */
  sinceMs?: number;
}

export interface SustainResult {
  state: SustainState;
  /** The condition has been true for at least `forMs`. */
  sustained: boolean;
}

/**
 * One observation: `observed` true/false, or undefined when the query failed. A failed query
 * neither starts nor breaks a run and never completes one: no verdict without fresh data.
 */
export function sustain(
  state: SustainState,
  observed: boolean | undefined,
  nowMs: number,
  forMs: number,
): SustainResult {
  if (observed === undefined) return { state, sustained: false };
  if (!observed) return { state: {}, sustained: false };
  const sinceMs = state.sinceMs ?? nowMs;
  return { state: { sinceMs }, sustained: nowMs - sinceMs >= forMs };
}
