// Runs `token-chaos operator` or `token-chaos authz` as a child process with a kubeconfig of its
// own, the way a pod runs it with its ServiceAccount: the process holds nothing else.

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { freePort, httpOk, startProcess } from "./child.ts";
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

/** The value of an unlabelled gauge or counter in a Prometheus text exposition. */
export function sampleValue(exposition: string, name: string): number | undefined {
  const line = exposition.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}
