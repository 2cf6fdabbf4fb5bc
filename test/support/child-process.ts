// Child processes for tests (Prometheus, proxies, the CLI): spawned with a given environment,
// their output kept for failure messages, ready when a probe says so, stopped by their own pid
// (a graceful signal, then SIGKILL), and killed if the test process exits first.

import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

export interface SpawnSpec {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface TrackedChild {
  pid: number;
  /** The last 8 kB of stdout and stderr (and a spawn error), for failure messages. */
  output(): string;
  /** The exit code once the child is gone (null: by a signal or never started), else undefined. */
  exitCode(): number | null | undefined;
  /** Sends `signal`, then SIGKILL if the child is still there after `graceMs`. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<void>;
}

export function spawnTracked(spec: SpawnSpec): TrackedChild {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let output = "";
  const keep = (c: Buffer) => {
    output = (output + c.toString("utf8")).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exitCode: number | null | undefined;
  let markExited = () => {};
  const exited = new Promise<void>((resolve) => {
    markExited = resolve;
  });
  const gone = (code: number | null) => {
    exitCode = code;
    live.delete(child);
    markExited();
  };
  child.once("exit", gone);
  child.once("error", (err) => {
    output += `\n${err.message}`;
    // A child that could not be started never emits "exit".
    if (child.pid === undefined) gone(null);
  });

  const stop = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    if (exitCode !== undefined) return;
    child.kill(signal);
    const done = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  return { pid: child.pid ?? -1, output: () => output, exitCode: () => exitCode, stop };
}

/**
 * Polls `ready` every `pollMs` until it says true: "exited" when the child is gone first,
 * "timed out" after `timeoutMs`. A probe that throws counts as not ready.
 */
export async function waitUntilReady(
  child: TrackedChild,
  ready: () => Promise<boolean>,
  timeoutMs: number,
  pollMs: number,
): Promise<"ready" | "exited" | "timed out"> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode() !== undefined) return "exited";
    if (await ready().catch(() => false)) return "ready";
    if (Date.now() > deadline) return "timed out";
    await sleep(pollMs);
  }
}

export interface RunningProcess {
  pid: number;
  /** The last 8 kB of stdout and stderr, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a child and waits until `ready` says so, with a generous bound by default: module
 * loading on a busy 2-core machine takes seconds. Stopped with SIGTERM, then SIGKILL after 10 s.
 */
export async function startProcess(
  opts: SpawnSpec & { name: string; ready: () => Promise<boolean>; readyTimeoutMs?: number },
): Promise<RunningProcess> {
  const child = spawnTracked(opts);
  const stop = () => child.stop("SIGTERM", 10_000);
  const state = await waitUntilReady(child, opts.ready, opts.readyTimeoutMs ?? 45_000, 100);
  if (state !== "ready") {
    const why = state === "exited" ? `exited with ${child.exitCode()}` : "was not ready in time";
    await stop();
    throw new Error(`${opts.name} ${why}\n--- output ---\n${child.output()}`);
  }
  return { pid: child.pid, output: child.output, stop };
}

/** A free TCP port on loopback (the kernel picks it; a tiny race accepted for tests). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** True when GET http://127.0.0.1:port/path answers 2xx within a second. */
export async function httpOk(port: number, path: string): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.ok;
}
