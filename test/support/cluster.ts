// Access to the real test cluster started by test/cluster/with-cluster.sh (or `make cluster`
// with the variables exported by hand). Integration tests never skip: without the cluster
// environment every helper throws an error that says how to start one.
import { randomBytes } from "node:crypto";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { ApiException, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { type CommandResult, runCommand } from "./run-command.ts";

const RESTART_SCRIPT = fileURLToPath(new URL("../cluster/restart-apiserver.sh", import.meta.url));

function requiredEnv(name: string, what: string): string {
  const value = process.env[name];
  if (value === undefined || value === "") {
    throw new Error(
      `${name} is not set: ${what} comes from the test cluster. Run the tests through ` +
        "test/cluster/with-cluster.sh (e.g. `test/cluster/with-cluster.sh node --test <file>`) " +
        "or `make integration`.",
    );
  }
  return value;
}

export function kubeconfigPath(): string {
  return requiredEnv("TOKEN_CHAOS_KUBECONFIG", "the admin kubeconfig");
}

export function helmPath(): string {
  return requiredEnv("TOKEN_CHAOS_HELM", "the helm binary");
}

export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

/** A kubeconfig for the same API server that authenticates with a bearer token only. */
export function kubeConfigForToken(token: string): KubeConfig {
  const cluster = adminKubeConfig().getCurrentCluster();
  if (cluster === null) throw new Error(`${kubeconfigPath()} has no current cluster`);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: "token-user", token }],
    contexts: [{ name: "token", cluster: cluster.name, user: "token-user" }],
    currentContext: "token",
  });
  return kc;
}

// Namespaces created by this test file; deleted by one hook on the file's root, so cleanup
// waits for every test of the file whether the namespace was made in a test or in a hook.
const createdNamespaces = new Set<string>();
after(async () => {
  if (createdNamespaces.size === 0) return;
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  for (const name of createdNamespaces) {
    try {
      // Without a controller-manager the namespace may stay Terminating; that is fine.
      await core.deleteNamespace({ name });
    } catch (err) {
      if (!(err instanceof ApiException && (err.code === 404 || err.code === 409))) throw err;
    }
  }
  createdNamespaces.clear();
});

/** Creates a namespace with a unique name starting with prefix, deleted after the file's tests. */
export async function createTestNamespace(prefix: string): Promise<string> {
  const base = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 50);
  const name = `${base || "test"}-${randomBytes(4).toString("hex")}`;
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  await core.createNamespace({
    body: { metadata: { name, labels: { "tokenchaos.dev/test": "true" } } },
  });
  createdNamespaces.add(name);
  return name;
}

/** Issues a token for a ServiceAccount through the TokenRequest API (audience: the API server). */
export async function serviceAccountToken(namespace: string, sa: string): Promise<string> {
  const core = adminKubeConfig().makeApiClient(CoreV1Api);
  const res = await core.createNamespacedServiceAccountToken({
    name: sa,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const token = res.status?.token;
  if (token === undefined || token === "") {
    throw new Error(`TokenRequest for ${namespace}/${sa} returned no token`);
  }
  return token;
}

/** Runs kubectl against the test cluster as admin. Never throws on a non-zero exit code. */
export function kubectl(args: string[], opts?: { input?: string }): Promise<CommandResult> {
  return runCommand("kubectl", ["--kubeconfig", kubeconfigPath(), ...args], { input: opts?.input });
}

/**
 * Stops kube-apiserver and starts it again on the same port and etcd; resolves once ready
 * (about 5 to 10 s). Every client of the shared cluster, including other test files running
 * at the same time, sees connection errors meanwhile: use it only where that is acceptable.
 */
export async function restartApiServer(): Promise<void> {
  requiredEnv("TOKEN_CHAOS_CLUSTER_DIR", "the cluster folder");
  const res = await runCommand(RESTART_SCRIPT, []);
  if (res.code !== 0) {
    throw new Error(`restart-apiserver.sh failed (exit ${res.code}):\n${res.stdout}${res.stderr}`);
  }
}
