// Recovery time: after a window ends, how long until the steadyState condition holds again.
// status.recovery.measuredAt is when the measurement started (the window's end) while Measuring,
// and when it finished once Recovered or TimedOut, so the state survives operator restarts.

import type { Recovery } from "../../api/v1alpha1/types.ts";

export type RecoveryObservation =
  | { kind: "recovered"; atMs: number }
  | { kind: "timedOut"; atMs: number };

export interface RecoveryInput {
  hasSteadyState: boolean;
  previous?: Recovery;
  /** End (ms) of the window the status last reported as current, if any. */
  previousWindowEndMs?: number;
  windowOpen: boolean;
  nowMs: number;
  observation?: RecoveryObservation;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function nextRecovery(input: RecoveryInput): Recovery | undefined {
  if (!input.hasSteadyState) return undefined;
  const prev = input.previous;
  if (
    !input.windowOpen &&
    input.previousWindowEndMs !== undefined &&
    input.previousWindowEndMs <= input.nowMs
  ) {
    return { state: "Measuring", measuredAt: iso(input.previousWindowEndMs) };
  }
  if (prev?.state === "Measuring" && input.observation !== undefined) {
    const startMs = Date.parse(prev.measuredAt ?? "");
    if (input.observation.kind === "recovered" && Number.isFinite(startMs)) {
      const seconds = Math.max(0, (input.observation.atMs - startMs) / 1000);
      return {
        state: "Recovered",
        seconds: Math.round(seconds * 1000) / 1000,
        measuredAt: iso(input.observation.atMs),
      };
    }
    if (input.observation.kind === "timedOut") {
      return { state: "TimedOut", measuredAt: iso(input.observation.atMs) };
    }
  }
  return prev;
}

/** Start (ms) of an ongoing measurement, or undefined when none is running. */
export function measuringSince(recovery: Recovery | undefined): number | undefined {
  if (recovery?.state !== "Measuring") return undefined;
  const ms = Date.parse(recovery.measuredAt ?? "");
  return Number.isFinite(ms) ? ms : undefined;
}
