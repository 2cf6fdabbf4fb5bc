// A cluster of this test file's own (its own etcd and kube-apiserver, started by the project's
// scripts), for a test that kills kube-apiserver: restarting the shared cluster would break
// every test file running at the same time. Once started, the cluster helpers of
// test/support/cluster.ts (adminKubeConfig, kubectl, restartApiServer) all point at it.

import { rmSync } from "node:fs";
import { runCommand } from "../../support/run-command.ts";
import { atEnd, ROOT } from "./harness.ts";

async function script(name: string, env: NodeJS.ProcessEnv) {
  const res = await runCommand(`${ROOT}test/cluster/${name}`, [], { env, timeoutMs: 300_000 });
  return { code: res.code, output: res.stdout + res.stderr };
}

export async function usePrivateCluster(tag: string): Promise<void> {
  // Fails with the usual clear message when the shared cluster's environment is missing.
  if (!process.env.TOKEN_CHAOS_KUBECONFIG) {
    throw new Error(
      "TOKEN_CHAOS_KUBECONFIG is not set: run the tests through test/cluster/with-cluster.sh",
    );
  }
  const dir = `${ROOT}test/.run/clusters/${tag}-${process.pid}`;
  const env = { ...process.env, TOKEN_CHAOS_CLUSTER_DIR: dir };
  const up = await script("up.sh", env);
  if (up.code !== 0) throw new Error(`could not start a private cluster:\n${up.output}`);
  process.env.TOKEN_CHAOS_CLUSTER_DIR = dir;
  process.env.TOKEN_CHAOS_KUBECONFIG = `${dir}/admin.kubeconfig`;
  atEnd(async () => {
    const down = await script("down.sh", env);
    if (down.code === 0) rmSync(dir, { recursive: true, force: true });
  });
}
