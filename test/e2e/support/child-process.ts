// Starting and stopping the real proxies (nginx, Caddy) as child processes of the test: each
// gets a temp dir for its config, pid and logs, removed when it stops; the process itself is
// handled as every test child is (test/support/child-process.ts).

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnTracked, waitUntilReady } from "../../support/child-process.ts";

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

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `token-chaos-${prefix}-`));
}

export async function startChild(spec: ChildSpec): Promise<RunningChild> {
  const child = spawnTracked({
    command: spec.command,
    args: spec.args,
    cwd: spec.dir,
    env: spec.env ?? process.env,
  });

  const logs = async (): Promise<string> => {
    const parts = [`--- ${spec.name} output ---\n${child.output()}`];
    for (const f of spec.logFiles ?? []) {
      const text = await readFile(join(spec.dir, f), "utf8").catch(() => "");
      parts.push(`--- ${f} ---\n${text.slice(-4000)}`);
    }
    return parts.join("\n");
  };

  const stop = async (): Promise<void> => {
    await child.stop(spec.stopSignal, 5000);
    await rm(spec.dir, { recursive: true, force: true });
  };

  const state = await waitUntilReady(child, spec.ready, 10_000, 50);
  if (state === "ready") return { pid: child.pid, dir: spec.dir, logs, stop };
  const why = await logs();
  if (state === "exited") {
    await rm(spec.dir, { recursive: true, force: true });
    throw new Error(`${spec.name} exited with ${child.exitCode()} before it was ready\n${why}`);
  }
  await stop();
  throw new Error(`${spec.name} was not ready within 10 s\n${why}`);
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
