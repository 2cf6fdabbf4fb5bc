#!/usr/bin/env node
// Writes the alert rules, from monitoring/alerts.ts, as a plain rules file for promtool; the
// chart's PrometheusRule template loads the same file through a symlink.
// Usage: node scripts/gen-alerts.ts [--check]   (--check: exit 1 if a file is out of date)
import { RULES_ARTIFACTS } from "../monitoring/artifacts.ts";
import { writeArtifacts } from "./write-artifacts.ts";

process.exitCode = writeArtifacts(RULES_ARTIFACTS, process.argv.slice(2));
