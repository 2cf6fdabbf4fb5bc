// The status the operator wants an experiment to have, from its evaluation, the status it has
// now, injection counts and any recovery observation. Pure.

import type { PlanWindow } from "../../api/plan/types.ts";
import type {
  Injections,
  TokenChaosExperiment,
  TokenChaosExperimentStatus,
  Window,
} from "../../api/v1alpha1/types.ts";
import { nextRecovery, type RecoveryObservation } from "../safety/recovery.ts";
import { desiredConditions, mergeConditions } from "./conditions.ts";
import type { PhaseResult } from "./derive-phase.ts";
import type { OwnedStatus } from "./status-patch.ts";
import { faultSummary, percentSummary } from "./summaries.ts";

function toWindow(w: PlanWindow | undefined): Window | undefined {
  return w === undefined
    ? undefined
    : { start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() };
}

export interface DesiredStatusInput {
  obj: TokenChaosExperiment;
  existing: TokenChaosExperimentStatus | undefined;
  result: PhaseResult;
  nowMs: number;
  /** Fresh counts from the data plane, or undefined to keep what status has. */
  injections?: Injections;
  recoveryObservation?: RecoveryObservation;
}

export function desiredStatus(input: DesiredStatusInput): OwnedStatus {
  const { obj, existing, result, nowMs } = input;
  const generation = obj.metadata.generation;
  const running = result.phase === "Running";
  // currentWindow means "injecting now"; a window the data plane does not have yet is "next".
  const current = running ? result.currentWindow : undefined;
  const next = running ? result.nextWindow : (result.currentWindow ?? result.nextWindow);
  const prevEnd = existing?.currentWindow?.end ? Date.parse(existing.currentWindow.end) : undefined;
  const recovery = nextRecovery({
    hasSteadyState: obj.spec?.steadyState !== undefined,
    previous: existing?.recovery,
    // Injection stopped at the window's end, or earlier if paused, halted or aborted.
    previousWindowEndMs:
      prevEnd !== undefined && Number.isFinite(prevEnd) ? Math.min(prevEnd, nowMs) : undefined,
    windowOpen: running,
    nowMs,
    observation: input.recoveryObservation,
  });
  const status: OwnedStatus = {
    phase: result.phase,
    // status.message is bounded by the schema; conditions carry the full text.
    message: result.message.length > 1024 ? `${result.message.slice(0, 1021)}...` : result.message,
    conditions: mergeConditions(existing?.conditions, desiredConditions(result), nowMs, generation),
    faultSummary: obj.spec ? faultSummary(obj.spec) : "",
    percentSummary: obj.spec ? percentSummary(obj.spec) : "",
  };
  if (generation !== undefined) status.observedGeneration = generation;
  const cw = toWindow(current);
  if (cw !== undefined) status.currentWindow = cw;
  const nw = toWindow(next);
  if (nw !== undefined) status.nextWindow = nw;
  const injections = input.injections ?? existing?.injections;
  if (injections !== undefined) status.injections = injections;
  if (recovery !== undefined) status.recovery = recovery;
  return status;
}
