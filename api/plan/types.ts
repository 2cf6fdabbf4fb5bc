// The compiled plan: what the control plane (operator or standalone loader) hands the data plane.
// It is plain JSON so it can travel through the Kubernetes API, and it carries absolute windows
// so the data plane never interprets schedules: it compares its own clock with `start`/`end`.

import type { Fault, Mode, Target } from "../v1alpha1/types.ts";

export const PLAN_FORMAT = "token-chaos.plan/v1";

/** One window in epoch milliseconds; injection only while start <= now < end. */
export interface PlanWindow {
  start: number;
  end: number;
}

/** A ramp, resolved per window: percent goes from `from` to `to` over `overMs` after start. */
export interface PlanRamp {
  from: number;
  to: number;
  overMs: number;
}

export interface PlanExperiment {
  /** namespace/name */
  id: string;
  namespace: string;
  name: string;
  uid?: string;
  generation?: number;
  mode: Mode;
  sticky: boolean;
  target: Target;
  faults: Fault[];
  /** Sorted, non-overlapping, bounded in number (the next few windows only). */
  windows: PlanWindow[];
  ramp?: PlanRamp;
}

export interface CompiledPlan {
  format: typeof PLAN_FORMAT;
  /** Monotonic version; the data plane ignores a plan older than the one it has. */
  version: number;
  /** When the plan was compiled (epoch ms). */
  generatedAt: number;
  /**
   * Dead-man's switch: after this instant (epoch ms) the data plane treats the plan as empty
   * unless a newer one has arrived. Windows already bound injection; this bounds staleness too.
   */
  validUntil?: number;
  /** Global halt: when true, nothing is injected anywhere. */
  halted: boolean;
  experiments: PlanExperiment[];
}
