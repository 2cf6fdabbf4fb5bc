// Every query of the Grafana dashboard, in one place. The dashboard JSON is generated from this
// list (scripts/gen-dashboard.ts) and the integration test runs each query against a real
// Prometheus scraping a real authz-server and operator, so a renamed metric or label fails a
// test instead of leaving an empty panel.

/**
 * Where a query's series come from. token-chaos queries must return data in the test; mesh
 * queries need Istio or Envoy metrics the test cannot produce, so they only have to parse.
 */
export type QuerySource = "authz-server" | "operator" | "istio" | "envoy";

export interface PanelQuery {
  expr: string;
  legend: string;
  source: QuerySource;
}

export type PanelKind = "timeseries" | "stat";

export interface Panel {
  title: string;
  description: string;
  kind: PanelKind;
  /** Grafana unit id: "ops", "s", "short", "percentunit"... */
  unit: string;
  /** Width out of 24 columns. */
  width: number;
  height: number;
  /** Shown instead of "No data" when a healthy system has no series yet (errors). */
  noValue?: string;
  queries: PanelQuery[];
}

export interface PanelRow {
  title: string;
  panels: Panel[];
}

export interface AnnotationQuery {
  name: string;
  expr: string;
  title: string;
  text: string;
  color: string;
  source: QuerySource;
}

/** Grafana template variables used in the queries, and what the tests substitute for them. */
export const VARIABLES = {
  experiment: {
    label: "Experiment",
    query: "label_values(token_chaos_injections_total, experiment)",
    testValue: ".*",
  },
  service: {
    label: "Target service (regex)",
    default: ".*",
    testValue: ".*",
  },
} as const;

const RATE = "$__rate_interval";
const EXPERIMENT = 'experiment=~"$experiment"';

const injectionRate = `sum(rate(token_chaos_injections_total{${EXPERIMENT}}[${RATE}]))`;

