// Key rotation with a JWKS takeover, end to end: the demo API fetches its keys through the
// proxy, the rotate experiment re-signs tokens under a new kid and answers the JWKS endpoint
// with the real keys plus the new one. A validator that refetches on an unknown kid recovers
// within a second; one that trusts its cache fails until its TTL runs out. Both recovery
// times are reported. Through nginx the takeover cannot happen (auth_request drops the auth
// response body), which the nginx case shows.

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { closeClient } from "./support/http-client.ts";
import { type RotationResult, runRotation } from "./support/rotation.ts";

const OPTIONS = { trustTtlMs: 4000, windowMs: 5000, leadMs: 2000 };

function report(r: RotationResult): string {
  const fmt = (ms: number | undefined) => (ms === undefined ? "never" : `${ms} ms`);
  return [
    `${r.front}: refetch-on-unknown-kid recovered after ${fmt(r.refetch.recoveryMs)} (${r.refetch.failures} failed probes, ${r.refetch.keyFetches} key fetches)`,
    `trust-cache (TTL ${r.trustTtlMs} ms) recovered after ${fmt(r.trustCache.recoveryMs)} (expected ~${r.expectedTrustRecoveryMs} ms; ${r.trustCache.failures} failed probes, ${r.trustCache.keyFetches} key fetches)`,
  ].join("; ");
}

function assertAllWellAfter(r: RotationResult): void {
  const bad = r.afterWindow.filter((p) => p.status !== 200);
  assert.ok(r.afterWindow.length > 0, "probes after the window");
  assert.equal(bad.length, 0, `all well after the window: ${JSON.stringify(bad.slice(0, 3))}`);
}

describe("key rotation with a JWKS takeover, keys fetched through the proxy", () => {
  after(() => closeClient());

  for (const kind of ["caddy", "envoy"] as const) {
    it(`through ${kind === "envoy" ? "the gRPC API (Envoy stand-in)" : "real Caddy"}: refetching recovers at once, trust-cache at its TTL`, async (t) => {
      const r = await runRotation(kind, OPTIONS);
      t.diagnostic(report(r));
      assert.ok(
        r.refetch.recoveryMs !== undefined && r.refetch.recoveryMs <= 1000,
        `refetch-on-unknown-kid should recover within 1 s: ${report(r)}`,
      );
      assert.ok(r.trustCache.failures > 0, `trust-cache should fail first: ${report(r)}`);
      const unknownKey = r.trustCache.probes.find((p) => p.t >= 0 && p.status === 401);
      assert.match(
        unknownKey?.challenge ?? "",
        /unknown key/,
        "trust-cache fails on the unknown kid",
      );
      assert.ok(r.trustCache.recoveryMs !== undefined, `trust-cache should recover: ${report(r)}`);
      assert.ok(
        Math.abs(r.trustCache.recoveryMs - r.expectedTrustRecoveryMs) <= 300,
        `trust-cache should recover when its TTL runs out: ${report(r)}`,
      );
      assertAllWellAfter(r);
    });
  }

  it("through real nginx: the takeover cannot reach the validator, nobody recovers in the window", async (t) => {
    const r = await runRotation("nginx", OPTIONS);
    t.diagnostic(report(r));
    // nginx goes on to the real JWKS endpoint (it cannot send the auth response's body), so the
    // new kid is never published: both validators fail for the whole window.
    assert.equal(r.refetch.recoveryMs, undefined, `refetch should not recover: ${report(r)}`);
    assert.equal(
      r.trustCache.recoveryMs,
      undefined,
      `trust-cache should not recover: ${report(r)}`,
    );
    assertAllWellAfter(r);
  });
});
