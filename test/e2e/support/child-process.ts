// Starting and stopping the real proxies (nginx, Caddy) as child processes of the test: each
// gets a temp dir for its config, pid and logs; it is stopped by its own pid, with a hard kill
// if it does not exit in time, and killed if the test process exits first.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

export interface RunningChild {
  pid: number;
  dir: string;
  /** Last lines of the child's stderr and log files, for failure messages. */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

export interface ChildSpec {
  name: string;
  command: string;
  args: string[];
  dir: string;
  env?: NodeJS.ProcessEnv;
  /** Graceful stop signal (nginx: SIGQUIT, Caddy: SIGTERM). */
  stopSignal: NodeJS.Signals;
  /** Files under dir worth showing when something fails. */
  logFiles?: string[];
  /** Resolves when the child serves; rejects or times out otherwise. */
  ready: () => Promise<boolean>;
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `token-chaos-${prefix}-`));
}

export async function startChild(spec: ChildSpec): Promise<RunningChild> {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.dir,
    env: spec.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  let output = "";
  const keep = (c: Buffer) => {
    output = (output + c.toString("utf8")).slice(-8000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  let exitCode: number | null | undefined;
  void exited.then((c) => {
    exitCode = c;
    live.delete(child);
  });

  const logs = async (): Promise<string> => {
    const parts = [`--- ${spec.name} output ---\n${output}`];
    for (const f of spec.logFiles ?? []) {
      const text = await readFile(join(spec.dir, f), "utf8").catch(() => "");
      parts.push(`--- ${f} ---\n${text.slice(-4000)}`);
    }
    return parts.join("\n");
  };

  const stop = async (): Promise<void> => {
    if (exitCode === undefined && child.pid !== undefined) {
      child.kill(spec.stopSignal);
      const done = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!done) {
        child.kill("SIGKILL");
        await exited;
      }
    }
    await rm(spec.dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      const why = await logs();
      await rm(spec.dir, { recursive: true, force: true });
      throw new Error(`${spec.name} exited with ${exitCode} before it was ready\n${why}`);
    }
    if (await spec.ready().catch(() => false)) {
      return { pid: child.pid ?? -1, dir: spec.dir, logs, stop };
    }
    await sleep(50);
  }
  const why = await logs();
  await stop();
  throw new Error(`${spec.name} was not ready within 10 s\n${why}`);
}

/** A free TCP port on loopback (the kernel picks it; tiny race accepted for tests). */
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

/** True when something accepts TCP connections on the port. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
