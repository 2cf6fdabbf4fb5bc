// Runs a command to completion and collects what it printed: kubectl, helm and the cluster
// scripts. A command that hangs is killed after a bound, so no test waits forever.

import { spawn } from "node:child_process";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to stdin; stdin is closed either way. */
  input?: string;
  /** The whole environment of the command; default this process's. */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Never rejects on a non-zero exit code; rejects when the command cannot be started. */
export function runCommand(
  file: string,
  args: string[],
  opts: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ["pipe", "pipe", "pipe"], env: opts.env });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 120_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${file}: ${err.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === null ? 1 : 128), stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}
