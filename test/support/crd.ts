// The project's CRD on the test cluster, applied once per test process.

import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { GROUP, PLURAL } from "../../api/v1alpha1/types.ts";
import { kubectl } from "./cluster.ts";

const CRDS = fileURLToPath(new URL("../../crds/", import.meta.url));

let installed: Promise<void> | undefined;

/** Applies crds/ and waits until the API server serves the resource. */
export function installCrd(): Promise<void> {
  installed ??= (async () => {
    const apply = () => kubectl(["apply", "--server-side", "--force-conflicts", "-f", CRDS]);
    // Other test files may apply it at the same moment (helm install, kubectl apply): a lost
    // race shows as AlreadyExists or a conflict, and the next apply succeeds.
    let applied = await apply();
    for (let i = 0; i < 3 && applied.code !== 0; i++) {
      await sleep(500);
      applied = await apply();
    }
    if (applied.code !== 0) throw new Error(`kubectl apply crds/ failed: ${applied.stderr}`);
    const waited = await kubectl([
      "wait",
      "--for=condition=Established",
      "--timeout=60s",
      `crd/${PLURAL}.${GROUP}`,
    ]);
    if (waited.code !== 0) throw new Error(`CRD not established: ${waited.stderr}`);
  })();
  return installed;
}
