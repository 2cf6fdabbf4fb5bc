// Reads an authz-server's own view from its /metrics for the benchmark report: the
// server-side decision-time histogram of gRPC checks (cumulative bucket counts) or the
// resident memory. The metrics port comes from the {"listening":...} line the server printed.
// Run: node bench/server-probe.ts <port-file> hist|rss

import { readFile } from "node:fs/promises";

const [file, what] = process.argv.slice(2);
if (file === undefined || (what !== "hist" && what !== "rss")) {
  process.stderr.write("usage: server-probe.ts <port-file> hist|rss\n");
  process.exit(2);
}
const { listening } = JSON.parse(await readFile(file, "utf8")) as {
  listening: { metrics?: number };
};
if (listening.metrics === undefined) {
  process.stdout.write(what === "hist" ? "{}\n" : "?\n");
  process.exit(0);
}
const text = await (await fetch(`http://127.0.0.1:${listening.metrics}/metrics`)).text();
if (what === "rss") {
  const m = text.match(/^process_resident_memory_bytes (\S+)/m);
  process.stdout.write(`${m?.[1] === undefined ? "?" : Math.round(Number(m[1]) / 1048576)}\n`);
} else {
  const buckets: Record<string, number> = {};
  const re = /^token_chaos_check_duration_seconds_bucket\{le="([^"]+)",protocol="grpc"\} (\S+)$/gm;
  for (const m of text.matchAll(re)) buckets[m[1] ?? ""] = Number(m[2]);
  process.stdout.write(`${JSON.stringify(buckets)}\n`);
}
