// The generated monitoring files and how each is rendered: the generators write them, a unit
// test checks the committed copies are exactly what the generators produce.

import { renderDashboard } from "./dashboard.ts";
import { renderRules } from "./rules.ts";

export interface Artifact {
  /** Path relative to the repository root. */
  path: string;
  render: () => string;
  generator: string;
}

export const DASHBOARD_ARTIFACTS: Artifact[] = [
  {
    path: "charts/token-chaos/dashboards/token-chaos.json",
    render: renderDashboard,
    generator: "scripts/gen-dashboard.ts",
  },
];

/** The chart reads the same file through a symlink, charts/token-chaos/rules/token-chaos.rules.yaml. */
export const RULES_ARTIFACTS: Artifact[] = [
  {
    path: "monitoring/token-chaos.rules.yaml",
    render: renderRules,
    generator: "scripts/gen-alerts.ts",
  },
];

export const CHART_RULES_LINK = {
  path: "charts/token-chaos/rules/token-chaos.rules.yaml",
  target: "../../../monitoring/token-chaos.rules.yaml",
};
