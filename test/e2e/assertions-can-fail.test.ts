// Proves the scenario assertions can fail: each scenario is run against a copy of its manifest
// with the fault's percent, type or parameters changed, and must then reject. A scenario that
// passed whatever the fault did would prove nothing.

import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { dumpYaml, loadYaml } from "@kubernetes/client-node";
import type { Fault, TokenChaosExperiment } from "../../api/v1alpha1/types.ts";
import { closeClient } from "./support/http-client.ts";
import { EXPERIMENTS_DIR } from "./support/scenario-suite.ts";
import { SCENARIOS } from "./support/scenarios.ts";
import { type Front, type Stack, startFront, startStack } from "./support/stack.ts";

interface Mutation {
  manifest: string;
  change: string;
  mutate(fault: Fault): Fault;
}

const MUTATIONS: Mutation[] = [
  {
    manifest: "expire-under-load.yaml",
    change: "percent 25 -> 60",
    mutate: (f) => ({ ...f, percent: 60 }),
  },
  {
    manifest: "expire-under-load.yaml",
    change: "type expire -> revoke after 1 request (401 with another description)",
    mutate: () => ({ type: "revoke", percent: 25, revoke: { key: "jti", afterRequests: 0 } }),
  },
  {
    manifest: "revoke-mid-transaction.yaml",
    change: "afterRequests 2 -> 3",
    mutate: (f) => ({ ...f, revoke: { key: "jti", afterRequests: 3 } }),
  },
  {
    manifest: "scope-edge.yaml",
    change: "type scope -> deny 403",
    mutate: () => ({ type: "deny", deny: { status: 403, body: "no" } }),
  },
  {
    manifest: "tamper.yaml",
    change: "tampered claim sub -> role",
    mutate: () => ({ type: "tamper", tamper: { claims: [{ name: "role", value: "admin" }] } }),
  },
  {
    manifest: "delay.yaml",
    change: "delay 150 ms -> 300 ms",
    mutate: () => ({ type: "delay", delay: { distribution: "fixed", ms: 300 } }),
  },
  {
    manifest: "strip-upstream.yaml",
    change: "at upstream -> edge",
    mutate: (f) => ({ ...f, at: "edge" }),
  },
  {
    manifest: "auth-service-error.yaml",
    change: "percent 100 -> 0",
    mutate: (f) => ({ ...f, percent: 0 }),
  },
];

describe("scenario assertions fail when the fault changes", () => {
  let dir: string | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "token-chaos-mutants-"));
  });

  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    closeClient();
  });

  for (const [i, m] of MUTATIONS.entries()) {
    it(`${m.manifest}: ${m.change}`, async (t) => {
      const scenario = SCENARIOS.find((s) => s.manifest === m.manifest);
      assert.ok(scenario, `no scenario for ${m.manifest}`);
      if (dir === undefined) throw new Error("no temp dir");
      const obj = loadYaml(
        await readFile(join(EXPERIMENTS_DIR, m.manifest), "utf8"),
      ) as TokenChaosExperiment;
      obj.spec.faults = obj.spec.faults.map((f) => m.mutate(f));
      const file = join(dir, `mutant-${i}.yaml`);
      await writeFile(file, dumpYaml(obj));
      // Its own stack, with only the mutant loaded.
      const stack: Stack = await startStack({ experiments: file });
      let front: Front | undefined;
      try {
        front = await startFront("envoy", stack.authz, stack.routes);
        const ctx = { stack, front, report: () => {} };
        await assert.rejects(scenario.run(ctx), (err: unknown) => {
          assert.ok(err instanceof assert.AssertionError, `expected an assertion failure: ${err}`);
          t.diagnostic(`fails as it should: ${err.message.split("\n")[0]}`);
          return true;
        });
      } finally {
        await front?.close();
        await stack.close();
      }
    });
  }
});
