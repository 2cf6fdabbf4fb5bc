#!/usr/bin/env node
// Writes the Grafana dashboard the chart ships, from the query list in monitoring/queries.ts.
// Usage: node scripts/gen-dashboard.ts [--check]   (--check: exit 1 if the file is out of date)
import { DASHBOARD_ARTIFACTS } from "../monitoring/artifacts.ts";
import { writeArtifacts } from "./write-artifacts.ts";

process.exitCode = writeArtifacts(DASHBOARD_ARTIFACTS, process.argv.slice(2));
