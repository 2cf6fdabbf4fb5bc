// A real Prometheus (the Debian package's binary) scraping a tiny /metrics endpoint whose
// value the test sets: the guard and steady-state conditions are evaluated by Prometheus
// itself, exactly as in a cluster.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { atEnd } from "./harness.ts";

const PROMETHEUS = process.env.TOKEN_CHAOS_PROMETHEUS ?? "/usr/bin/prometheus";
export const SCRAPE_INTERVAL_MS = 200;

export interface Gauges {
  set(name: string, value: number): void;
  port: number;
}

/** An HTTP /metrics endpoint serving gauges the test controls. */
export async function startGaugeEndpoint(): Promise<Gauges & { server: Server }> {
  const values = new Map<string, number>();
  const server = createServer((req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    const lines = [...values].map(([k, v]) => `# TYPE ${k} gauge\n${k} ${v}`);
    res
      .writeHead(200, { "content-type": "text/plain; version=0.0.4" })
      .end(`${lines.join("\n")}\n`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  atEnd(() => new Promise<void>((r) => server.close(() => r())));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    set: (name, value) => values.set(name, value),
  };
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface RunningPrometheus {
  url: string;
  process: ChildProcess;
  /** Instant query; the first sample's value, or undefined when there is none. */
  value(query: string): Promise<number | undefined>;
}

export async function startPrometheus(targetPort: number): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), "tc-prom-"));
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      `  scrape_interval: ${SCRAPE_INTERVAL_MS}ms`,
      `  scrape_timeout: ${SCRAPE_INTERVAL_MS}ms`,
      "  evaluation_interval: 1s",
      "scrape_configs:",
      "  - job_name: test",
      "    static_configs:",
      `      - targets: ["127.0.0.1:${targetPort}"]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
      // Samples go stale fast, so a value the test changes is what queries see next.
      "--query.lookback-delta=2s",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  atEnd(async () => {
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`prometheus exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`prometheus not ready after 30 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    process: child,
    async value(query) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`);
      const body = (await res.json()) as {
        data?: { result?: Array<{ value?: [number, string] }> };
      };
      const v = body.data?.result?.[0]?.value?.[1];
      return v === undefined ? undefined : Number(v);
    },
  };
}
