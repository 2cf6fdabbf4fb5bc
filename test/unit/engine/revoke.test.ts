// revoke: per-token allowance, then 401 for the rest of the window; bounded state.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { PlanExperiment } from "../../../api/plan/types.ts";
import type { RevokeParams } from "../../../api/v1alpha1/types.ts";
import {
  createEngineState,
  createSigningKeys,
  decide,
  type EngineState,
  loadPlan,
  type SigningKeys,
  seededRandom,
} from "../../../authz-server/engine/engine.ts";
import { bearer, experiment, plan, request, signedToken, T0, UNTOUCHED } from "./fixtures.ts";

let keys: SigningKeys;
before(async () => {
  keys = await createSigningKeys();
});

function setup(
  revoke: RevokeParams,
  over: Partial<PlanExperiment> = {},
  maxTrackedTokens?: number,
) {
  const loaded = loadPlan(plan([experiment({ faults: [{ type: "revoke", revoke }], ...over })]));
  const state: EngineState = createEngineState({ keys, maxTrackedTokens });
  return {
    state,
    at: (t: number, headers: Record<string, string>) =>
      decide(request({ headers }), loaded, t, seededRandom(1), state),
  };
}

describe("revoke", () => {
  it("afterRequests: the first N pass untouched, then 401 for the rest of the window", async () => {
    const { at } = setup({ afterRequests: 3 });
    const t = bearer(await signedToken("RS256"));
    const kinds = [1, 2, 3, 4, 5, 6].map((i) => at(T0 + i, t).kind);
    assert.deepEqual(kinds, ["allow", "allow", "allow", "deny", "deny", "deny"]);
    const first = at(T0, bearer(await signedToken("RS256", { sub: "other", jti: "other" })));
    assert.deepEqual(first, UNTOUCHED);
    const d = at(T0 + 7, t);
    assert.deepEqual(d.kind === "deny" && [d.status, JSON.parse(d.body)], [
      401,
      { error: "invalid_token", error_description: "The access token has been revoked" },
    ]);
  });

  it("afterSeconds: allowed for T seconds from the token's first request", async () => {
    const { at } = setup({ afterSeconds: 10 });
    const t = bearer(await signedToken("RS256"));
    assert.equal(at(T0 + 5000, t).kind, "allow");
    assert.equal(at(T0 + 14_999, t).kind, "allow");
    assert.equal(at(T0 + 15_000, t).kind, "deny");
  });

  it("neither limit: revoked at once; both: whichever comes first", async () => {
    const t = bearer(await signedToken("RS256"));
    assert.equal(setup({}).at(T0, t).kind, "deny");
    const both = setup({ afterRequests: 100, afterSeconds: 1 });
    assert.equal(both.at(T0, t).kind, "allow");
    assert.equal(both.at(T0 + 1000, t).kind, "deny");
  });

  it("key jti: tokens sharing a jti share the allowance; key hash: they do not", async () => {
    const a = bearer(await signedToken("RS256", { sub: "u1", jti: "same" }));
    const b = bearer(await signedToken("ES256", { sub: "u2", jti: "same" }));
    const byJti = setup({ key: "jti", afterRequests: 1 });
    assert.deepEqual([byJti.at(T0, a).kind, byJti.at(T0, b).kind], ["allow", "deny"]);
    const byHash = setup({ key: "hash", afterRequests: 1 });
    assert.deepEqual([byHash.at(T0, a).kind, byHash.at(T0, b).kind], ["allow", "allow"]);
    const bySub = setup({ key: "sub", afterRequests: 1 });
    assert.deepEqual([bySub.at(T0, a).kind, bySub.at(T0, b).kind], ["allow", "allow"]);
  });

  it("opaque tokens are keyed by their digest; no Authorization header is skipped", () => {
    const { at } = setup({ afterRequests: 1 });
    assert.deepEqual(
      [at(T0, bearer("opaque-1")).kind, at(T0, bearer("opaque-1")).kind],
      ["allow", "deny"],
    );
    assert.equal(at(T0, bearer("opaque-2")).kind, "allow");
    assert.equal(at(T0, {}).reason?.skipped, true);
  });

  it("state is cleared when the window ends: the next window starts afresh", async () => {
    const { at, state } = setup(
      { afterRequests: 1 },
      {
        windows: [
          { start: T0, end: T0 + 1000 },
          { start: T0 + 5000, end: T0 + 6000 },
        ],
      },
    );
    const t = bearer(await signedToken("RS256"));
    assert.deepEqual([at(T0, t).kind, at(T0 + 1, t).kind], ["allow", "deny"]);
    assert.equal(state.revoke.size, 1);
    assert.equal(at(T0 + 2000, t).kind, "allow", "between windows");
    assert.equal(state.revoke.size, 0, "dropped once the window ended");
    assert.deepEqual([at(T0 + 5000, t).kind, at(T0 + 5001, t).kind], ["allow", "deny"]);
  });

  it("memory is bounded: least recently seen tokens are forgotten first", () => {
    const { at, state } = setup({ afterRequests: 1 }, {}, 100);
    for (let i = 0; i < 500; i++) at(T0, bearer(`tok-${i}`));
    assert.equal(state.revoke.size, 100);
    assert.equal(at(T0, bearer("tok-499")).kind, "deny", "recent token remembered");
    assert.equal(at(T0, bearer("tok-0")).kind, "allow", "oldest forgotten: starts afresh");
  });

  it("while a token is still allowed, the experiment's next fault may apply", async () => {
    const loaded = loadPlan(
      plan([
        experiment({
          faults: [
            { type: "revoke", revoke: { afterRequests: 1 } },
            { type: "deny", deny: { status: 418 } },
          ],
        }),
      ]),
    );
    const state = createEngineState({ keys });
    const t = bearer(await signedToken("RS256"));
    const first = decide(request({ headers: t }), loaded, T0, seededRandom(1), state);
    const second = decide(request({ headers: t }), loaded, T0, seededRandom(1), state);
    assert.deepEqual(
      [first.kind === "deny" && first.status, second.kind === "deny" && second.status],
      [418, 401],
    );
  });
});
