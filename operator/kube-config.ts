// Loads cluster credentials: an explicit --kubeconfig, else $KUBECONFIG, ~/.kube/config or the
// in-cluster service account, in that order (the client's own default chain).

import { readFileSync } from "node:fs";
import { KubeConfig } from "@kubernetes/client-node";
import { DEFAULT_OPERATOR_NAMESPACE } from "./names.ts";

const SA_NAMESPACE_FILE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

export function loadKubeConfig(path: string | undefined, env: NodeJS.ProcessEnv): KubeConfig {
  const kc = new KubeConfig();
  if (path !== undefined) kc.loadFromFile(path);
  else if (env.KUBECONFIG) {
    // KUBECONFIG may list several files; the client merges them like kubectl.
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = env.KUBECONFIG;
    try {
      kc.loadFromDefault();
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  } else kc.loadFromDefault();
  if (kc.getCurrentCluster() === null) {
    throw new Error(
      "no Kubernetes cluster configured (use --kubeconfig, $KUBECONFIG or run in a pod)",
    );
  }
  return kc;
}

/** The operator's namespace: the flag, then $POD_NAMESPACE, then the pod's service account namespace. */
export function operatorNamespace(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag !== undefined) return flag;
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    const ns = readFileSync(SA_NAMESPACE_FILE, "utf8").trim();
    if (ns !== "") return ns;
  } catch {
    // not in a pod
  }
  return DEFAULT_OPERATOR_NAMESPACE;
}
