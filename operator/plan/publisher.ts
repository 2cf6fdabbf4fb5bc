// Publishes the compiled plan. Requests are coalesced (a few ms after the last one, bounded
// after the first), so a burst of 1,000 changes is one write and a single change reaches the
// ConfigMap in tens of milliseconds. Only the leader writes; a write only happens when the data
// plane would see a difference, or validUntil needs a refresh.

import { ApiException } from "@kubernetes/client-node";
import { compilePlan } from "../../api/plan/compile.ts";
import type { CompiledPlan } from "../../api/plan/types.ts";
import type { TokenChaosExperiment } from "../../api/v1alpha1/types.ts";
import { windowPosition } from "../controllers/windows.ts";
import type { Logger } from "../observability/log.ts";
import type { OperatorMetrics } from "../observability/metrics.ts";
import { backoffDelay } from "../queue/backoff.ts";
import { errText } from "../watch/list-watcher.ts";
import type { ConfigMapPlanStore } from "./configmap-store.ts";
import {
  decideWrite,
  nextVersion,
  onlyRemovals,
  PLAN_VALIDITY_MS,
  publishDelay,
} from "./publish-decision.ts";

export interface PlanInputs {
  /** Experiments that belong in the plan right now, keyed by namespace/name. */
  experiments: Map<string, TokenChaosExperiment>;
  halted: boolean;
}

export interface PublisherOptions {
  store: ConfigMapPlanStore;
  log: Logger;
  metrics: OperatorMetrics;
  isLeader(): boolean;
  inputs(nowMs: number): PlanInputs;
  /** Called with the keys whose published membership changed, after a successful write. */
  onPublished(changed: string[]): void;
  debounceMs?: number;
  maxDelayMs?: number;
  now?: () => number;
}

export class PlanPublisher {
  private firstRequestMs: number | undefined;
  private lastRequestMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private failures = 0;
  private stopped = false;
  /** What the ConfigMap holds, as far as this replica knows; reset on leadership changes. */
  private remote:
    | { plan?: CompiledPlan; resourceVersion?: string; annotatedVersion?: number }
    | undefined;
  /** key -> "uid/generation" of each experiment in the last written plan. */
  private published = new Map<string, string>();
  /** The last full compile: its plan, the stamps it was made from, and its next window edge. */
  private compiled:
    | { plan: CompiledPlan; stamps: Map<string, string>; nextEdgeMs: number }
    | undefined;
  private edgeTimer: NodeJS.Timeout | undefined;
  /** How long the last write took end to end; spaces publishes under a stream of changes. */
  private lastCostMs = 0;
  private readonly opts: PublisherOptions;
  private readonly now: () => number;

  constructor(opts: PublisherOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
  }

  /** Something changed: publish soon. */
  request(): void {
    if (this.stopped) return;
    const now = this.now();
    this.firstRequestMs ??= now;
    this.lastRequestMs = now;
    if (this.running) {
      this.again = true;
      return;
    }
    this.schedule();
  }

  isPublished(key: string, obj: TokenChaosExperiment): boolean {
    return this.published.get(key) === stamp(obj);
  }

  /** Whether the last written plan already reflects this experiment's membership. */
  inSync(key: string, obj: TokenChaosExperiment, inPlan: boolean): boolean {
    const p = this.published.get(key);
    return inPlan ? p === stamp(obj) : p === undefined;
  }

  lastPlan(): CompiledPlan | undefined {
    return this.remote?.plan;
  }

  /** Forget what the ConfigMap holds: a new leader reads it again before writing. */
  resetRemote(): void {
    this.remote = undefined;
    this.published = new Map();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    if (this.edgeTimer !== undefined) clearTimeout(this.edgeTimer);
  }

