// Turns the benchmark's results into the README tables.
// Input in <dir>: runs.tsv (label, target, experiments, scenario, phase, server CPU seconds per
// line), <label>.json (ghz -O json, with every request's latency in `details`), and for the
// authz-server <label>.hist0.json / .hist1.json (its decision-time histogram before and after).
// Runs with the same target, experiments, scenario and phase are rounds of one measurement:
// throughput and CPU are their medians, latency percentiles pool every request.
// Run: node bench/ghz-report.ts <dir>

import { readFile } from "node:fs/promises";
import { join } from "node:path";

interface GhzReport {
  count: number;
  rps: number;
  statusCodeDistribution?: Record<string, number>;
  details?: { latency: number }[];
}

interface Run {
  key: string;
  target: string;
  experiments: string;
  scenario: string;
  phase: string;
  cpuSeconds: number;
  report: GhzReport;
  /** Decision-time histogram delta (le -> count), authz-server only. */
  hist?: Map<number, number>;
}

const dir = process.argv[2];
if (dir === undefined) {
  process.stderr.write("usage: ghz-report.ts <results-dir>\n");
  process.exit(2);
}

async function json<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(join(dir ?? "", file), "utf8")) as T;
  } catch {
    return undefined;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/** The upper bound of the histogram bucket holding the p-th percentile, in seconds. */
function histPercentile(h: Map<number, number>, p: number): number {
  const les = [...h.keys()].sort((a, b) => a - b);
  const total = h.get(Number.POSITIVE_INFINITY) ?? 0;
  if (total === 0) return Number.NaN;
  for (const le of les) if ((h.get(le) ?? 0) >= (p / 100) * total) return le;
  return Number.POSITIVE_INFINITY;
}

const ms = (ns: number): string => (ns / 1e6).toFixed(ns < 1e7 ? 2 : 1);
const bound = (s: number): string =>
  Number.isFinite(s) ? `≤ ${s < 0.001 ? `${Math.round(s * 1e6)} µs` : `${s * 1000} ms`}` : "-";

const runs: Run[] = [];
for (const line of (await readFile(join(dir, "runs.tsv"), "utf8")).split("\n")) {
  if (line.trim() === "") continue;
  const [label = "", target = "", experiments = "", scenario = "", phase = "", cpu = "0"] =
    line.split("\t");
  const report = await json<GhzReport>(`${label}.json`);
  if (report === undefined) continue;
  const run: Run = {
    key: [target, experiments, scenario, phase].join("|"),
    target,
    experiments,
    scenario,
    phase,
    cpuSeconds: Number(cpu),
    report,
  };
  const h0 = await json<Record<string, number>>(`${label}.hist0.json`);
  const h1 = await json<Record<string, number>>(`${label}.hist1.json`);
  if (h0 !== undefined && h1 !== undefined && Object.keys(h1).length > 0) {
    run.hist = new Map(
      Object.entries(h1).map(([le, n]) => [
        le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le),
        n - (h0[le] ?? 0),
      ]),
    );
  }
  runs.push(run);
}

interface Row {
  first: Run;
  rounds: number;
  rps: number;
  cpuUsPerCheck: number;
  latencies: number[];
  answers: string;
  hist?: Map<number, number>;
}

function rows(phase: string): Row[] {
  const groups = new Map<string, Run[]>();
  for (const r of runs.filter((x) => x.phase === phase)) {
    groups.set(r.key, [...(groups.get(r.key) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as Run;
    const counts: Record<string, number> = {};
    let total = 0;
    for (const r of group) {
      for (const [k, v] of Object.entries(r.report.statusCodeDistribution ?? {})) {
        counts[k] = (counts[k] ?? 0) + v;
        total += v;
      }
    }
    let hist: Map<number, number> | undefined;
    for (const r of group) {
      if (r.hist === undefined) continue;
      hist ??= new Map();
      for (const [le, n] of r.hist) hist.set(le, (hist.get(le) ?? 0) + n);
    }
    const row: Row = {
      first,
      rounds: group.length,
      rps: median(group.map((r) => r.report.rps)),
      cpuUsPerCheck: median(group.map((r) => (r.cpuSeconds * 1e6) / Math.max(1, r.report.count))),
      latencies: group
        .flatMap((r) => (r.report.details ?? []).map((d) => d.latency))
        .sort((a, b) => a - b),
      answers: Object.entries(counts)
        .map(([k, v]) => `${k} ${Math.round((100 * v) / Math.max(1, total))}%`)
        .join(", "),
    };
    if (hist !== undefined) row.hist = hist;
    return row;
  });
}

function table(phase: string, title: string): string {
  const all = rows(phase);
  const bare = all.find((r) => r.first.target === "bare");
  const lines = [
    title,
    "",
    "| server | experiments | request | rps | vs bare | CPU µs/check | checks per CPU-second | vs bare | p50 ms | p99 ms | p99.9 ms | server decision p50 / p99 | answers |",
    "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
  ];
  for (const r of all) {
    const capacity = 1e6 / r.cpuUsPerCheck;
    const vsRps = bare === undefined ? "-" : (r.rps / bare.rps).toFixed(2);
    const vsCpu = bare === undefined ? "-" : (bare.cpuUsPerCheck / r.cpuUsPerCheck).toFixed(2);
    const decision =
      r.hist === undefined
        ? "-"
        : `${bound(histPercentile(r.hist, 50))} / ${bound(histPercentile(r.hist, 99))}`;
    lines.push(
      `| ${r.first.target} | ${r.first.experiments} | ${r.first.scenario}${r.rounds > 1 ? ` (${r.rounds} rounds)` : ""} | ${Math.round(r.rps)} | ${vsRps} | ${r.cpuUsPerCheck.toFixed(0)} | ${Math.round(capacity)} | ${vsCpu} | ${ms(percentile(r.latencies, 50))} | ${ms(percentile(r.latencies, 99))} | ${ms(percentile(r.latencies, 99.9))} | ${decision} | ${r.answers} |`,
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
  if (mem.length > 0) {
    memory = `\nResident memory of the authz-server after its runs: ${mem.join(", ")} experiments.\n`;
  }
} catch {
  // no memory figures recorded
}

process.stdout.write(
  `${table("max", "Throughput (closed loop: as fast as the server answers)")}\n\n${table(
    "rate",
    "Latency at a fixed rate (pass-through: half the bare server's throughput; delay: 400/s)",
  )}\n${memory}`,
);
