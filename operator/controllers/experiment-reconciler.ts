// Reconciles one TokenChaosExperiment: level-triggered and idempotent. Everything is re-derived
// from the cached object, the clock and the operator's own knowledge (halt, guard aborts, the
// published plan); the result is a status merge patch (only when something changed), an Event
// on each phase transition, and a requeue at the next window edge.

import {
  ApiException,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from "@kubernetes/client-node";
import {
  GROUP,
  type Injections,
  type Phase,
  PLURAL,
  type TokenChaosExperiment,
  type TokenChaosExperimentStatus,
  VERSION,
} from "../../api/v1alpha1/types.ts";
import type { EventRecorder } from "../events/recorder.ts";
import { FIELD_MANAGER } from "../names.ts";
import type { Logger } from "../observability/log.ts";
import type { OperatorMetrics } from "../observability/metrics.ts";
import type { PlanPublisher } from "../plan/publisher.ts";
import type { WorkResult } from "../queue/work-queue.ts";
import type { GuardAbort } from "../safety/guard-monitor.ts";
import type { RecoveryObservation } from "../safety/recovery.ts";
import type { ListWatcher } from "../watch/list-watcher.ts";
import { objectKey } from "../watch/relist-diff.ts";
import type { AbortRecord } from "./derive-phase.ts";
import { desiredStatus } from "./desired-status.ts";
import { abortedInStatus, type EvaluationContext, type ExperimentEvaluator } from "./evaluate.ts";
import { requeueDelay } from "./requeue.ts";
import { statusPatch } from "./status-patch.ts";

const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

const ACTIONS: Record<Phase, string> = {
  Pending: "Publish",
  Scheduled: "Schedule",
  Running: "Start",
  Paused: "Pause",
  Completed: "Complete",
  Aborted: "Abort",
  Invalid: "Validate",
};

export interface ReconcilerDeps {
  kc: KubeConfig;
  log: Logger;
  metrics: OperatorMetrics;
  cache: ListWatcher<TokenChaosExperiment>;
  evaluator: ExperimentEvaluator;
  publisher: PlanPublisher;
  recorder: EventRecorder;
  isLeader(): boolean;
  halted(): boolean;
  /** Latest injection counts by key, or undefined when no source is configured. */
  injections(): ReadonlyMap<string, Injections> | undefined;
  /** How long a not-yet-published experiment may wait before Pending is written. */
  pendingGraceMs: number;
  now?: () => number;
}

export class ExperimentReconciler {
  /** Guard aborts not yet (or no longer) visible in the cache, by key. */
  readonly aborts = new Map<string, GuardAbort>();
  readonly recoveries = new Map<string, { uid: string; obs: RecoveryObservation }>();
  /** Last derived phase by key (metrics, and what the guard monitor watches). */
  readonly phases = new Map<string, Phase>();
  private readonly awaitingSince = new Map<string, number>();
  /** Status written by this replica, valid while the cache still holds the object it patched. */
  private readonly written = new Map<
    string,
    { fromRv: string | undefined; status: TokenChaosExperimentStatus }
  >();
  private readonly api: CustomObjectsApi;
  private readonly deps: ReconcilerDeps;
  private readonly now: () => number;

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
    this.api = deps.kc.makeApiClient(CustomObjectsApi);
    this.now = deps.now ?? Date.now;
  }

  context(nowMs: number): EvaluationContext {
    return {
      nowMs,
      halted: this.deps.halted(),
      aborted: (obj) => this.abortOf(objectKey(obj), obj),
      published: (obj) => this.deps.publisher.isPublished(objectKey(obj), obj),
    };
  }

  abortOf(key: string, obj: TokenChaosExperiment): AbortRecord | undefined {
    const mem = this.aborts.get(key);
    if (mem !== undefined) {
      if (mem.uid === obj.metadata.uid && mem.generation === obj.metadata.generation) return mem;
      this.aborts.delete(key);
    }
    return abortedInStatus({ ...obj, status: this.effectiveStatus(key, obj) });
  }

  effectiveStatus(key: string, obj: TokenChaosExperiment): TokenChaosExperimentStatus | undefined {
    const w = this.written.get(key);
    if (w !== undefined) {
      if (w.fromRv === obj.metadata.resourceVersion) return w.status;
      this.written.delete(key);
    }
    return obj.status;
  }

  private setPhase(key: string, phase: Phase | undefined): void {
    const before = this.phases.get(key);
    if (before === phase) return;
    if (before !== undefined) this.deps.metrics.experiments.dec({ phase: before });
    if (phase === undefined) this.phases.delete(key);
    else {
      this.phases.set(key, phase);
      this.deps.metrics.experiments.inc({ phase });
    }
  }

  /** The watch delivered a newer object: a status this replica wrote is now in the cache. */
  observed(key: string, obj: TokenChaosExperiment | undefined): void {
    const w = this.written.get(key);
    if (w !== undefined && w.fromRv !== obj?.metadata.resourceVersion) this.written.delete(key);
  }

  /** On losing leadership: this replica no longer reports phases. */
  resetPhases(): void {
    for (const key of [...this.phases.keys()]) this.setPhase(key, undefined);
    this.awaitingSince.clear();
  }

  forget(key: string): void {
    this.setPhase(key, undefined);
    this.aborts.delete(key);
    this.recoveries.delete(key);
    this.awaitingSince.delete(key);
    this.written.delete(key);
    this.deps.evaluator.forget(key);
  }

  async reconcile(key: string): Promise<WorkResult | undefined> {
    const obj = this.deps.cache.get(key);
    if (obj === undefined) {
      this.forget(key);
      this.deps.publisher.request();
      return undefined;
    }
    // Followers only keep their caches warm (like controller-runtime, they run no reconciles):
    // a new leader requeues every key, and metrics summed over replicas count each once.
    if (!this.deps.isLeader()) return undefined;
    const now = this.now();
    const ev = this.deps.evaluator.evaluate(key, obj, this.context(now));
    const { result } = ev;
    // Publishing is needed only when the written plan disagrees (the publisher also republishes
    // by itself at window edges and on every watch event).
    if (!this.deps.publisher.inSync(key, obj, result.inPlan)) this.deps.publisher.request();
    this.setPhase(key, result.phase);
    const requeueAfterMs = requeueDelay(result.nextEdgeMs, now);

    if (result.phase === "Pending") {
      // The publisher requeues the key as soon as its plan is written; Pending is only worth
      // writing if that takes longer than the grace period (e.g. the API server refuses writes).
      const since = this.awaitingSince.get(key) ?? now;
      this.awaitingSince.set(key, since);
      if (now - since < this.deps.pendingGraceMs) {
        return { requeueAfterMs: this.deps.pendingGraceMs - (now - since) };
      }
    } else {
      this.awaitingSince.delete(key);
    }

    const existing = this.effectiveStatus(key, obj);
    const rec = this.recoveries.get(key);
    const observation = rec !== undefined && rec.uid === obj.metadata.uid ? rec.obs : undefined;
    const desired = desiredStatus({
      obj,
      existing,
      result,
      nowMs: now,
      injections: this.deps.injections()?.get(key),
      recoveryObservation: observation,
    });
    const patch = statusPatch(existing, desired);
    if (patch !== undefined) {
      const ns = obj.metadata.namespace ?? "";
      let res: unknown;
      try {
        res = await this.api.patchNamespacedCustomObjectStatus(
          {
            group: GROUP,
            version: VERSION,
            namespace: ns,
            plural: PLURAL,
            name: obj.metadata.name,
            body: patch,
            fieldManager: FIELD_MANAGER,
          },
          MERGE_PATCH,
        );
      } catch (err) {
        this.deps.metrics.writes.inc({ kind: "status", result: "error" });
        if (err instanceof ApiException && err.code === 404) return undefined; // deleted meanwhile
        throw err;
      }
      this.deps.metrics.writes.inc({ kind: "status", result: "ok" });
      const updated = res as TokenChaosExperiment;
      if (updated?.status !== undefined) {
        this.written.set(key, { fromRv: obj.metadata.resourceVersion, status: updated.status });
      }
      if (observation !== undefined) this.recoveries.delete(key);
      const log = this.deps.log.child({ namespace: ns, name: obj.metadata.name });
      if (existing?.phase !== desired.phase) {
        log.info(
          { from: existing?.phase, to: desired.phase, reason: result.reason },
          "phase changed",
        );
        this.deps.recorder.record(obj, {
          type: desired.phase === "Invalid" || desired.phase === "Aborted" ? "Warning" : "Normal",
          reason: desired.phase,
          note: desired.message,
          action: ACTIONS[desired.phase],
        });
      } else {
        log.debug({ fields: Object.keys(patch.status) }, "status updated");
      }
    } else if (observation !== undefined) {
      this.recoveries.delete(key);
    }
    return { requeueAfterMs };
  }
}
