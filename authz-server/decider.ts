// The one place the front ends call the engine. It never throws: any failure answers ALLOW
// and counts an internal error, because the chaos tool itself must never become the outage.
// It also reports every fault decision (metric + log line), so both protocols report alike.

import { ALLOW, type CheckAttributes, type Decision, type Random } from "./engine/types.ts";
import type { Engine, EngineState } from "./engine-api.ts";
import type { Logger } from "./observability/logger.ts";
import type { AuthzMetrics, Protocol } from "./observability/metrics.ts";
import type { PlanState } from "./plan-state.ts";

export interface DeciderDeps {
  engine: Engine;
  engineState: EngineState;
  planState: PlanState;
  metrics: AuthzMetrics;
  logger: Logger;
  now: () => number;
  random: Random;
}

export type Decider = (attrs: CheckAttributes, protocol: Protocol) => Decision;

/** Logs at most one line per interval for a repeating failure, with the count suppressed. */
export class RateLimitedLog {
  #last = 0;
  #suppressed = 0;
  #intervalMs: number;
  constructor(intervalMs = 1000) {
    this.#intervalMs = intervalMs;
  }
  /** Returns the number of suppressed repeats to report, or -1 when this one must be dropped. */
  take(now: number): number {
    if (now - this.#last < this.#intervalMs) {
      this.#suppressed++;
      return -1;
    }
    this.#last = now;
    const n = this.#suppressed;
    this.#suppressed = 0;
    return n;
  }
}

export function createDecider(deps: DeciderDeps): Decider {
  const { engine, engineState, planState, metrics, logger, now, random } = deps;
  const errorLog = new RateLimitedLog();
  return (attrs, protocol) => {
    let decision: Decision;
    try {
      const t = now();
      decision = engine.decide(attrs, planState.effective(t), t, random, engineState);
    } catch (err) {
      failOpen(metrics, logger, errorLog, "decide", err, attrs.requestId, protocol);
      return ALLOW;
    }
    const reason = decision.reason;
    if (reason !== undefined) {
      metrics.countInjection(reason);
      if (logger.isLevelEnabled("info")) {
        logger.info(
          {
            requestId: attrs.requestId,
            protocol,
            experiment: reason.experiment,
            namespace: reason.namespace,
            fault: reason.fault,
            form: reason.form,
            outcome: reason.skipped === true ? "skipped" : reason.dryRun ? "dry_run" : "injected",
            decision: decision.kind,
            status: decision.kind === "deny" ? decision.status : undefined,
            delayMs: decision.delayMs > 0 ? decision.delayMs : undefined,
          },
          "fault decision",
        );
      }
    }
    return decision;
  };
}

/** Counts and (rate-limited) logs a failure that made a check fail open. */
export function failOpen(
  metrics: AuthzMetrics,
  logger: Logger,
  log: RateLimitedLog,
  where: string,
  err: unknown,
  requestId: string | undefined,
  protocol: Protocol,
): void {
  metrics.countInternalError(where);
  const suppressed = log.take(Date.now());
  if (suppressed >= 0) {
    logger.error(
      { err, where, requestId, protocol, suppressedSinceLast: suppressed },
      "internal error, request allowed (fail open)",
    );
  }
}
