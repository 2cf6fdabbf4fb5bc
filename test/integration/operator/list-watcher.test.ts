// The list-then-watch cache against the real API server: it delivers every change, and its
// watchdog relists when the watch has gone quiet for too long, without losing or repeating
// changes.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { TokenChaosExperiment } from "../../../api/v1alpha1/types.ts";
import { PooledKubeConfig } from "../../../operator/kube-client.ts";
import { createLogger } from "../../../operator/observability/log.ts";
import { ListWatcher } from "../../../operator/watch/list-watcher.ts";
import type { CacheEvent } from "../../../operator/watch/relist-diff.ts";
import { experimentSource } from "../../../operator/watch/sources.ts";
import { adminKubeConfig, createTestNamespace } from "../../support/cluster.ts";
import { installCrd } from "../../support/crd.ts";
import {
  atEnd,
  createExperiment,
  deleteExperiment,
  example,
  patchExperiment,
  waitFor,
} from "./harness.ts";

describe("operator: list-watch cache", () => {
  let ns = "";
  const events: CacheEvent<TokenChaosExperiment>[] = [];
  const relists: string[] = [];
  let watcher: ListWatcher<TokenChaosExperiment>;

  before(async () => {
    await installCrd();
    ns = await createTestNamespace("op-watch");
    await createExperiment(example("missing-token.yaml", ns, "before-start"));
    const kc = PooledKubeConfig.from(adminKubeConfig());
    watcher = new ListWatcher(kc, experimentSource(kc, ns), (e) => events.push(e), {
      log: createLogger("silent"),
      stallMs: 600,
      onRelist: (reason) => relists.push(reason),
    });
    watcher.start();
    atEnd(async () => {
      await watcher.stop();
      await kc.close();
    });
    await watcher.waitForSync();
  });

  it("lists what exists, then delivers adds, changes and deletes", async () => {
    assert.ok(watcher.get(`${ns}/before-start`), "listed at start");
    assert.deepEqual(relists.slice(0, 1), ["start"]);
    await createExperiment(example("missing-token.yaml", ns, "added"));
    await waitFor(
      "ADDED",
      async () => events.find((e) => e.type === "ADDED" && e.key === `${ns}/added`),
      2000,
    );
    await patchExperiment(ns, "added", { spec: { paused: true } });
    await waitFor(
      "MODIFIED",
      async () => (watcher.get(`${ns}/added`)?.spec.paused === true ? true : undefined),
      2000,
    );
    await deleteExperiment(ns, "added");
    await waitFor(
      "DELETED",
      async () => events.find((e) => e.type === "DELETED" && e.key === `${ns}/added`),
      2000,
    );
    assert.equal(watcher.get(`${ns}/added`), undefined);
  });

  it("relists when the watch stays silent past the watchdog, and still loses nothing", async () => {
    const before = relists.filter((r) => r === "stalled").length;
    await waitFor(
      "a watchdog relist",
      async () => (relists.filter((r) => r === "stalled").length > before ? true : undefined),
      5000,
      50,
    );
    const seen = events.length;
    await createExperiment(example("missing-token.yaml", ns, "after-stall"));
    await waitFor(
      "the change after the relist",
      async () => watcher.get(`${ns}/after-stall`),
      3000,
    );
    const added = events.slice(seen).filter((e) => e.key === `${ns}/after-stall`);
    assert.equal(added[0]?.type, "ADDED");
    // An unchanged object is not re-announced by a relist.
    assert.equal(events.filter((e) => e.key === `${ns}/before-start`).length, 1);
  });
});
