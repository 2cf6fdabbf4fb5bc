// An operator as its own process (`token-chaos operator ...`), as it runs in a pod: for leader
// election between replicas and for measuring resident memory.

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { atEnd, ROOT } from "./harness.ts";

export interface ChildOperator {
  identity: string;
  process: ChildProcess;
  metricsPort: Promise<number>;
  /** Log lines (pino JSON) seen so far. */
  logs: string[];
  metrics(): Promise<string>;
  rssBytes(): number;
  exited: Promise<number | null>;
}

export function spawnOperator(
  identity: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildOperator {
  const child = spawn(
    process.execPath,
    [
      `${ROOT}bin/token-chaos.ts`,
      "operator",
      "--identity",
      identity,
      "--metrics-port",
      "0",
      "--metrics-host",
      "127.0.0.1",
      ...args,
    ],
    { stdio: ["ignore", "pipe", "pipe"], env },
  );
  const logs: string[] = [];
  let resolvePort: (p: number) => void = () => {};
  let rejectPort: (e: Error) => void = () => {};
  const metricsPort = new Promise<number>((res, rej) => {
    resolvePort = res;
    rejectPort = rej;
  });
  let buf = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    buf += d;
    let nl = buf.indexOf("\n");
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      logs.push(line);
      if (logs.length > 2000) logs.shift();
      try {
        const rec = JSON.parse(line) as { msg?: string; port?: number };
        if (rec.msg === "operator listening" && typeof rec.port === "number") resolvePort(rec.port);
      } catch {
        // not JSON
      }
      nl = buf.indexOf("\n");
    }
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise<number | null>((r) =>
    child.once("exit", (code) => {
      rejectPort(new Error(`operator ${identity} exited (${code}): ${stderr}`));
      r(code);
    }),
  );
  atEnd(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
  return {
    identity,
    process: child,
    metricsPort,
    logs,
    exited,
    async metrics() {
      const port = await metricsPort;
      return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    },
    rssBytes() {
      // VmRSS of the operator process itself, from /proc (kB).
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      const m = /VmRSS:\s+(\d+) kB/.exec(status);
      return m ? Number(m[1]) * 1024 : 0;
    },
  };
}
