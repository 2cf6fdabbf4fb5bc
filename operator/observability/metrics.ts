// Operator metrics, named and labelled like controller-runtime's so existing dashboards work.
// One registry per operator instance: tests run several in one process.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { PHASES, type Phase } from "../../api/v1alpha1/types.ts";
import type { WorkQueueMetrics } from "../queue/work-queue.ts";

const DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export class OperatorMetrics {
  readonly registry = new Registry();
  readonly reconcileTotal: Counter<"controller" | "result">;
  readonly reconcileErrors: Counter<"controller">;
  readonly reconcileTime: Histogram<"controller">;
  readonly queueAdds: Counter<"name">;
  readonly queueDepth: Gauge<"name">;
  readonly queueDuration: Histogram<"name">;
  readonly workDuration: Histogram<"name">;
  readonly queueRetries: Counter<"name">;
  readonly experiments: Gauge<"phase">;
  readonly leader: Gauge;
  readonly writes: Counter<"kind" | "result">;
  readonly planVersion: Gauge;
  readonly planExperiments: Gauge;
  readonly planBytes: Gauge;
  readonly relists: Counter<"resource" | "reason">;
  readonly cached: Gauge<"resource">;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.reconcileTotal = new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Total number of reconciliations per controller",
      labelNames: ["controller", "result"],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Total number of reconciliation errors per controller",
      labelNames: ["controller"],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Length of time per reconciliation per controller",
      labelNames: ["controller"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.queueAdds = new Counter({
      name: "workqueue_adds_total",
      help: "Total number of adds handled by workqueue",
      labelNames: ["name"],
      registers,
    });
    this.queueDepth = new Gauge({
      name: "workqueue_depth",
      help: "Current depth of workqueue",
      labelNames: ["name"],
      registers,
    });
    this.queueDuration = new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "How long in seconds an item stays in workqueue before being requested",
      labelNames: ["name"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.workDuration = new Histogram({
      name: "workqueue_work_duration_seconds",
      help: "How long in seconds processing an item from workqueue takes",
      labelNames: ["name"],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.queueRetries = new Counter({
      name: "workqueue_retries_total",
      help: "Total number of retries handled by workqueue",
      labelNames: ["name"],
      registers,
    });
    this.experiments = new Gauge({
      name: "token_chaos_experiments",
      help: "Experiments known to the operator, by phase",
      labelNames: ["phase"],
      registers,
    });
    this.leader = new Gauge({
      name: "token_chaos_leader",
      help: "1 when this replica is the leader (writes status, events and the plan), else 0",
      registers,
    });
    this.writes = new Counter({
      name: "token_chaos_operator_writes_total",
      help: "Writes to the API server by kind (status, event, plan, lease) and result",
      labelNames: ["kind", "result"],
      registers,
    });
    this.planVersion = new Gauge({
      name: "token_chaos_operator_plan_version",
      help: "Version of the last plan this replica published",
      registers,
    });
    this.planExperiments = new Gauge({
      name: "token_chaos_operator_plan_experiments",
      help: "Experiments in the last published plan",
      registers,
    });
    this.planBytes = new Gauge({
      name: "token_chaos_operator_plan_bytes",
      help: "Compressed size of the last published plan",
      registers,
    });
    this.relists = new Counter({
      name: "token_chaos_operator_relists_total",
      help: "Full relists by resource and reason (start, gone, stalled, error)",
      labelNames: ["resource", "reason"],
      registers,
    });
    this.cached = new Gauge({
      name: "token_chaos_operator_cached_objects",
      help: "Objects in this replica's watch cache (followers keep theirs warm too)",
      labelNames: ["resource"],
      registers,
    });
    for (const p of PHASES) this.experiments.set({ phase: p }, 0);
    this.leader.set(0);
  }

  queueMetrics(name: string): WorkQueueMetrics {
    return {
      onAdd: () => this.queueAdds.inc({ name }),
      onDepth: (d) => this.queueDepth.set({ name }, d),
      onQueued: (s) => this.queueDuration.observe({ name }, s),
      onWork: (s) => this.workDuration.observe({ name }, s),
      onRetry: () => this.queueRetries.inc({ name }),
    };
  }

  setPhaseCounts(counts: ReadonlyMap<Phase, number>): void {
    for (const p of PHASES) this.experiments.set({ phase: p }, counts.get(p) ?? 0);
  }
}
