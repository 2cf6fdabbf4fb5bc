import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { requeueDelay } from "../../../operator/controllers/requeue.ts";
import { faultSummary, percentSummary } from "../../../operator/controllers/summaries.ts";
import { isGone, objectKey, relistDiff } from "../../../operator/watch/relist-diff.ts";

const o = (name: string, rv: string) => ({
  metadata: { name, namespace: "ns", resourceVersion: rv },
});

describe("relistDiff", () => {
  it("emits adds, changes and deletes, and nothing for unchanged objects", () => {
    const before = new Map([
      ["ns/a", o("a", "1")],
      ["ns/b", o("b", "2")],
      ["ns/c", o("c", "3")],
    ]);
    const after = new Map([
      ["ns/a", o("a", "1")],
      ["ns/b", o("b", "5")],
      ["ns/d", o("d", "6")],
    ]);
    const ev = relistDiff(before, after)
      .map((e) => `${e.type} ${e.key}`)
      .sort();
    assert.deepEqual(ev, ["ADDED ns/d", "DELETED ns/c", "MODIFIED ns/b"]);
  });

  it("keys by namespace/name and recognizes 410 Gone in all its forms", () => {
    assert.equal(objectKey(o("a", "1")), "ns/a");
    assert.equal(objectKey({ metadata: { name: "cluster-wide" } }), "cluster-wide");
    assert.equal(isGone({ kind: "Status", code: 410, reason: "Expired" }), true);
    assert.equal(isGone({ statusCode: 410 }), true);
    assert.equal(isGone({ code: 500 }), false);
    assert.equal(isGone(null), false);
  });
});

describe("requeueDelay", () => {
  it("requeues exactly at the next edge, at least 1 ms, at most the resync period", () => {
    assert.equal(requeueDelay(1500, 1000), 500);
    assert.equal(requeueDelay(1000.2, 1000), 1);
    assert.equal(requeueDelay(900, 1000), 1);
    assert.equal(requeueDelay(undefined, 0, 600_000), 600_000);
    assert.equal(requeueDelay(10 ** 12, 0, 600_000), 600_000);
  });
});

describe("printer-column summaries", () => {
  it("lists faults and percents", () => {
    const spec = {
      target: {},
      schedule: { duration: "10m" },
      faults: [
        { type: "expire" as const, percent: 25 },
        { type: "tamper" as const, at: "upstream" as const },
      ],
    };
    assert.equal(faultSummary(spec), "expire,tamper@upstream");
    assert.equal(percentSummary(spec), "25%,100%");
    assert.equal(
      percentSummary({
        ...spec,
        schedule: { duration: "10m", ramp: { from: 5, to: 50, over: "5m" } },
      }),
      "5-50%",
    );
  });
});
