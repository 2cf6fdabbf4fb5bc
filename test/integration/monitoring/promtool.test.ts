// The alert rules through Prometheus' own checker: the plain rules file, the groups the chart's
// PrometheusRule carries (extracted from `helm template`), and the rule unit tests that make
// each alert fire on the series that should trigger it.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { allAlerts } from "../../../monitoring/alerts.ts";
import { parseYaml } from "../../support/raw-yaml.ts";
import { FIXTURES, one, REPO_ROOT, template } from "../helm/helm.ts";
import { PROMTOOL_BIN } from "./prometheus.ts";

function promtool(args: string[]): { code: number; out: string } {
  const res = spawnSync(PROMTOOL_BIN, args, { encoding: "utf8", timeout: 60_000 });
  if (res.error) throw new Error(`cannot run ${PROMTOOL_BIN}: ${res.error.message}`);
  return { code: res.status ?? -1, out: `${res.stdout}${res.stderr}` };
}

describe("promtool", () => {
  it("check rules passes on monitoring/token-chaos.rules.yaml", () => {
    const r = promtool(["check", "rules", join(REPO_ROOT, "monitoring/token-chaos.rules.yaml")]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`SUCCESS: ${allAlerts().length} rules found`));
  });

  it("check rules passes on the groups of the chart's PrometheusRule", async () => {
    const objs = await template({ valuesFiles: [join(FIXTURES, "all-features.yaml")] });
    const rule = one(objs, "PrometheusRule");
    const dir = mkdtempSync(join(tmpdir(), "tc-promrule-"));
    try {
      const file = join(dir, "rules.json");
      // JSON is YAML: the groups exactly as the Prometheus Operator would hand them over.
      writeFileSync(file, JSON.stringify({ groups: (rule.spec as { groups: unknown }).groups }));
      const r = promtool(["check", "rules", file]);
      assert.equal(r.code, 0, r.out);
      assert.match(r.out, new RegExp(`SUCCESS: ${allAlerts().length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("has a rule unit test in which each alert fires", () => {
    const tests = parseYaml(
      readFileSync(join(REPO_ROOT, "monitoring/token-chaos.rules.test.yaml"), "utf8"),
    ) as {
      tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    };
    const firing = new Set(
      tests.tests.flatMap((t) =>
        t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname),
      ),
    );
    for (const a of allAlerts()) assert.ok(firing.has(a.alert), `no test makes ${a.alert} fire`);
  });

  it("test rules: every alert fires when it should and not otherwise", () => {
    const r = promtool([
      "test",
      "rules",
      join(REPO_ROOT, "monitoring/token-chaos.rules.test.yaml"),
    ]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /SUCCESS/);
  });
});
