// Every alert rule, in one place. scripts/gen-alerts.ts writes them as a plain Prometheus rules
// file (monitoring/token-chaos.rules.yaml, checked by promtool) and as the chart's copy that the
// PrometheusRule template loads; the integration test evaluates each expression on a real
// Prometheus.

export type Severity = "info" | "warning" | "critical";

export interface AlertRule {
  alert: string;
  expr: string;
  /** How long the condition must hold before the alert fires; omitted: fire at once. */
  for?: string;
  severity: Severity;
  summary: string;
  description: string;
}

export interface AlertGroup {
  name: string;
  rules: AlertRule[];
}

/**
 * Plan age past which the data plane is considered cut off from the operator: the operator
 * refreshes a plan with experiments every ~5 minutes and lets it lapse after 10.
 */
export const PLAN_STALE_SECONDS = 420;
/** Decision time budget for p99; the design target is 1 ms, this alerts well past it. */
export const CHECK_P99_SECONDS = 0.01;

export const ALERT_GROUPS: AlertGroup[] = [
  {
    name: "token-chaos.data-plane",
    rules: [
      {
        alert: "TokenChaosPlanStale",
        // The operator refreshes a plan that holds experiments every ~5 minutes (an empty plan
        // is never refreshed, so its age alone means nothing): only alert while experiments
        // are planned.
        expr: `max by (namespace, pod) (token_chaos_plan_age_seconds) > ${PLAN_STALE_SECONDS} and on () max(token_chaos_operator_plan_experiments) > 0`,
        for: "5m",
        severity: "warning",
        summary: "An authz-server holds a stale plan",
        description:
          "{{ $labels.namespace }}/{{ $labels.pod }} has not received a new plan for " +
          "{{ $value | humanizeDuration }} although experiments are planned. Windows still " +
          "bound injection, but pauses, deletions and halts do not reach it: check the " +
          "operator and the replica's access to the plan ConfigMap.",
      },
      {
        alert: "TokenChaosPlanNotPropagated",
        expr: "max(token_chaos_operator_plan_version) - on () group_right () max by (namespace, pod) (token_chaos_plan_version) > 0",
        for: "2m",
        severity: "warning",
        summary: "An authz-server enforces an older plan than the operator published",
        description:
          "{{ $labels.namespace }}/{{ $labels.pod }} still enforces an older plan than the one " +
          "the operator published; stops (pause, delete, halt) may not reach its proxies.",
      },
      {
        alert: "TokenChaosAuthzInternalErrors",
        expr: "sum by (namespace, pod) (rate(token_chaos_internal_errors_total[5m])) > 0",
        for: "5m",
        severity: "warning",
        summary: "The authz-server is failing open on internal errors",
        description:
          "{{ $labels.namespace }}/{{ $labels.pod }} answered {{ $value | humanize }} Check(s) " +
          "per second with allow after an internal error. Experiments are not applied to those " +
          "requests; see the pod's logs.",
      },
      {
        alert: "TokenChaosCheckLatencyHigh",
        expr: `histogram_quantile(0.99, sum by (namespace, le) (rate(token_chaos_check_duration_seconds_bucket[5m]))) > ${CHECK_P99_SECONDS}`,
        for: "10m",
        severity: "warning",
        summary: "authz-server decision time p99 is high",
        description:
          "p99 of the server-side Check decision time in {{ $labels.namespace }} is " +
          "{{ $value | humanizeDuration }}; every request through the proxies pays it. Check " +
          "CPU limits and the number of experiments.",
      },
    ],
  },
  {
    name: "token-chaos.control-plane",
    rules: [
      {
        alert: "TokenChaosExperimentAborted",
        expr: 'max by (namespace) (token_chaos_experiments{phase="Aborted"}) > 0',
        severity: "warning",
        summary: "A token-chaos experiment was aborted by its guard",
        description:
          "{{ $value }} experiment(s) reported by the operator in {{ $labels.namespace }} are " +
          "Aborted: a guard query crossed its threshold and injection stopped. " +
          "`kubectl get tce -A` shows which and why.",
      },
      {
        alert: "TokenChaosOperatorNoLeader",
        expr: "sum(token_chaos_leader) == 0",
        for: "2m",
        severity: "critical",
        summary: "No token-chaos operator replica holds the leader Lease",
        description:
          "No replica leads, so no plan is published: new experiments, pauses and deletions " +
          "are not applied and the data plane keeps only the windows it already has.",
      },
      {
        alert: "TokenChaosOperatorAbsent",
        expr: "absent(token_chaos_leader)",
        for: "10m",
        severity: "warning",
        summary: "No token-chaos operator replica is reporting metrics",
        description:
          "Prometheus scrapes no operator replica. Without an operator no plan is published " +
          "or refreshed, and a plan with experiments lapses 10 minutes after its last refresh.",
      },
      {
        alert: "TokenChaosOperatorSplitBrain",
        expr: "sum(token_chaos_leader) > 1",
        for: "1m",
        severity: "critical",
        summary: "More than one token-chaos operator replica claims leadership",
        description:
          "{{ $value }} replicas report themselves leader; check clock skew and the Lease.",
      },
    ],
  },
];

/** Flat list of every rule, for tests. */
export function allAlerts(): AlertRule[] {
  return ALERT_GROUPS.flatMap((g) => g.rules);
}
