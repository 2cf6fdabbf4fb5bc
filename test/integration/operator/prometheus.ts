// A real Prometheus (the Debian package's binary) scraping a tiny /metrics endpoint whose
// value the test sets: the guard and steady-state conditions are evaluated by Prometheus
// itself, exactly as in a cluster.

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startPrometheus as startScrapingPrometheus } from "../monitoring/prometheus.ts";
import { atEnd } from "./harness.ts";

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

export interface RunningPrometheus {
  url: string;
  /** Instant query; the first sample's value, or undefined when there is none. */
  value(query: string): Promise<number | undefined>;
}

/** Prometheus scraping the gauge endpoint on `targetPort`, stopped after the file's tests. */
export async function startPrometheus(targetPort: number): Promise<RunningPrometheus> {
  const prom = await startScrapingPrometheus({
    targets: [{ job: "test", port: targetPort, labels: {} }],
    scrapeIntervalMs: SCRAPE_INTERVAL_MS,
    // Samples go stale fast, so a value the test changes is what queries see next.
    extraArgs: ["--query.lookback-delta=2s"],
  });
  atEnd(() => prom.stop());
  return {
    url: `http://127.0.0.1:${prom.port}`,
    async value(query) {
      const r = await prom.query(query);
      const v = r.ok ? r.samples[0]?.value[1] : undefined;
      return v === undefined ? undefined : Number(v);
    },
  };
}
