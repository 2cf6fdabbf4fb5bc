// Starts the real Prometheus (Debian's package, /usr/bin/prometheus) on a free loopback port with
// a temp config and TSDB, and queries its HTTP API.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, httpOk, startProcess } from "../../support/child-process.ts";

export const PROMETHEUS_BIN = process.env.TOKEN_CHAOS_PROMETHEUS ?? "/usr/bin/prometheus";
export const PROMTOOL_BIN = process.env.TOKEN_CHAOS_PROMTOOL ?? "/usr/bin/promtool";

export interface ScrapeTarget {
  job: string;
  port: number;
  /** Target labels, as Kubernetes service discovery would add them (namespace, pod). */
  labels: Record<string, string>;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export type QueryResult =
  | { ok: true; resultType: string; samples: Sample[] }
  | { ok: false; errorType: string; error: string };

export interface RunningPrometheus {
  port: number;
  query(expr: string): Promise<QueryResult>;
  /** GET an API path (e.g. /api/v1/targets) and return its `data`. */
  api(path: string): Promise<unknown>;
  output(): string;
  stop(): Promise<void>;
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

export async function startPrometheus(opts: {
  targets: ScrapeTarget[];
  ruleFiles?: string[];
  /** Scrape and rule evaluation interval; default 1 s. */
  intervalSeconds?: number;
  /** Scrape faster than rules are evaluated. */
  scrapeIntervalMs?: number;
  extraArgs?: string[];
}): Promise<RunningPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), "token-chaos-prometheus-"));
  const port = await freePort();
  const interval = `${opts.intervalSeconds ?? 1}s`;
  const scrape = opts.scrapeIntervalMs === undefined ? interval : `${opts.scrapeIntervalMs}ms`;
  const lines = [
    "global:",
    `  scrape_interval: ${scrape}`,
    `  evaluation_interval: ${interval}`,
    `  scrape_timeout: ${scrape}`,
    "rule_files:",
    ...(opts.ruleFiles ?? []).map((f) => `  - ${yamlString(f)}`),
    "scrape_configs:",
  ];
  for (const t of opts.targets) {
    lines.push(
      `  - job_name: ${yamlString(t.job)}`,
      "    static_configs:",
      `      - targets: [${yamlString(`127.0.0.1:${t.port}`)}]`,
    );
    const labels = Object.entries(t.labels);
    if (labels.length > 0) {
      lines.push("        labels:", ...labels.map(([k, v]) => `          ${k}: ${yamlString(v)}`));
    }
  }
  if ((opts.ruleFiles ?? []).length === 0) lines.splice(lines.indexOf("rule_files:"), 1);
  await writeFile(join(dir, "prometheus.yml"), `${lines.join("\n")}\n`);

  const base = `http://127.0.0.1:${port}`;
  const child = await startProcess({
    name: "prometheus",
    command: PROMETHEUS_BIN,
    args: [
      `--config.file=${join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--storage.tsdb.retention.time=1h",
      "--log.level=warn",
      ...(opts.extraArgs ?? []),
    ],
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir },
    ready: () => httpOk(port, "/-/ready"),
  });

  const api = async (path: string): Promise<unknown> => {
    const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { status: string; data?: unknown; error?: string };
    if (body.status !== "success") throw new Error(`${path}: ${body.error ?? res.status}`);
    return body.data;
  };

  return {
    port,
    api,
    async query(expr) {
      const res = await fetch(`${base}/api/v1/query`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ query: expr }).toString(),
        signal: AbortSignal.timeout(5000),
      });
      const body = (await res.json()) as {
        status: string;
        data?: { resultType: string; result: Sample[] | [number, string] };
        errorType?: string;
        error?: string;
      };
      if (body.status !== "success" || body.data === undefined) {
        return {
          ok: false,
          errorType: body.errorType ?? String(res.status),
          error: body.error ?? "",
        };
      }
      const samples =
        body.data.resultType === "scalar"
          ? [{ metric: {}, value: body.data.result as [number, string] }]
          : (body.data.result as Sample[]);
      return { ok: true, resultType: body.data.resultType, samples };
    },
    output: child.output,
    async stop() {
      await child.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
