// The alert list: the rules the product promises, well-formed, and rendered into a rules file
// that reads back as the same groups.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadYaml } from "@kubernetes/client-node";
import { ALERT_GROUPS, allAlerts } from "../../../monitoring/alerts.ts";
import { renderRules } from "../../../monitoring/rules.ts";

interface RulesFile {
  groups: Array<{
    name: string;
    rules: Array<{
      alert: string;
      expr: string;
      for?: string;
      labels: { severity: string };
      annotations: { summary: string; description: string };
    }>;
  }>;
}

function rule(name: string) {
  const r = allAlerts().find((a) => a.alert === name);
  assert.ok(r, `missing alert ${name}`);
  return r;
}

describe("alert rules", () => {
  it("cover stale plans, internal errors, latency, guard aborts and a missing leader", () => {
    assert.match(rule("TokenChaosPlanStale").expr, /token_chaos_plan_age_seconds.*>/);
    assert.match(rule("TokenChaosAuthzInternalErrors").expr, /token_chaos_internal_errors_total/);
    assert.match(
      rule("TokenChaosCheckLatencyHigh").expr,
      /histogram_quantile\(0\.99,.*token_chaos_check_duration_seconds_bucket/,
    );
    assert.match(
      rule("TokenChaosExperimentAborted").expr,
      /token_chaos_experiments\{phase="Aborted"\}\) > 0/,
    );
    assert.equal(rule("TokenChaosOperatorNoLeader").expr, "sum(token_chaos_leader) == 0");
  });

  it("have unique names, a severity, a summary and a description", () => {
    const names = allAlerts().map((a) => a.alert);
    assert.equal(new Set(names).size, names.length);
    for (const a of allAlerts()) {
      assert.match(a.alert, /^TokenChaos[A-Z][A-Za-z]+$/);
      assert.ok(a.summary.length > 10 && a.description.length > 20, a.alert);
      if (a.for !== undefined) assert.match(a.for, /^\d+[smh]$/, a.alert);
    }
  });

  it("render to a rules file that reads back as the same groups", () => {
    const parsed = loadYaml<RulesFile>(renderRules());
    assert.equal(parsed.groups.length, ALERT_GROUPS.length);
    for (const [i, g] of ALERT_GROUPS.entries()) {
      const pg = parsed.groups[i];
      assert.ok(pg);
      assert.equal(pg.name, g.name);
      assert.deepEqual(
        pg.rules.map((r) => ({
          alert: r.alert,
          expr: r.expr,
          for: r.for,
          severity: r.labels.severity,
          summary: r.annotations.summary,
          description: r.annotations.description,
        })),
        g.rules.map((r) => ({
          alert: r.alert,
          expr: r.expr,
          for: r.for,
          severity: r.severity,
          summary: r.summary,
          description: r.description,
        })),
      );
    }
  });
});
