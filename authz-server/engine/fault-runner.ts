// The shape every fault module implements: compiled once per plan from the fault's parameters
// into a function that answers one request, or declines (undefined) so the next fault is tried.

import type { PlanWindow } from "../../api/plan/types.ts";
import type { Fault, FaultForm, FaultType } from "../../api/v1alpha1/types.ts";
import type { RequestView } from "./request-view.ts";
import type { EngineState } from "./state.ts";
import type { Decision, DecisionReason, Random } from "./types.ts";

export interface FaultBase {
  readonly type: FaultType;
  readonly form: FaultForm;
  /** Frozen; shared by every decision of this fault. */
  readonly reason: DecisionReason;
  /** The same with `skipped: true`: the fault needed a JWT and the request had none. */
  readonly skippedReason: DecisionReason;
  /** Whether answers carry `x-token-chaos: <fault>`. */
  readonly correlation: boolean;
}

export interface FaultCall {
  readonly view: RequestView;
  readonly now: number;
  readonly rng: Random;
  readonly state: EngineState;
  readonly window: PlanWindow;
  /** Identifies this experiment fault in this window, for per-token state. */
  readonly bucket: string;
}

export type FaultRun = (call: FaultCall) => Decision | undefined;

export type FaultCompiler = (fault: Fault, base: FaultBase) => FaultRun;
