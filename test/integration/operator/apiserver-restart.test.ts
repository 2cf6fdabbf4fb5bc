// kube-apiserver killed and started again (same etcd) while an experiment runs: the operator
// rides it out, resumes its watches, and converges on every change; the plan keeps absolute
// windows, so the data plane enforces the last good plan only inside them meanwhile.
// It runs on a cluster of its own, so the restart cannot disturb other test files.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CoreV1Api } from "@kubernetes/client-node";
import { adminKubeConfig, restartApiServer } from "../../support/cluster.ts";
import { installCrd } from "../../support/crd.ts";
import { usePrivateCluster } from "../../support/private-cluster.ts";
import {
  createExperiment,
  deleteExperiment,
  example,
  getExperiment,
  patchExperiment,
  planEntry,
  readPlan,
  startTestOperator,
  waitFor,
} from "./harness.ts";

describe("operator: kube-apiserver restart", () => {
  let ns = "";
  let opNs = "";

  before(async () => {
    await usePrivateCluster("op-restart");
    await installCrd();
    // The whole cluster goes away after the file, namespaces included.
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    ns = "op-restart";
    opNs = "op-restart-sys";
    for (const name of [ns, opNs]) await core.createNamespace({ body: { metadata: { name } } });
    await startTestOperator({ namespace: ns, operatorNamespace: opNs });
  });

  it("loses no update across a restart mid-experiment", async () => {
    await createExperiment(example("missing-token.yaml", ns, "a"));
    await createExperiment(example("slow-validation.yaml", ns, "b"));
    const before = await waitFor(
      "a and b in the plan",
      async () => {
        const p = await readPlan(opNs);
        return planEntry(p, `${ns}/a`) && planEntry(p, `${ns}/b`) ? p : undefined;
      },
      2000,
    );
    const windowA = planEntry(before.value, `${ns}/a`)?.windows;
    assert.ok(before.value.validUntil !== undefined && before.value.validUntil > Date.now());

    const t0 = performance.now();
    await restartApiServer();
    console.log(`kube-apiserver restarted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // Changes made right after the restart, while the operator's watches are still reconnecting.
    await patchExperiment(ns, "a", {
      spec: { faults: [{ type: "strip", at: "upstream", percent: 80 }] },
    });
    await deleteExperiment(ns, "b");
    await createExperiment(example("malformed-bearer.yaml", ns, "c"));
    const t1 = performance.now();
    const after = await waitFor(
      "the plan to converge",
      async () => {
        const p = await readPlan(opNs);
        const a = planEntry(p, `${ns}/a`);
        return a?.generation === 2 &&
          a.faults[0]?.percent === 80 &&
          !planEntry(p, `${ns}/b`) &&
          planEntry(p, `${ns}/c`)
          ? p
          : undefined;
      },
      10_000,
      50,
    );
    console.log(
      `after restart: plan converged ${(performance.now() - t1).toFixed(0)} ms after the changes`,
    );
    assert.ok(after.value.version > before.value.version);
    assert.deepEqual(
      planEntry(after.value, `${ns}/a`)?.windows,
      windowA,
      "absolute windows are unchanged",
    );
    await waitFor(
      "c Running and a at generation 2",
      async () => {
        const a = await getExperiment(ns, "a");
        const c = await getExperiment(ns, "c");
        return a?.status?.observedGeneration === 2 && c?.status?.phase === "Running"
          ? true
          : undefined;
      },
      5000,
      50,
    );
  });
});
