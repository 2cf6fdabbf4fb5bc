// Two operator processes on one Lease: only one leads and writes; killing the leader hands over
// within the lease duration; a leader shutting down releases the lease for an immediate handover.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CoordinationV1Api } from "@kubernetes/client-node";
import { LEASE_NAME } from "../../../operator/names.ts";
import { adminKubeConfig, kubeconfigPath } from "../../support/cluster.ts";
import { sampleValue } from "../../support/metrics-text.ts";
import { type ChildOperator, spawnOperator } from "./child-operator.ts";
import {
  createExperiment,
  eventsFor,
  example,
  getExperiment,
  operatorNamespaces,
  patchExperiment,
  planEntry,
  readPlan,
  waitFor,
  waitForPhase,
} from "./harness.ts";

const LEASE_MS = 15_000;
const RETRY_MS = 2000;

async function holder(namespace: string): Promise<string | undefined> {
  try {
    const lease = await adminKubeConfig()
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: LEASE_NAME, namespace });
    return lease.spec?.holderIdentity || undefined;
  } catch {
    return undefined;
  }
}

describe("operator: leader election", () => {
  let ns = "";
  let opNs = "";
  const ops = new Map<string, ChildOperator>();
  let args: string[] = [];

  before(async () => {
    ({ ns, opNs } = await operatorNamespaces("op-leader"));
    args = [
      "--kubeconfig",
      kubeconfigPath(),
      "--namespace",
      ns,
      "--operator-namespace",
      opNs,
      "--leader-elect",
    ];
    for (const id of ["op-a", "op-b"]) ops.set(id, spawnOperator(id, args));
    await Promise.all([...ops.values()].map((o) => o.metricsPort));
  });

  it("only one process leads, and only the leader writes status and events", async () => {
    const leaderId = (await waitFor("a leader", () => holder(opNs), 20_000, 100)).value;
    const leader = ops.get(leaderId);
    const followerId = leaderId === "op-a" ? "op-b" : "op-a";
    const follower = ops.get(followerId);
    assert.ok(leader && follower, `unknown holder ${leaderId}`);
    await waitFor(
      "leader gauge",
      async () =>
        sampleValue(await leader.metrics(), "token_chaos_leader") === 1 ? true : undefined,
      5000,
      100,
    );
    assert.equal(sampleValue(await follower.metrics(), "token_chaos_leader"), 0);
    // Both are live and ready: a follower is ready to take over at once.
    for (const op of [leader, follower]) {
      const port = await op.metricsPort;
      for (const path of ["/healthz", "/readyz"]) {
        assert.equal(
          (await fetch(`http://127.0.0.1:${port}${path}`)).status,
          200,
          `${op.identity} ${path}`,
        );
      }
    }

    await createExperiment(example("missing-token.yaml", ns, "ha"));
    await waitForPhase(ns, "ha", "Running", 2000);
    const events = await waitFor(
      "an event",
      async () => {
        const e = await eventsFor(ns, "ha");
        return e.length > 0 ? e : undefined;
      },
      5000,
      100,
    );
    for (const e of events.value) assert.equal(e.reportingInstance, leaderId);
    const lm = await leader.metrics();
    const fm = await follower.metrics();
    assert.ok(
      (sampleValue(lm, 'token_chaos_operator_writes_total{kind="status",result="ok"}') ?? 0) >= 1,
    );
    for (const kind of ["status", "event", "plan"]) {
      assert.equal(
        sampleValue(fm, `token_chaos_operator_writes_total{kind="${kind}",result="ok"}`) ?? 0,
        0,
        `follower wrote ${kind}`,
      );
    }
    // The follower keeps its cache warm, but reports no phases (the leader does, once).
    assert.equal(
      sampleValue(fm, 'token_chaos_operator_cached_objects{resource="tokenchaosexperiments"}'),
      1,
    );
    assert.equal(sampleValue(fm, 'token_chaos_experiments{phase="Running"}'), 0);
    assert.equal(sampleValue(lm, 'token_chaos_experiments{phase="Running"}'), 1);
  });

  it("killing the leader hands over within the lease duration", async () => {
    const leaderId = (await holder(opNs)) as string;
    const followerId = leaderId === "op-a" ? "op-b" : "op-a";
    const leader = ops.get(leaderId) as ChildOperator;
    leader.process.kill("SIGKILL");
    await leader.exited;
    const t0 = performance.now();
    const { ms } = await waitFor(
      "the follower to take the lease",
      async () => ((await holder(opNs)) === followerId ? true : undefined),
      LEASE_MS + 3 * RETRY_MS,
      100,
    );
    console.log(`leader killed -> follower leads after ${(ms / 1000).toFixed(1)} s`);
    // Takeover happens once the lease has gone unrenewed for its duration, at the follower's next
    // retry: at most lease + 2 retry periods after the kill (the last renewal is <= 1 period old).
    assert.ok(performance.now() - t0 <= LEASE_MS + 2 * RETRY_MS + 500);

    // The new leader acts on changes.
    await patchExperiment(ns, "ha", {
      spec: { faults: [{ type: "strip", at: "upstream", percent: 70 }] },
    });
    await waitFor(
      "the new leader to publish the edit",
      async () =>
        planEntry(await readPlan(opNs), `${ns}/ha`)?.generation === 2 ? true : undefined,
      2000,
    );
    await waitFor(
      "status from the new leader",
      async () =>
        (await getExperiment(ns, "ha"))?.status?.observedGeneration === 2 ? true : undefined,
      2000,
    );
    ops.delete(leaderId);
  });

  it("a leader shutting down releases the lease: a standby takes over within a retry period", async () => {
    const standby = spawnOperator("op-c", args);
    await standby.metricsPort;
    const leaderId = (await holder(opNs)) as string;
    const leader = ops.get(leaderId) as ChildOperator;
    // Let the standby observe the current lease once.
    await new Promise((r) => setTimeout(r, RETRY_MS + 500));
    const t0 = performance.now();
    leader.process.kill("SIGTERM");
    const code = await leader.exited;
    assert.equal(code, 0, "graceful shutdown");
    const { ms } = await waitFor(
      "the standby to take the lease",
      async () => ((await holder(opNs)) === "op-c" ? true : undefined),
      3 * RETRY_MS,
      50,
    );
    console.log(
      `leader stopped -> standby leads after ${((performance.now() - t0) / 1000).toFixed(1)} s (${ms.toFixed(0)} ms after exit)`,
    );
  });
});
