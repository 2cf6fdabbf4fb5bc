// Turns the benchmark's ghz JSON results into the README tables.
// Input: <dir>/runs.tsv (label, target, experiments, scenario, phase per line) and
// <dir>/<label>.json (ghz -O json, which includes every request's latency in `details`).
// Run: node bench/ghz-report.ts <dir>

import { readFile } from "node:fs/promises";
import { join } from "node:path";

interface GhzReport {
  count: number;
  rps: number;
  statusCodeDistribution?: Record<string, number>;
  details?: { latency: number; status: string }[];
}

interface Row {
  label: string;
  target: string;
  experiments: string;
  scenario: string;
  phase: string;
  report: GhzReport;
}

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write("usage: ghz-report.ts <results-dir>\n");
  process.exit(2);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

const ms = (ns: number): string => (ns / 1e6).toFixed(ns < 1e7 ? 3 : 1);

function outcome(r: GhzReport): string {
  const dist = r.statusCodeDistribution ?? {};
  return Object.entries(dist)
    .map(([k, v]) => `${k} ${Math.round((100 * v) / Math.max(1, r.count))}%`)
    .join(", ");
}

const rows: Row[] = [];
for (const line of (await readFile(join(dir, "runs.tsv"), "utf8")).split("\n")) {
  if (line.trim() === "") continue;
  const [label = "", target = "", experiments = "", scenario = "", phase = ""] = line.split("\t");
  const report = JSON.parse(await readFile(join(dir, `${label}.json`), "utf8")) as GhzReport;
  rows.push({ label, target, experiments, scenario, phase, report });
}

const bare = rows.find((r) => r.target === "bare" && r.phase === "max");
const bareRps = bare?.report.rps ?? Number.NaN;

function table(phase: string, title: string): string {
  const lines = [
    title,
    "",
    "| server | experiments | request | rps | vs bare | p50 ms | p99 ms | p99.9 ms | answers |",
    "|---|---:|---|---:|---:|---:|---:|---:|---|",
  ];
  for (const r of rows.filter((x) => x.phase === phase)) {
    const lat = (r.report.details ?? []).map((d) => d.latency).sort((a, b) => a - b);
    const ratio = r.target === "bare" ? "1.00" : (r.report.rps / bareRps).toFixed(2);
    lines.push(
      `| ${r.target} | ${r.experiments} | ${r.scenario} | ${Math.round(r.report.rps)} | ${ratio} | ${ms(percentile(lat, 50))} | ${ms(percentile(lat, 99))} | ${ms(percentile(lat, 99.9))} | ${outcome(r.report)} |`,
    );
  }
  return lines.join("\n");
}

let memory = "";
try {
  const mem = (await readFile(join(dir, "memory.tsv"), "utf8"))
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => l.split("\t"))
    .map(([n, mb]) => `${mb} MB with ${n}`);
  if (mem.length > 0)
    memory = `\nResident memory of the authz-server after its runs: ${mem.join(", ")}.\n`;
} catch {
  // no memory figures recorded
}

process.stdout.write(
  `${table("max", "Throughput (closed loop: as fast as the server answers)")}\n\n${table(
    "rate",
    "Latency at a fixed rate (pass-through: half the bare server's throughput; delay: 400/s)",
  )}\n${memory}`,
);
