#!/usr/bin/env node
// Writes the alert rules, from monitoring/alerts.ts, as a plain rules file for promtool and as
// the chart's copy that the PrometheusRule template loads.
// Usage: node scripts/gen-alerts.ts [--check]   (--check: exit 1 if a file is out of date)
import { RULES_ARTIFACTS } from "../monitoring/artifacts.ts";
import { writeArtifacts } from "./write-artifacts.ts";

process.exitCode = writeArtifacts(RULES_ARTIFACTS, process.argv.slice(2));
