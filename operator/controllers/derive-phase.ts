// The phase of an experiment, derived from what is known now: its spec, its validation problems,
// its windows, the global halt, a guard abort and whether the published plan carries it.
// Pure: the reconciler and the plan publisher both call it, so status and plan never disagree.

import type { PlanWindow } from "../../api/plan/types.ts";
import type { Phase } from "../../api/v1alpha1/types.ts";
import { windowPosition } from "./windows.ts";

export interface PhaseProblem {
  path: string;
  message: string;
}

export interface AbortRecord {
  reason: string;
  message: string;
}

export interface PhaseInput {
  nowMs: number;
  /** Schema, semantic, compile and namespace-scope problems; any makes the experiment Invalid. */
  problems: readonly PhaseProblem[];
  /** Absolute windows from the schedule (empty when none is left). */
  windows: readonly PlanWindow[];
  paused: boolean;
  /** Global halt in force. */
  halted: boolean;
  /** Set when a guard aborted this generation. */
  aborted?: AbortRecord;
  /** The plan the data plane has carries this generation. */
  published: boolean;
  /** The object is being deleted (finalizers of others may keep it around). */
  deleting?: boolean;
}

export interface PhaseResult {
  phase: Phase;
  /** CamelCase reason for conditions and events. */
  reason: string;
  message: string;
  /** Whether the experiment belongs in the plan the operator publishes. */
  inPlan: boolean;
  currentWindow?: PlanWindow;
  nextWindow?: PlanWindow;
  /** When the phase may next change by the clock alone (ms since epoch). */
  nextEdgeMs?: number;
}

const MAX_MESSAGE = 1024;

export function problemsMessage(problems: readonly PhaseProblem[]): string {
  const text = problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join("; ");
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 3)}...` : text;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function derivePhase(input: PhaseInput): PhaseResult {
  if (input.deleting) {
    return { phase: "Completed", reason: "Deleting", message: "being deleted", inPlan: false };
  }
  if (input.problems.length > 0) {
    return {
      phase: "Invalid",
      reason: "InvalidSpec",
      message: problemsMessage(input.problems),
      inPlan: false,
    };
  }
  if (input.aborted !== undefined) {
    return {
      phase: "Aborted",
      reason: input.aborted.reason,
      message: input.aborted.message,
      inPlan: false,
    };
  }
  const pos = windowPosition(input.windows, input.nowMs);
  const windows = { currentWindow: pos.current, nextWindow: pos.next };
  // Paused either way, still telling when the experiment's window would be.
  const paused = (reason: string, message: string): PhaseResult => ({
    phase: "Paused",
    reason,
    message,
    inPlan: false,
    nextWindow: pos.current ?? pos.next,
    nextEdgeMs: pos.nextEdgeMs,
  });
  if (input.halted) {
    return paused("GlobalHalt", "every experiment is halted (token-chaos resume lifts the halt)");
  }
  if (input.paused) return paused("SpecPaused", "spec.paused is true");
  if (pos.current === undefined && pos.next === undefined) {
    return {
      phase: "Completed",
      reason: "WindowsEnded",
      message: "no window is left",
      inPlan: false,
    };
  }
  if (!input.published) {
    return {
      phase: "Pending",
      reason: "AwaitingPlan",
      message: "waiting for the plan carrying this generation to be published",
      inPlan: true,
      ...windows,
      nextEdgeMs: pos.nextEdgeMs,
    };
  }
  if (pos.current !== undefined) {
    return {
      phase: "Running",
      reason: "WindowOpen",
      message: `window open until ${iso(pos.current.end)}`,
      inPlan: true,
      ...windows,
      nextEdgeMs: pos.nextEdgeMs,
    };
  }
  const next = pos.next as PlanWindow;
  return {
    phase: "Scheduled",
    reason: "WaitingForWindow",
    message: `next window opens at ${iso(next.start)}`,
    inPlan: true,
    ...windows,
    nextEdgeMs: pos.nextEdgeMs,
  };
}