  private schedule(): void {
    const first = this.firstRequestMs ?? this.now();
    const delay = publishDelay(
      first,
      this.lastRequestMs,
      this.now(),
      this.opts.debounceMs ?? 5,
      // Under a stream of changes, leave the event loop at least twice the last publish's cost
      // between publishes, bounded so a change still reaches the ConfigMap well within 1 s.
      Math.max(this.opts.maxDelayMs ?? 50, Math.min(400, 2 * this.lastCostMs)),
    );
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.publish();
    }, delay);
  }

  private async publish(): Promise<void> {
    if (this.stopped) return;
    this.running = true;
    this.again = false;
    this.firstRequestMs = undefined;
    let retryMs: number | undefined;
    try {
      if (this.opts.isLeader()) await this.publishOnce();
      this.failures = 0;
    } catch (err) {
      this.failures++;
      retryMs = backoffDelay(this.failures, { baseMs: 100, maxMs: 5000 });
      if (err instanceof ApiException && err.code === 409) {
        // Someone else wrote (a previous leader?): read again before the next attempt.
        this.remote = undefined;
        retryMs = 0;
      }
      this.opts.metrics.writes.inc({ kind: "plan", result: "error" });
      this.opts.log.warn({ err: errText(err), retryMs }, "publishing the plan failed");
    } finally {
      this.running = false;
    }
    if (this.stopped) return;
    if (this.again) this.schedule();
    else if (retryMs !== undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.request();
      }, retryMs);
    }
  }

  private async publishOnce(): Promise<void> {
    if (this.remote === undefined) this.remote = await this.opts.store.read();
    const now = this.now();
    const inputs = this.opts.inputs(now);
    const previous = this.remote.plan;
    const version = nextVersion(
      Math.max(previous?.version ?? 0, this.remote.annotatedVersion ?? 0),
      now,
    );
    const started = performance.now();
    const { plan, rejected } = this.build(inputs, now, version);
    const decision = decideWrite(previous, plan, now);
    if (!decision.write) {
      this.scheduleRefresh(decision.refreshAtMs);
      return;
    }
    const written = await this.opts.store.write(plan, this.remote.resourceVersion);
    this.lastCostMs = performance.now() - started;
    this.remote = { plan, resourceVersion: written.resourceVersion };
    const m = this.opts.metrics;
    m.writes.inc({ kind: "plan", result: "ok" });
    m.planVersion.set(plan.version);
    m.planExperiments.set(plan.experiments.length);
    m.planBytes.set(written.bytes);
    this.opts.log.info(
      {
        version: plan.version,
        experiments: plan.experiments.length,
        halted: plan.halted,
        bytes: written.bytes,
        reason: decision.reason,
        rejected,
        ms: Math.round(this.lastCostMs),
      },
      "plan published",
    );
    const inPlan = new Set(plan.experiments.map((e) => e.id));
    const next = new Map<string, string>();
    for (const [key, obj] of inputs.experiments) if (inPlan.has(key)) next.set(key, stamp(obj));
    const changed: string[] = [];
    for (const [k, v] of next) if (this.published.get(k) !== v) changed.push(k);
    for (const k of this.published.keys()) if (!next.has(k)) changed.push(k);
    this.published = next;
    if (changed.length > 0) this.opts.onPublished(changed);
    this.scheduleRefresh(now + PLAN_VALIDITY_MS / 2);
  }

  /**
   * The plan for the inputs. A full compilePlan runs when an experiment was added or changed,
   * or a window edge passed; when experiments were only removed (delete, pause, abort, halt:
   * the changes that must be fast) the last compiled plan is filtered instead, which costs
   * nothing however many experiments there are.
   */
  private build(
    inputs: PlanInputs,
    now: number,
    version: number,
  ): { plan: CompiledPlan; rejected: number } {
    const validUntil = now + PLAN_VALIDITY_MS;
    if (inputs.halted) {
      const { plan } = compilePlan([], {
        nowMs: now,
        version,
        halted: true,
        validForMs: PLAN_VALIDITY_MS,
      });
      return { plan, rejected: 0 };
    }
    const last = this.compiled;
    const stamps = new Map<string, string>();
    for (const [key, obj] of inputs.experiments) stamps.set(key, stamp(obj));
    if (last !== undefined && onlyRemovals(last.stamps, stamps, last.nextEdgeMs, now)) {
      return {
        plan: {
          ...last.plan,
          version,
          generatedAt: now,
          validUntil,
          experiments: last.plan.experiments.filter((e) => inputs.experiments.has(e.id)),
        },
        rejected: 0,
      };
    }
    const { plan, problems } = compilePlan([...inputs.experiments.values()], {
      nowMs: now,
      version,
      halted: false,
      validForMs: PLAN_VALIDITY_MS,
    });
    let nextEdgeMs = Number.POSITIVE_INFINITY;
    for (const e of plan.experiments) {
      const edge = windowPosition(e.windows, now).nextEdgeMs;
      if (edge !== undefined && edge < nextEdgeMs) nextEdgeMs = edge;
    }
    this.compiled = { plan, stamps, nextEdgeMs };
    this.scheduleEdge(nextEdgeMs);
    return { plan, rejected: problems.size };
  }

  /** Windows move at edges: recompile then, whatever else happens. */
  private scheduleEdge(atMs: number): void {
    if (this.edgeTimer !== undefined) clearTimeout(this.edgeTimer);
    this.edgeTimer = undefined;
    if (!Number.isFinite(atMs) || this.stopped) return;
    const delay = Math.min(2 ** 31 - 1, Math.max(0, atMs - this.now()) + 1);
    this.edgeTimer = setTimeout(() => this.request(), delay);
    this.edgeTimer.unref();
  }

  private scheduleRefresh(atMs: number | undefined): void {
    if (this.refreshTimer !== undefined) clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    if (atMs === undefined || this.stopped) return;
    this.refreshTimer = setTimeout(() => this.request(), Math.max(0, atMs - this.now()) + 10);
    this.refreshTimer.unref();
  }
}

function stamp(obj: TokenChaosExperiment): string {
  return `${obj.metadata?.uid ?? ""}/${obj.metadata?.generation ?? ""}`;
}
