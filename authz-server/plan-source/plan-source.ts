// Where the data plane's plan comes from: YAML files (standalone) or the ConfigMap the operator
// publishes (Kubernetes). A source only produces CompiledPlans; the sink decides what is in
// force (versions, halt, validUntil) so both sources obey the same rules.

import type { CompiledPlan } from "../../api/plan/types.ts";

export interface PlanSink {
  /** Hands over a complete plan; returns false when it was not applied (older, or rejected). */
  offer(plan: CompiledPlan, origin: string): boolean;
  /** Reports a problem with the source's input; the plan in force stays. */
  problem(origin: string, message: string, details?: Record<string, unknown>): void;
  /** The source has finished its first attempt (with or without a plan). */
  ready(): void;
}

export interface PlanSource {
  /** Human-readable origin for logs, e.g. "file:/etc/experiments" or "configmap:ns/name". */
  readonly description: string;
  /** Starts delivering; resolves after the first load attempt, whatever its outcome. */
  start(sink: PlanSink): Promise<void>;
  stop(): Promise<void>;
}
