// Builds the Grafana dashboard JSON from the query list in queries.ts. Pure and deterministic:
// the same list always yields the same text, which is what lets a test compare the committed
// file with a fresh rendering.

import { ANNOTATIONS, type Panel, type PanelQuery, ROWS, VARIABLES } from "./queries.ts";

export const DASHBOARD_UID = "token-chaos";
// Grafana's own variable syntax (the dashboard's data source picker), not a JS template.
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana variable
const DATASOURCE = { type: "prometheus", uid: "${datasource}" } as const;
const GRID_COLUMNS = 24;

interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function refId(i: number): string {
  return String.fromCharCode("A".charCodeAt(0) + i);
}

function target(q: PanelQuery, i: number): Json {
  return {
    datasource: DATASOURCE,
    editorMode: "code",
    expr: q.expr,
    legendFormat: q.legend,
    range: true,
    refId: refId(i),
  };
}

function panelOptions(p: Panel): Json {
  if (p.kind === "stat") {
    return {
      colorMode: "value",
      graphMode: "area",
      justifyMode: "auto",
      orientation: "auto",
      reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
      textMode: "value_and_name",
    };
  }
  return {
    legend: { calcs: [], displayMode: "list", placement: "bottom", showLegend: true },
    tooltip: { mode: "multi", sort: "desc" },
  };
}

function fieldDefaults(p: Panel): Json {
  const defaults: { [key: string]: Json } = { unit: p.unit };
  if (p.noValue !== undefined) defaults.noValue = p.noValue;
  if (p.kind === "timeseries") {
    defaults.custom = { drawStyle: "line", fillOpacity: 10, lineWidth: 1, spanNulls: false };
  }
  return defaults;
}

/** Lays panels out left to right, wrapping at 24 columns, below a row header. */
function layout(): { panels: Json[] } {
  const panels: Json[] = [];
  let id = 1;
  let y = 0;
  for (const row of ROWS) {
    panels.push({
      collapsed: false,
      gridPos: { h: 1, w: GRID_COLUMNS, x: 0, y },
      id: id++,
      panels: [],
      title: row.title,
      type: "row",
    });
    y += 1;
    let x = 0;
    let lineHeight = 0;
    for (const p of row.panels) {
      if (x + p.width > GRID_COLUMNS) {
        y += lineHeight;
        x = 0;
        lineHeight = 0;
      }
      const gridPos: GridPos = { h: p.height, w: p.width, x, y };
      panels.push({
        datasource: DATASOURCE,
        description: p.description,
        fieldConfig: { defaults: fieldDefaults(p), overrides: [] },
        gridPos: { ...gridPos },
        id: id++,
        options: panelOptions(p),
        targets: p.queries.map(target),
        title: p.title,
        type: p.kind,
      });
      x += p.width;
      lineHeight = Math.max(lineHeight, p.height);
    }
    y += lineHeight;
  }
  return { panels };
}

function templating(): Json {
  return {
    list: [
      {
        current: {},
        hide: 0,
        includeAll: false,
        label: "Data source",
        multi: false,
        name: "datasource",
        options: [],
        query: "prometheus",
        refresh: 1,
        regex: "",
        type: "datasource",
      },
      {
        allValue: ".*",
        current: {},
        datasource: DATASOURCE,
        definition: VARIABLES.experiment.query,
        hide: 0,
        includeAll: true,
        label: VARIABLES.experiment.label,
        multi: true,
        name: "experiment",
        options: [],
        query: { query: VARIABLES.experiment.query, refId: "ExperimentVariable" },
        refresh: 2,
        regex: "",
        sort: 1,
        type: "query",
      },
      {
        current: { text: VARIABLES.service.default, value: VARIABLES.service.default },
        hide: 0,
        label: VARIABLES.service.label,
        name: "service",
        options: [],
        query: VARIABLES.service.default,
        type: "textbox",
      },
    ],
  };
}

function annotations(): Json {
  return {
    list: [
      {
        builtIn: 1,
        datasource: { type: "grafana", uid: "-- Grafana --" },
        enable: true,
        hide: true,
        iconColor: "rgba(0, 211, 255, 1)",
        name: "Annotations & Alerts",
        type: "dashboard",
      },
      ...ANNOTATIONS.map(
        (a): Json => ({
          datasource: DATASOURCE,
          enable: true,
          expr: a.expr,
          iconColor: a.color,
          name: a.name,
          step: "15s",
          textFormat: a.text,
          titleFormat: a.title,
        }),
      ),
    ],
  };
}

export function buildDashboard(): Json {
  return {
    annotations: annotations(),
    description:
      "token-chaos: injections, check latency, plan freshness, experiment phases and how " +
      "injected token faults propagate to the targeted services.",
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    links: [],
    panels: layout().panels,
    refresh: "30s",
    schemaVersion: 39,
    tags: ["token-chaos", "chaos-engineering"],
    templating: templating(),
    time: { from: "now-1h", to: "now" },
    timepicker: {},
    timezone: "browser",
    title: "token-chaos",
    uid: DASHBOARD_UID,
    version: 1,
  };
}

/** The committed file's exact text. */
export function renderDashboard(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}
