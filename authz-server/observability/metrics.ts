// The authz-server's metric families (DESIGN.md, observability contract), on a Registry of
// its own so several servers can run in one process (tests, the demo) without clashing.
// Labels are bounded: protocol, outcome, and experiment identity from the plan; never a
// request or token value.

import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type LabelValues,
  Registry,
} from "prom-client";
import type { DecisionReason } from "../engine/types.ts";

const PROTOCOLS = ["grpc", "http"] as const;
export type Protocol = (typeof PROTOCOLS)[number];
const CHECK_OUTCOMES = ["allow", "mutate", "deny", "error", "fail_open"] as const;
/** allow: passed untouched; mutate: passed with changed headers; deny; error; fail_open. */
export type CheckOutcome = (typeof CHECK_OUTCOMES)[number];

type CheckCounts = Record<Protocol, Record<CheckOutcome, number>>;

function newCheckCounts(): CheckCounts {
  const zero = (): Record<CheckOutcome, number> => ({
    allow: 0,
    mutate: 0,
    deny: 0,
    error: 0,
    fail_open: 0,
  });
  return { grpc: zero(), http: zero() };
}
export type InjectionOutcome = "injected" | "dry_run" | "skipped";

/** What the plan gauges read at scrape time. */
export interface PlanGaugeSource {
  version(): number;
  generatedAt(): number | undefined;
  activeExperiments(now: number): number;
}

export interface AuthzMetrics {
  registry: Registry;
  countCheck(protocol: Protocol, outcome: CheckOutcome): void;
  observeCheckDuration(protocol: Protocol, seconds: number): void;
  countInjection(reason: DecisionReason): void;
  observeInjectedDelay(fault: string, seconds: number): void;
  countInternalError(where: string): void;
  countPlanError(source: string): void;
  /** Counters read back in tests and logs. */
  internalErrors(): Promise<number>;
}

// Fine buckets from 10 us: a pass-through decision takes a few microseconds.
const CHECK_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
];
const DELAY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createMetrics(plan: PlanGaugeSource, now: () => number = Date.now): AuthzMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // Every check is counted, so the count is kept in plain numbers and handed to the counter
  // when it is read: prom-client hashes the label set on every inc(), even on a bound child.
  const pendingChecks = newCheckCounts();
  new Counter({
    name: "token_chaos_checks_total",
    help: "Authorization checks answered, by protocol and outcome.",
    labelNames: ["protocol", "outcome"] as const,
    registers: [registry],
    collect() {
      for (const protocol of PROTOCOLS) {
        const counts = pendingChecks[protocol];
        for (const outcome of CHECK_OUTCOMES) {
          const n = counts[outcome];
          if (n === 0) continue;
          counts[outcome] = 0;
          this.inc({ protocol, outcome }, n);
        }
      }
    },
  });
  const injections = new Counter({
    name: "token_chaos_injections_total",
    help: "Fault decisions by experiment: injected, counted in dryRun, or skipped (not a JWT).",
    labelNames: ["experiment", "namespace", "fault", "form", "outcome"] as const,
    registers: [registry],
  });
  const checkDuration = new Histogram({
    name: "token_chaos_check_duration_seconds",
    help: "Server-side decision time per check (translation, decision, response), without injected delay.",
    labelNames: ["protocol"] as const,
    buckets: CHECK_BUCKETS,
    registers: [registry],
  });
  const injectedDelay = new Histogram({
    name: "token_chaos_injected_delay_seconds",
    help: "Delay deliberately added before answering a check.",
    labelNames: ["fault"] as const,
    buckets: DELAY_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: "token_chaos_plan_version",
    help: "Version of the plan in force (0 before the first plan).",
    registers: [registry],
    collect() {
      this.set(plan.version());
    },
  });
  new Gauge({
    name: "token_chaos_plan_age_seconds",
    help: "Seconds since the plan in force was compiled.",
    registers: [registry],
    collect() {
      const at = plan.generatedAt();
      if (at === undefined) this.reset();
      else this.set(Math.max(0, (now() - at) / 1000));
    },
  });
  new Gauge({
    name: "token_chaos_active_experiments",
    help: "Experiments with a window open now (0 when halted or the plan expired).",
    registers: [registry],
    collect() {
      this.set(plan.activeExperiments(now()));
    },
  });
  const internalErrors = new Counter({
    name: "token_chaos_internal_errors_total",
    help: "Checks answered allow because the server itself failed (fail open).",
    labelNames: ["where"] as const,
    registers: [registry],
  });
  const planErrors = new Counter({
    name: "token_chaos_plan_errors_total",
    help: "Plans or experiment files rejected; the last good plan stays in force.",
    labelNames: ["source"] as const,
    registers: [registry],
  });

  // Bound once: the hot path does not build a label object per observation.
  const durationChildren = {
    grpc: checkDuration.labels("grpc"),
    http: checkDuration.labels("http"),
  };

  return {
    registry,
    countCheck(protocol, outcome) {
      pendingChecks[protocol][outcome]++;
    },
    observeCheckDuration(protocol, seconds) {
      durationChildren[protocol].observe(seconds);
    },
    countInjection(reason) {
      const labels: LabelValues<"experiment" | "namespace" | "fault" | "form" | "outcome"> = {
        experiment: reason.experiment,
        namespace: reason.namespace,
        fault: reason.fault,
        form: reason.form,
        outcome: reason.skipped === true ? "skipped" : reason.dryRun ? "dry_run" : "injected",
      };
      injections.inc(labels);
    },
    observeInjectedDelay(fault, seconds) {
      injectedDelay.observe({ fault }, seconds);
    },
    countInternalError(where) {
      internalErrors.inc({ where });
    },
    countPlanError(source) {
      planErrors.inc({ source });
    },
    async internalErrors() {
      const m = await internalErrors.get();
      return m.values.reduce((sum, v) => sum + v.value, 0);
    },
  };
}
