import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelay } from "../../../operator/queue/backoff.ts";
import { WorkQueue } from "../../../operator/queue/work-queue.ts";

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe("work queue", () => {
  it("coalesces duplicate adds of a waiting key", async () => {
    const q = new WorkQueue();
    q.add("a/x");
    q.add("a/x");
    q.add("a/y");
    assert.equal(q.length, 2);
    assert.equal(await q.get(), "a/x");
    assert.equal(await q.get(), "a/y");
    q.shutdown();
  });

  it("never hands one key to two workers; a re-add during processing runs after done()", async () => {
    const q = new WorkQueue();
    q.add("k");
    const first = await q.get();
    assert.equal(first, "k");
    q.add("k");
    assert.equal(q.length, 0, "a key being processed is not queued again yet");
    q.done("k");
    assert.equal(q.length, 1);
    assert.equal(await q.get(), "k");
    q.shutdown();
  });

  it("runs workers without overlapping a key and processes every change", async () => {
    const q = new WorkQueue();
    const active = new Set<string>();
    let overlaps = 0;
    const seen: string[] = [];
    const done = q.run(
      3,
      async (key) => {
        if (active.has(key)) overlaps++;
        active.add(key);
        await tick(2);
        seen.push(key);
        active.delete(key);
        return undefined;
      },
      () => {},
    );
    for (let i = 0; i < 20; i++) {
      q.add(`k${i % 4}`);
      await tick(1);
    }
    await tick(30);
    q.shutdown();
    await done;
    assert.equal(overlaps, 0);
    for (let i = 0; i < 4; i++) assert.ok(seen.includes(`k${i}`));
    // The last add of each key happened after its earlier processing began, so each key ran at
    // least once after its last add: coalescing may merge adds but never loses the last one.
    assert.ok(seen.length >= 4 && seen.length <= 20);
  });

  it("delayed adds keep the earliest due time", async () => {
    const q = new WorkQueue();
    const started = Date.now();
    q.addAfter("k", 200);
    q.addAfter("k", 20);
    q.addAfter("k", 500);
    const key = await q.get();
    const waited = Date.now() - started;
    assert.equal(key, "k");
    assert.ok(waited >= 19 && waited < 150, `waited ${waited} ms`);
    q.shutdown();
  });

  it("retries failures with exponential backoff and forgets on success", async () => {
    const q = new WorkQueue({ backoff: { baseMs: 5, maxMs: 1000 } });
    let calls = 0;
    const errors: unknown[] = [];
    const done = q.run(
      1,
      async () => {
        calls++;
        if (calls < 3) throw new Error("boom");
        return undefined;
      },
      (_k, err) => errors.push(err),
    );
    q.add("k");
    await tick(100);
    assert.equal(calls, 3);
    assert.equal(errors.length, 2);
    assert.equal(q.failuresOf("k"), 0);
    q.shutdown();
    await done;
  });

  it("backoff doubles and is capped", () => {
    const p = { baseMs: 50, maxMs: 1000 };
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 100].map((n) => backoffDelay(n, p)),
      [50, 100, 200, 400, 800, 1000, 1000],
    );
    assert.equal(backoffDelay(0, p), 0);
  });

  it("reports metrics for adds, depth, retries and durations", async () => {
    const counts = { adds: 0, retries: 0, queued: 0, work: 0, depth: -1 };
    const q = new WorkQueue({
      backoff: { baseMs: 1, maxMs: 1 },
      metrics: {
        onAdd: () => counts.adds++,
        onDepth: (d) => {
          counts.depth = d;
        },
        onQueued: () => counts.queued++,
        onWork: () => counts.work++,
        onRetry: () => counts.retries++,
      },
    });
    let fail = true;
    const done = q.run(
      1,
      async () => {
        if (fail) {
          fail = false;
          throw new Error("x");
        }
        return undefined;
      },
      () => {},
    );
    q.add("k");
    await tick(30);
    q.shutdown();
    await done;
    assert.equal(counts.adds, 2, "the original add and the retry");
    assert.equal(counts.retries, 1);
    assert.equal(counts.work, 2);
    assert.equal(counts.queued, 2);
    assert.equal(counts.depth, 0);
  });
});
