// Resident memory of the standalone authz-server, read from /proc (VmRSS, RssAnon, VmHWM):
// idle after start-up, the peak while ghz (a separate process, on loopback) sends a bounded
// pass-through load, and a few seconds after the load, with 1 and with 1,000 experiments.
// One server at a time, so each measurement has the machine to itself as far as this script goes.
//
// Run: node bench/authz-memory.ts [--from DIR] [--node-options="--max-semi-space-size=2"]
//        [--load-seconds 5] [--sizes 1,1000]
//   --from DIR     runs DIR/bin/token-chaos.js, JavaScript compiled ahead of time (`make build`
//                  writes dist/), or DIR/bin/token-chaos.ts (another checkout), instead of
//                  this checkout's .ts sources
//   --node-options Node flags for the server process (default: none; the CLI applies its own)
// Needs ghz in .cache/bin (bench/authz-grpc.sh builds it from its pinned module).
// TOKEN_CHAOS_V8_FLAGS in the environment is passed on to the server (compare "" to the default).

import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join, resolve as resolvePath } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const GHZ = join(ROOT, ".cache/bin/ghz");
/** Bounds on every ghz run, whatever its pace. */
const MAX_REQUESTS = 300_000;
const HARD_LIMIT_MS = 60_000;
const CONCURRENCY = 16;

const { values } = parseArgs({
  options: {
    from: { type: "string" },
    "node-options": { type: "string", default: "" },
    "load-seconds": { type: "string", default: "5" },
    sizes: { type: "string", default: "1,1000" },
  },
});
const loadSeconds = Number(values["load-seconds"]);
if (!Number.isInteger(loadSeconds) || loadSeconds < 1 || loadSeconds > 30) {
  throw new Error("--load-seconds must be a whole number from 1 to 30");
}
const sizes = (values.sizes ?? "").split(",").map(Number);
if (sizes.some((n) => ![1, 100, 1000].includes(n))) throw new Error("--sizes: from 1,100,1000");
const from = values.from === undefined ? ROOT : resolvePath(values.from);
function findBin(): string {
  for (const f of [join(from, "bin/token-chaos.js"), join(from, "bin/token-chaos.ts")]) {
    if (existsSync(f)) return f;
  }
  throw new Error(`no bin/token-chaos.{js,ts} in ${from}`);
}
const bin = findBin();
if (!existsSync(GHZ)) throw new Error(`${GHZ} is missing: bench/authz-grpc.sh builds it`);
const nodeOptions = (values["node-options"] ?? "").split(/\s+/).filter((s) => s !== "");

const out = join(ROOT, `.cache/bench/memory-${new Date().toISOString().replace(/[:.]/g, "-")}`);
mkdirSync(out, { recursive: true });
const fixtures = spawnSync(process.execPath, [join(ROOT, "bench/authz-fixtures.ts"), out], {
  stdio: ["ignore", "ignore", "inherit"],
});
if (fixtures.status !== 0) throw new Error("bench/authz-fixtures.ts failed");
const requests = JSON.parse(readFileSync(join(out, "requests.json"), "utf8")) as Record<
  string,
  unknown
>;

/**
 * Resident memory of a process in MiB, from /proc/<pid>/status: all of it (VmRSS), the part
 * that is the process's own (RssAnon: heap, stacks, buffers; the rest is mapped files, mostly
 * the node binary's code, shared by every Node process on the machine) and the peak (VmHWM).
 */
function memory(pid: number): { rss: number; anon: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rss: kb("VmRSS") / 1024, anon: kb("RssAnon") / 1024, hwm: kb("VmHWM") / 1024 };
}

