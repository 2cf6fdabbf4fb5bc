// The dashboard's shape: every query of the list becomes a panel target, the layout is a
// valid 24-column grid, and the panels the product promises are there with the right metrics.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildDashboard, renderDashboard } from "../../../monitoring/dashboard.ts";
import { ANNOTATIONS, allQueries, expandVariables, ROWS } from "../../../monitoring/queries.ts";

interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}
interface Target {
  expr: string;
  refId: string;
  datasource: { uid: string };
}
interface PanelJson {
  id: number;
  type: string;
  title: string;
  gridPos: GridPos;
  targets?: Target[];
  datasource?: { uid: string };
}
interface DashboardJson {
  uid: string;
  panels: PanelJson[];
  annotations: { list: Array<{ name: string; expr?: string }> };
  templating: { list: Array<{ name: string }> };
}

// Grafana's data source variable, written as the dashboard stores it.
const DATASOURCE_UID = ["$", "{datasource}"].join("");
const dashboard = JSON.parse(renderDashboard()) as DashboardJson;
const panels = dashboard.panels.filter((p) => p.type !== "row");

function panelNamed(fragment: string): PanelJson {
  const p = panels.find((x) => x.title.toLowerCase().includes(fragment.toLowerCase()));
  assert.ok(p, `no panel titled like "${fragment}"`);
  return p;
}

describe("dashboard", () => {
  it("renders the object buildDashboard returns", () => {
    assert.deepEqual(JSON.parse(renderDashboard()), buildDashboard());
  });

  it("has one target per listed panel query, in order", () => {
    const fromJson = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const fromList = ROWS.flatMap((r) => r.panels.flatMap((p) => p.queries.map((q) => q.expr)));
    assert.deepEqual(fromJson, fromList);
    assert.ok(fromList.length >= 10);
  });

  it("gives panels unique ids, unique refIds and the datasource variable", () => {
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of panels) {
      assert.equal(p.datasource?.uid, DATASOURCE_UID, p.title);
      const refs = (p.targets ?? []).map((t) => t.refId);
      assert.equal(new Set(refs).size, refs.length, p.title);
      for (const t of p.targets ?? []) assert.equal(t.datasource.uid, DATASOURCE_UID);
    }
    assert.ok(dashboard.templating.list.some((v) => v.name === "datasource"));
  });

  it("lays panels on a 24-column grid without overlaps", () => {
    const cells = new Set<string>();
    for (const p of dashboard.panels) {
      const g = p.gridPos;
      assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24, `${p.title} leaves the grid`);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          const key = `${x},${y}`;
          assert.ok(!cells.has(key), `${p.title} overlaps another panel at ${key}`);
          cells.add(key);
        }
      }
    }
  });

  it("uses only variables it defines", () => {
    const defined = new Set(dashboard.templating.list.map((v) => v.name));
    for (const q of allQueries()) {
      for (const m of q.expr.matchAll(/\$\{?(\w+)\}?/g)) {
        const name = m[1] as string;
        if (name.startsWith("__")) continue;
        assert.ok(defined.has(name), `${q.where} uses undefined variable $${name}`);
      }
      assert.ok(!expandVariables(q.expr, "1m").includes("$"), `${q.where} keeps a variable`);
    }
  });

  it("shows injections by experiment and fault", () => {
    const p = panelNamed("injections per second");
    const expr = p.targets?.[0]?.expr ?? "";
    assert.match(expr, /token_chaos_injections_total/);
    assert.match(expr, /by \(experiment, fault\)/);
  });

  it("shows check latency p50 and p99 from the histogram", () => {
    const exprs = (panelNamed("check latency").targets ?? []).map((t) => t.expr);
    assert.ok(
      exprs.some((e) =>
        /histogram_quantile\(0\.5,.*token_chaos_check_duration_seconds_bucket/.test(e),
      ),
    );
    assert.ok(
      exprs.some((e) =>
        /histogram_quantile\(0\.99,.*token_chaos_check_duration_seconds_bucket/.test(e),
      ),
    );
  });

  it("shows active experiments, plan age and version, phases and internal errors", () => {
    assert.match(
      panelNamed("active experiments").targets?.[0]?.expr ?? "",
      /token_chaos_active_experiments/,
    );
    assert.match(panelNamed("plan age").targets?.[0]?.expr ?? "", /token_chaos_plan_age_seconds/);
    assert.match(panelNamed("plan version").targets?.[0]?.expr ?? "", /token_chaos_plan_version/);
    assert.match(panelNamed("by phase").targets?.[0]?.expr ?? "", /token_chaos_experiments\b/);
    assert.match(
      panelNamed("internal errors").targets?.[0]?.expr ?? "",
      /token_chaos_internal_errors_total/,
    );
  });

  it("puts the target's 401/403/5xx next to the injection rate", () => {
    const exprs = (panelNamed("401/403/5xx").targets ?? []).map((t) => t.expr);
    assert.ok(exprs.some((e) => e.includes("token_chaos_injections_total")));
    assert.ok(exprs.some((e) => e.includes("istio_requests_total") && e.includes("401|403|5..")));
    assert.ok(exprs.some((e) => e.includes("envoy_cluster_upstream_rq_xx")));
  });

  it("draws experiment windows as annotations from token_chaos_active_experiments", () => {
    const list = dashboard.annotations.list.filter((a) => a.expr !== undefined);
    assert.equal(list.length, ANNOTATIONS.length);
    assert.ok(list.some((a) => /changes\(token_chaos_active_experiments/.test(a.expr ?? "")));
  });

  it("marks only mesh queries as exempt from returning data", () => {
    for (const q of allQueries()) {
      const mesh = /istio_|envoy_/.test(q.expr);
      const exempt = q.source === "istio" || q.source === "envoy";
      assert.equal(exempt, mesh, `${q.where}: ${q.expr}`);
    }
  });
});
