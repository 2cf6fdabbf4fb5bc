// After an experiment's injection stops, polls its steadyState query until the condition holds
// (for its `for`), or the timeout passes, and hands the observation to the reconciler.

import { parseDuration } from "../../api/plan/schedule.ts";
import type { TokenChaosExperiment } from "../../api/v1alpha1/types.ts";
import type { Logger } from "../observability/log.ts";
import { PeriodicTask } from "../periodic-task.ts";
import { instantQuery } from "../prometheus/instant-query.ts";
import { measuringSince, type RecoveryObservation } from "./recovery.ts";
import { holds, type SustainState, sustain } from "./threshold.ts";

export const DEFAULT_RECOVERY_TIMEOUT_MS = 10 * 60 * 1000;

export interface RecoveryMonitorOptions {
  prometheusUrl: string;
  intervalMs: number;
  log: Logger;
  /** Experiments with a steadyState, and the recovery status to continue from. */
  candidates(): Iterable<[string, TokenChaosExperiment]>;
  onObservation(key: string, uid: string, obs: RecoveryObservation): void;
}

export class RecoveryMonitor extends PeriodicTask {
  private readonly states = new Map<string, { since: number; state: SustainState }>();
  private readonly opts: RecoveryMonitorOptions;

  constructor(opts: RecoveryMonitorOptions) {
    super(opts.intervalMs);
    this.opts = opts;
  }

  protected async step(): Promise<void> {
    const live = new Set<string>();
    for (const [key, obj] of this.opts.candidates()) {
      const cond = obj.spec?.steadyState?.prometheus;
      const since = measuringSince(obj.status?.recovery);
      if (cond === undefined || since === undefined) continue;
      live.add(key);
      const now = Date.now();
      const timeoutMs =
        (obj.spec.steadyState?.timeout && parseDuration(obj.spec.steadyState.timeout)) ||
        DEFAULT_RECOVERY_TIMEOUT_MS;
      if (now - since > timeoutMs) {
        this.opts.onObservation(key, obj.metadata.uid ?? "", { kind: "timedOut", atMs: now });
        this.states.delete(key);
        continue;
      }
      const prev = this.states.get(key);
      const state = prev?.since === since ? prev.state : {};
      const outcome = await instantQuery(this.opts.prometheusUrl, cond.query);
      const forMs = cond.for === undefined ? 0 : (parseDuration(cond.for) ?? 0);
      const step = sustain(state, outcome.ok ? holds(outcome.values, cond) : undefined, now, forMs);
      this.states.set(key, { since, state: step.state });
      if (step.sustained && step.state.sinceMs !== undefined) {
        // Recovered when the condition started holding, not when its `for` elapsed.
        this.opts.onObservation(key, obj.metadata.uid ?? "", {
          kind: "recovered",
          atMs: step.state.sinceMs,
        });
        this.states.delete(key);
      }
    }
    for (const key of this.states.keys()) if (!live.has(key)) this.states.delete(key);
  }
}