function startServer(
  size: number,
): Promise<{ child: ChildProcess; grpc: number; metrics: number }> {
  const child = spawn(
    process.execPath,
    [
      ...nodeOptions,
      bin,
      "authz",
      "--experiments",
      join(out, `exp-${size}`),
      "--grpc-port=0",
      "--http-port=0",
      "--metrics-port=0",
      "--log-level=info",
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    let buffered = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("the server did not start within 60 s"));
    }, 60_000);
    child.once("exit", (code) => reject(new Error(`the server exited with ${code}`)));
    // Logs are read and dropped, so the server never blocks on a full pipe.
    child.stdout?.on("data", (d: Buffer) => {
      buffered += d.toString();
      const line = buffered.split("\n").find((l) => l.startsWith('{"listening"'));
      if (line === undefined) return;
      clearTimeout(timer);
      const { listening } = JSON.parse(line) as { listening: { grpc: number; metrics: number } };
      buffered = "";
      child.stdout?.removeAllListeners("data");
      child.stdout?.resume();
      resolve({ child, ...listening });
    });
  });
}

async function ready(metricsPort: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).catch(() => undefined);
    if (r?.status === 200) return;
    await sleep(100);
  }
  throw new Error("the server did not become ready within 10 s");
}

/** A bounded ghz run (time and count); resolves with its throughput. */
function ghz(port: number, data: unknown): Promise<number> {
  const child = spawn(
    GHZ,
    [
      "--insecure",
      "--proto",
      "proto/envoy/service/auth/v3/external_auth.proto",
      "--import-paths",
      "proto",
      "--call",
      "envoy.service.auth.v3.Authorization.Check",
      "-d",
      JSON.stringify(data),
      "--connections",
      "1",
      "-c",
      String(CONCURRENCY),
      "-z",
      `${loadSeconds}s`,
      "-n",
      String(MAX_REQUESTS),
      "-O",
      "json",
      `127.0.0.1:${port}`,
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const killer = setTimeout(() => child.kill("SIGKILL"), HARD_LIMIT_MS);
  let text = "";
  child.stdout?.on("data", (d: Buffer) => {
    text += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => {
      clearTimeout(killer);
      if (code !== 0) reject(new Error(`ghz exited with ${code}`));
      else resolve(Math.round((JSON.parse(text) as { rps: number }).rps));
    });
  });
}

interface Row {
  size: number;
  idle: number;
  idleAnon: number;
  peak: number;
  settled: number;
  settledAnon: number;
  hwm: number;
  rps: number;
}

const rows: Row[] = [];
for (const size of sizes) {
  const { child, grpc, metrics } = await startServer(size);
  const pid = child.pid as number;
  try {
    await ready(metrics);
    await sleep(3000);
    const { rss: idle, anon: idleAnon } = memory(pid);
    let peak = idle;
    const sampler = setInterval(() => {
      peak = Math.max(peak, memory(pid).rss);
    }, 100);
    const rps = await ghz(grpc, requests["pass-through"]).finally(() => clearInterval(sampler));
    await sleep(5000);
    const { rss: settled, anon: settledAnon, hwm } = memory(pid);
    rows.push({ size, idle, idleAnon, peak, settled, settledAnon, hwm, rps });
    process.stderr.write(`[memory] ${size} experiments: done\n`);
  } finally {
    child.kill("SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
  }
}

const mb = (n: number) => n.toFixed(0);
const lines = [
  `authz-server: ${bin}; node options: ${nodeOptions.join(" ") || "none"}; TOKEN_CHAOS_V8_FLAGS: ${process.env.TOKEN_CHAOS_V8_FLAGS ?? "(unset: the CLI's default)"}`,
  "",
  `| experiments | idle RSS (anon) MiB | peak RSS under load MiB | RSS 5 s after (anon) MiB | VmHWM MiB | load rps (${loadSeconds} s, ${CONCURRENCY} concurrent) |`,
  "|---:|---:|---:|---:|---:|---:|",
  ...rows.map(
    (r) =>
      `| ${r.size} | ${mb(r.idle)} (${mb(r.idleAnon)}) | ${mb(r.peak)} | ${mb(r.settled)} (${mb(r.settledAnon)}) | ${mb(r.hwm)} | ${r.rps} |`,
  ),
];
process.stdout.write(`${lines.join("\n")}\n`);
