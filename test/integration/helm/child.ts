// A child process for tests: spawned with a given environment, ready when a probe says so
// (with a generous bound: module loading on a busy 2-core machine takes seconds), stopped by its
// own pid with SIGTERM then SIGKILL, and killed if the test process exits first.

import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

export interface RunningProcess {
  pid: number;
  /** The last 8 kB of stdout and stderr, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function startProcess(opts: {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  ready: () => Promise<boolean>;
  readyTimeoutMs?: number;
}): Promise<RunningProcess> {
  const child = spawn(opts.command, opts.args, {
    cwd: opts.cwd,
    env: opts.env,
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
  const exited = new Promise<void>((resolve) =>
    child.once("exit", (code) => {
      exitCode = code;
      live.delete(child);
      resolve();
    }),
  );
  child.once("error", (err) => {
    output += `\n${err.message}`;
  });

  const stop = async (): Promise<void> => {
    if (exitCode !== undefined) return;
    child.kill("SIGTERM");
    const done = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
    if (!done) {
      child.kill("SIGKILL");
      await exited;
    }
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 45_000);
  while (!(await opts.ready().catch(() => false))) {
    if (exitCode !== undefined || Date.now() > deadline) {
      const why = exitCode !== undefined ? `exited with ${exitCode}` : "was not ready in time";
      await stop();
      throw new Error(`${opts.name} ${why}\n--- output ---\n${output}`);
    }
    await sleep(100);
  }
  return { pid: child.pid ?? -1, output: () => output, stop };
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
