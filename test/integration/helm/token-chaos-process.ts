// Runs `token-chaos operator` or `token-chaos authz` as a child process with a kubeconfig of its
// own, the way a pod runs it with its ServiceAccount: the process holds nothing else.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { freePort, httpOk, startProcess } from "../../support/child-process.ts";
import { REPO_ROOT } from "./helm.ts";

const CLI = join(REPO_ROOT, "bin/token-chaos.ts");

export interface RunningTokenChaos {
  pid: number;
  metricsPort: number;
  metrics(): Promise<string>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts the CLI with `args` after the subcommand; `--metrics-port` is chosen here. Ready when
 * `readyPath` (default /readyz) on the metrics port answers 200.
 */
export async function startTokenChaos(opts: {
  name: string;
  subcommand: "operator" | "authz";
  args: string[];
  kubeConfig: KubeConfig;
  readyPath?: string;
}): Promise<RunningTokenChaos> {
  const dir = await mkdtemp(join(tmpdir(), `token-chaos-${opts.name}-`));
  const kubeconfig = join(dir, "kubeconfig");
  await writeFile(kubeconfig, opts.kubeConfig.exportConfig(), { mode: 0o600 });
  const metricsPort = await freePort();
  let proc: Awaited<ReturnType<typeof startProcess>>;
  try {
    proc = await startProcess({
      name: `token-chaos ${opts.subcommand}`,
      command: process.execPath,
      args: [CLI, opts.subcommand, ...opts.args, `--metrics-port=${metricsPort}`],
      cwd: dir,
      // Only what the process needs: no admin kubeconfig can leak in through the environment.
      env: { PATH: process.env.PATH ?? "", HOME: dir, KUBECONFIG: kubeconfig },
      ready: () => httpOk(metricsPort, opts.readyPath ?? "/readyz"),
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    pid: proc.pid,
    metricsPort,
    async metrics() {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      return res.text();
    },
    output: proc.output,
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `token-chaos operator` leader-elected as the chart runs it, but watching one namespace and
 * keeping its own objects (plan, lease) in the same one, so it stays off other tests' objects.
 */
export function startOperatorProcess(
  namespace: string,
  kubeConfig: KubeConfig,
): Promise<RunningTokenChaos> {
  return startTokenChaos({
    name: "operator",
    subcommand: "operator",
    kubeConfig,
    args: [
      `--namespace=${namespace}`,
      `--operator-namespace=${namespace}`,
      "--leader-elect",
      "--metrics-host=127.0.0.1",
      "--log-level=warn",
    ],
  });
}