export const ROWS: PanelRow[] = [
  {
    title: "Injections",
    panels: [
      {
        title: "Injections per second by experiment and fault",
        description:
          "Faults applied by the authz-servers (dry-run decisions included, labelled by outcome).",
        kind: "timeseries",
        unit: "ops",
        width: 12,
        height: 8,
        queries: [
          {
            expr: `sum by (experiment, fault) (rate(token_chaos_injections_total{${EXPERIMENT}}[${RATE}]))`,
            legend: "{{experiment}} {{fault}}",
            source: "authz-server",
          },
        ],
      },
      {
        title: "Checks per second by outcome",
        description: "Every Check answered: allowed untouched, denied, mutated, delayed, errored.",
        kind: "timeseries",
        unit: "ops",
        width: 12,
        height: 8,
        queries: [
          {
            expr: `sum by (outcome) (rate(token_chaos_checks_total[${RATE}]))`,
            legend: "{{outcome}}",
            source: "authz-server",
          },
        ],
      },
      {
        title: "Active experiments",
        description: "Experiments whose window is open now, as the data plane sees it.",
        kind: "timeseries",
        unit: "short",
        width: 8,
        height: 6,
        queries: [
          {
            expr: "max(token_chaos_active_experiments)",
            legend: "active",
            source: "authz-server",
          },
        ],
      },
      {
        title: "Plan version",
        description: "Highest and lowest plan version across replicas; a gap means a lagging one.",
        kind: "stat",
        unit: "none",
        width: 8,
        height: 6,
        queries: [
          { expr: "max(token_chaos_plan_version)", legend: "newest", source: "authz-server" },
          { expr: "min(token_chaos_plan_version)", legend: "oldest", source: "authz-server" },
        ],
      },
      {
        title: "Plan age",
        description: "Time since the plan each replica holds was compiled.",
        kind: "stat",
        unit: "s",
        width: 8,
        height: 6,
        queries: [
          {
            expr: "max(token_chaos_plan_age_seconds)",
            legend: "oldest replica",
            source: "authz-server",
          },
        ],
      },
    ],
  },
  {
    title: "Data plane health",
    panels: [
      {
        title: "Check latency (decision time)",
        description: "Server-side time to decide a Check, injected delays excluded.",
        kind: "timeseries",
        unit: "s",
        width: 8,
        height: 8,
        queries: [
          {
            expr: `histogram_quantile(0.5, sum by (le) (rate(token_chaos_check_duration_seconds_bucket[${RATE}])))`,
            legend: "p50",
            source: "authz-server",
          },
          {
            expr: `histogram_quantile(0.99, sum by (le) (rate(token_chaos_check_duration_seconds_bucket[${RATE}])))`,
            legend: "p99",
            source: "authz-server",
          },
        ],
      },
      {
        title: "Injected delay",
        description: "Delay added by delay faults (p50, p99).",
        kind: "timeseries",
        unit: "s",
        width: 8,
        height: 8,
        queries: [
          {
            expr: `histogram_quantile(0.5, sum by (le) (rate(token_chaos_injected_delay_seconds_bucket[${RATE}])))`,
            legend: "p50",
            source: "authz-server",
          },
          {
            expr: `histogram_quantile(0.99, sum by (le) (rate(token_chaos_injected_delay_seconds_bucket[${RATE}])))`,
            legend: "p99",
            source: "authz-server",
          },
        ],
      },
      {
        title: "Internal errors (answered allow)",
        description:
          "Checks on which the authz-server failed internally and failed open, by where. Should be zero.",
        kind: "timeseries",
        unit: "ops",
        width: 8,
        height: 8,
        noValue: "0",
        queries: [
          {
            expr: `sum by (where) (rate(token_chaos_internal_errors_total[${RATE}]))`,
            legend: "{{where}}",
            source: "authz-server",
          },
        ],
      },
    ],
  },
  {
    title: "Error propagation",
    panels: [
      {
        title: "Target service 401/403/5xx next to injections",
        description:
          "How injected token faults propagate: the targeted service's auth and server errors " +
          "(Istio or Envoy metrics, when present) against the injection rate.",
        kind: "timeseries",
        unit: "ops",
        width: 16,
        height: 9,
        queries: [
          { expr: injectionRate, legend: "injections", source: "authz-server" },
          {
            expr: `sum by (response_code) (rate(istio_requests_total{reporter="destination", destination_service=~"$service", response_code=~"401|403|5.."}[${RATE}]))`,
            legend: "istio {{response_code}}",
            source: "istio",
          },
          {
            expr: `sum by (envoy_response_code) (rate(envoy_cluster_upstream_rq{envoy_cluster_name=~".*$service.*", envoy_response_code=~"401|403"}[${RATE}]))`,
            legend: "envoy {{envoy_response_code}}",
            source: "envoy",
          },
          {
            expr: `sum(rate(envoy_cluster_upstream_rq_xx{envoy_cluster_name=~".*$service.*", envoy_response_code_class="5"}[${RATE}]))`,
            legend: "envoy 5xx",
            source: "envoy",
          },
        ],
      },
      {
        title: "Proxy view of ext_authz",
        description:
          "Envoy's own ext_authz counters: denials, errors, and requests let through because " +
          "failure_mode_allow was on.",
        kind: "timeseries",
        unit: "ops",
        width: 8,
        height: 9,
        queries: [
          {
            expr: `sum(rate(envoy_http_ext_authz_denied[${RATE}]))`,
            legend: "denied",
            source: "envoy",
          },
          {
            expr: `sum(rate(envoy_http_ext_authz_error[${RATE}]))`,
            legend: "error",
            source: "envoy",
          },
          {
            expr: `sum(rate(envoy_http_ext_authz_failure_mode_allowed[${RATE}]))`,
            legend: "failure mode allowed",
            source: "envoy",
          },
        ],
      },
    ],
  },
  {
    title: "Operator",
    panels: [
      {
        title: "Experiments by phase",
        description: "Experiments the leading operator knows, by status.phase.",
        kind: "timeseries",
        unit: "short",
        width: 8,
        height: 7,
        queries: [
          {
            expr: "max by (phase) (token_chaos_experiments)",
            legend: "{{phase}}",
            source: "operator",
          },
        ],
      },
      {
        title: "Operator leader",
        description: "Replicas holding the leader Lease: exactly 1 is healthy.",
        kind: "stat",
        unit: "short",
        width: 4,
        height: 7,
        queries: [{ expr: "sum(token_chaos_leader)", legend: "leaders", source: "operator" }],
      },
      {
        title: "Reconciles per second by result",
        description: "controller-runtime-compatible reconcile counter.",
        kind: "timeseries",
        unit: "ops",
        width: 6,
        height: 7,
        queries: [
          {
            expr: `sum by (result) (rate(controller_runtime_reconcile_total[${RATE}]))`,
            legend: "{{result}}",
            source: "operator",
          },
        ],
      },
      {
        title: "Work queue depth",
        description: "Experiments waiting to be reconciled.",
        kind: "timeseries",
        unit: "short",
        width: 6,
        height: 7,
        queries: [{ expr: "sum(workqueue_depth)", legend: "depth", source: "operator" }],
      },
    ],
  },
];

/** Experiment windows opening and closing, drawn as annotations on every panel. */
export const ANNOTATIONS: AnnotationQuery[] = [
  {
    name: "Experiment windows",
    expr: "max(token_chaos_active_experiments) > 0",
    title: "Experiment window open",
    text: "{{value}} experiment(s) active",
    color: "rgba(255, 152, 48, 0.25)",
    source: "authz-server",
  },
  {
    name: "Window edges",
    expr: "max(changes(token_chaos_active_experiments[1m])) > 0",
    title: "Active experiments changed",
    text: "A window opened or closed, or the plan changed",
    color: "orange",
    source: "authz-server",
  },
];

/** Flat list of every query (panels and annotations), for tests. */
export function allQueries(): Array<{ where: string; expr: string; source: QuerySource }> {
  const out: Array<{ where: string; expr: string; source: QuerySource }> = [];
  for (const row of ROWS) {
    for (const panel of row.panels) {
      for (const q of panel.queries) {
        out.push({
          where: `${row.title} / ${panel.title} [${q.legend}]`,
          expr: q.expr,
          source: q.source,
        });
      }
    }
  }
  for (const a of ANNOTATIONS) {
    out.push({ where: `annotation ${a.name}`, expr: a.expr, source: a.source });
  }
  return out;
}

/**
 * Replaces Grafana's variables with values Prometheus accepts: the test values of our own
 * variables and a fixed range for $__rate_interval.
 */
export function expandVariables(expr: string, rateInterval: string): string {
  let out = expr.replaceAll("$__rate_interval", rateInterval);
  for (const [name, v] of Object.entries(VARIABLES)) {
    out = out.replaceAll(`\${${name}}`, v.testValue).replaceAll(`$${name}`, v.testValue);
  }
  return out;
}
