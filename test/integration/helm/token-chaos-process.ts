// Runs `token-chaos operator` or `token-chaos authz` as a child process with a kubeconfig of its
// own, the way a pod would run it with its ServiceAccount: the process holds nothing else.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import {
  freePort,
  type RunningChild,
  startChild,
  tempDir,
} from "../../e2e/support/child-process.ts";
import { REPO_ROOT } from "./helm.ts";

const CLI = join(REPO_ROOT, "bin/token-chaos.ts");

export interface RunningTokenChaos extends RunningChild {
  metricsPort: number;
  metrics(): Promise<string>;
}

async function httpOk(port: number, path: string): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(1000) });
  await res.arrayBuffer();
  return res.ok;
}

/**
 * Starts the CLI with `args` after the subcommand; `--metrics-port` is chosen here. Ready when
 * /readyz answers 200 (`readyPath` to wait for something else).
 */
export async function startTokenChaos(opts: {
  name: string;
  subcommand: "operator" | "authz";
  args: string[];
  kubeConfig: KubeConfig;
  readyPath?: string;
}): Promise<RunningTokenChaos> {
  const dir = await tempDir(opts.name);
  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(kubeconfig, opts.kubeConfig.exportConfig(), { mode: 0o600 });
  const metricsPort = await freePort();
  const args = [CLI, opts.subcommand, ...opts.args, `--metrics-port=${metricsPort}`];
  if (opts.subcommand === "operator") args.push(`--kubeconfig=${kubeconfig}`);
  const child = await startChild({
    name: opts.name,
    command: process.execPath,
    args,
    dir,
    // Only what the process needs: no admin kubeconfig can leak in through the environment.
    env: { PATH: process.env.PATH ?? "", HOME: dir, KUBECONFIG: kubeconfig },
    stopSignal: "SIGTERM",
    ready: () => httpOk(metricsPort, opts.readyPath ?? "/readyz"),
  });
  return {
    ...child,
    metricsPort,
    async metrics() {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      return res.text();
    },
  };
}

/** The value of an unlabelled gauge or counter in a Prometheus text exposition. */
export function sampleValue(exposition: string, name: string): number | undefined {
  const line = exposition.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}
