// The global halt: `token-chaos halt` stops every experiment within 1 s (a plan with
// halted: true and nothing in it), `token-chaos resume` lets them continue.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { runCli } from "../../../cli/main.ts";
import { kubeconfigPath } from "../../support/cluster.ts";
import { captureIo } from "./cli-io.ts";
import {
  condition,
  createExperiment,
  example,
  getExperiment,
  operatorNamespaces,
  planEntry,
  readPlan,
  startTestOperator,
  waitFor,
  waitForPhase,
} from "./harness.ts";

describe("operator: global halt", () => {
  let ns = "";
  let opNs = "";

  before(async () => {
    ({ ns, opNs } = await operatorNamespaces("op-halt"));
    await startTestOperator({ namespace: ns, operatorNamespace: opNs });
    await createExperiment(example("missing-token.yaml", ns, "a"));
    await createExperiment(example("slow-validation.yaml", ns, "b"));
    await waitFor(
      "both experiments in the plan",
      async () => {
        const p = await readPlan(opNs);
        return planEntry(p, `${ns}/a`) && planEntry(p, `${ns}/b`) ? p : undefined;
      },
      5000,
    );
  });

  it("halt publishes halted: true with no experiments within 1 s, and pauses every experiment", async () => {
    const io = captureIo();
    const t0 = performance.now();
    const code = await runCli(
      ["halt", "--kubeconfig", kubeconfigPath(), "--operator-namespace", opNs, "--reason", "test"],
      io,
    );
    assert.equal(code, 0, io.err());
    assert.match(io.out(), /halted/);
    const halted = await waitFor(
      "a halted plan",
      async () => {
        const p = await readPlan(opNs);
        return p?.halted === true ? p : undefined;
      },
      1000,
    );
    console.log(`halt -> halted plan ${(performance.now() - t0).toFixed(0)} ms`);
    assert.deepEqual(halted.value.experiments, []);
    for (const name of ["a", "b"]) {
      const o = await waitFor(
        `${name} Paused`,
        async () => {
          const x = await getExperiment(ns, name);
          return x?.status?.phase === "Paused" ? x : undefined;
        },
        2000,
      );
      assert.equal(condition(o.value, "Paused")?.reason, "GlobalHalt");
    }
    const again = captureIo();
    assert.equal(
      await runCli(["halt", "--kubeconfig", kubeconfigPath(), "--operator-namespace", opNs], again),
      0,
    );
    assert.match(again.out(), /already halted/);
  });

  it("resume lifts the halt: the experiments return to the plan within 1 s", async () => {
    const io = captureIo();
    const code = await runCli(
      ["resume", "--kubeconfig", kubeconfigPath(), "--operator-namespace", opNs],
      io,
    );
    assert.equal(code, 0, io.err());
    const back = await waitFor(
      "an unhalted plan with both experiments",
      async () => {
        const p = await readPlan(opNs);
        return p?.halted === false && planEntry(p, `${ns}/a`) && planEntry(p, `${ns}/b`)
          ? p
          : undefined;
      },
      1000,
    );
    assert.equal(back.value.experiments.length, 2);
    await waitForPhase(ns, "a", "Running", 2000);
    const twice = captureIo();
    assert.equal(
      await runCli(
        ["resume", "--kubeconfig", kubeconfigPath(), "--operator-namespace", opNs],
        twice,
      ),
      0,
    );
    assert.match(twice.out(), /not halted/);
  });
});
