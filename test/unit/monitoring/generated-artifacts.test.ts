// The committed dashboard JSON and rules files are exactly what the generators produce from the
// single lists in monitoring/, so nobody can edit a generated file by hand and drift.
import assert from "node:assert/strict";
import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import { describe, it } from "node:test";
import {
  CHART_RULES_LINK,
  DASHBOARD_ARTIFACTS,
  RULES_ARTIFACTS,
} from "../../../monitoring/artifacts.ts";

const ROOT = new URL("../../../", import.meta.url);

describe("generated monitoring artifacts", () => {
  for (const a of [...DASHBOARD_ARTIFACTS, ...RULES_ARTIFACTS]) {
    it(`${a.path} equals the output of ${a.generator}`, () => {
      const committed = readFileSync(new URL(a.path, ROOT), "utf8");
      assert.ok(
        committed === a.render(),
        `${a.path} differs from the generated output: run \`node ${a.generator}\``,
      );
    });
  }

  it("the chart reads the rules file through a symlink, not a copy", () => {
    const link = new URL(CHART_RULES_LINK.path, ROOT);
    assert.ok(lstatSync(link).isSymbolicLink(), `${CHART_RULES_LINK.path} is not a symlink`);
    assert.equal(readlinkSync(link), CHART_RULES_LINK.target);
  });

  it("the rendering is deterministic", () => {
    for (const a of [...DASHBOARD_ARTIFACTS, ...RULES_ARTIFACTS]) {
      assert.equal(a.render(), a.render(), a.path);
    }
  });
});
