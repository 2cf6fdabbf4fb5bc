// Polls each running experiment's guard query against Prometheus. A breach (threshold crossed
// for the guard's `for`) aborts that generation: the abort is recorded in memory at once and the
// plan republished, so injection stops within a second; the reconciler then writes the Aborted
// status, which keeps the experiment aborted across restarts until its spec changes.

import { parseDuration } from "../../api/plan/schedule.ts";
import type { TokenChaosExperiment } from "../../api/v1alpha1/types.ts";
import type { AbortRecord } from "../controllers/derive-phase.ts";
import type { Logger } from "../observability/log.ts";
import { PeriodicTask } from "../periodic-task.ts";
import { instantQuery, type QueryOutcome } from "../prometheus/instant-query.ts";
import { crosses, type SustainState, sustain } from "./threshold.ts";

export interface GuardAbort extends AbortRecord {
  uid: string;
  generation: number | undefined;
}

export interface GuardMonitorOptions {
  prometheusUrl: string;
  intervalMs: number;
  log: Logger;
  /** The experiments currently running, by key. */
  running(): Iterable<[string, TokenChaosExperiment]>;
  onBreach(key: string, abort: GuardAbort): void;
}

export class GuardMonitor extends PeriodicTask {
  private readonly states = new Map<string, { stamp: string; state: SustainState }>();
  private readonly opts: GuardMonitorOptions;

  constructor(opts: GuardMonitorOptions) {
    super(opts.intervalMs);
    this.opts = opts;
  }

  protected async step(): Promise<void> {
    const guarded: Array<[string, TokenChaosExperiment]> = [];
    for (const [key, obj] of this.opts.running())
      if (obj.spec?.guard?.prometheus) guarded.push([key, obj]);
    // One request per distinct query, however many experiments share it.
    const queries = new Map<string, Promise<QueryOutcome>>();
    for (const [, obj] of guarded) {
      const q = obj.spec.guard?.prometheus.query as string;
      if (!queries.has(q)) queries.set(q, instantQuery(this.opts.prometheusUrl, q));
    }
    const live = new Set<string>();
    for (const [key, obj] of guarded) {
      live.add(key);
      const cond = obj.spec.guard?.prometheus;
      if (cond === undefined) continue;
      const outcome = await (queries.get(cond.query) as Promise<QueryOutcome>);
      const stamp = `${obj.metadata.uid}/${obj.metadata.generation}`;
      const prev = this.states.get(key);
      const state = prev?.stamp === stamp ? prev.state : {};
      const forMs = cond.for === undefined ? 0 : (parseDuration(cond.for) ?? 0);
      const crossed = outcome.ok ? crosses(outcome.values, cond) : undefined;
      if (!outcome.ok) {
        this.opts.log.warn(
          { namespace: obj.metadata.namespace, name: obj.metadata.name, error: outcome.error },
          "guard query failed",
        );
      }
      const step = sustain(state, crossed, Date.now(), forMs);
      this.states.set(key, { stamp, state: step.state });
      if (step.sustained && outcome.ok) {
        const worst =
          cond.above !== undefined ? Math.max(...outcome.values) : Math.min(...outcome.values);
        const bound = cond.above !== undefined ? `above ${cond.above}` : `below ${cond.below}`;
        this.opts.onBreach(key, {
          uid: obj.metadata.uid ?? "",
          generation: obj.metadata.generation,
          reason: "GuardBreached",
          message: `guard breached: ${cond.query} = ${worst} (${bound}) for ${cond.for ?? "0s"}`,
        });
        this.states.delete(key);
      }
    }
    for (const key of this.states.keys()) if (!live.has(key)) this.states.delete(key);
  }
}
