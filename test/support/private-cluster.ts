// A cluster of this test file's own (its own etcd and kube-apiserver, started by the project's
// scripts), for a test that kills kube-apiserver: restarting the shared cluster would break
// every test file running at the same time. Once started, the cluster helpers of
// test/support/cluster.ts (adminKubeConfig, kubectl, restartApiServer) all point at it.

import { rmSync } from "node:fs";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
// Imported for its side effect too: its namespace clean-up hook is registered before the
// tear-down below, so it runs while the private cluster still answers.
import "./cluster.ts";
import { runCommand } from "./run-command.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

// Tear-downs, run by one hook on the file's root (a hook registered from inside a before()
// would run as soon as that before() ends).
const teardowns: Array<() => Promise<void>> = [];
after(async () => {
  for (const t of teardowns.splice(0).reverse()) await t();
});

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
  teardowns.push(async () => {
    const down = await script("down.sh", env);
    if (down.code === 0) rmSync(dir, { recursive: true, force: true });
  });
}
