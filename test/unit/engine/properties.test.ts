// Property-based checks: whatever the Authorization header or the claims, decide never throws and
// always answers with a well-formed decision that carries no token material in its reason.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import fc from "fast-check";
import type { Fault } from "../../../api/v1alpha1/types.ts";
import { FAULT_TYPES, MALFORMED_VARIANTS } from "../../../api/v1alpha1/types.ts";
import {
  createEngineState,
  createSigningKeys,
  decide,
  type EngineState,
  type LoadedPlan,
  loadPlan,
  seededRandom,
} from "../../../authz-server/engine/engine.ts";
import {
  assertNoTokenLeak,
  assertValidDecision,
  experiment,
  NOW,
  plan,
  request,
} from "./fixtures.ts";

let state: EngineState;
let plans: LoadedPlan[];

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

function faultsFor(type: Fault["type"]): Fault[] {
  const base: Fault[] = [{ type }, { type, at: "upstream", percent: 60 }];
  if (type === "malformed")
    return MALFORMED_VARIANTS.map((variant) => ({ type, at: "upstream", malformed: { variant } }));
  if (type === "tamper")
    return [
      {
        type,
        tamper: {
          claims: [
            { name: "sub", value: { nested: [1, "x"] } },
            { name: "exp", remove: true },
          ],
        },
      },
    ];
  if (type === "delay")
    return [{ type, delay: { distribution: "normal", ms: 100, stddevMs: 1000 } }];
  return base;
}

before(async () => {
  state = createEngineState({ keys: await createSigningKeys(), maxTrackedTokens: 1000 });
  plans = FAULT_TYPES.flatMap((type) =>
    faultsFor(type).map((fault) =>
      loadPlan(
        plan([
          experiment({
            target: { claims: [{ name: "sub", present: true }] },
            faults: [{ type: "delay", delay: { ms: 5 }, percent: 50 }, fault],
          }),
          experiment({ name: "z-any", faults: [fault] }),
        ]),
      ),
    ),
  );
});

const jsonClaims = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), {
  maxKeys: 8,
});
const algs = fc.constantFrom(
  "RS256",
  "PS384",
  "ES256",
  "ES512",
  "EdDSA",
  "Ed25519",
  "HS256",
  "none",
  "XYZ",
);

/** JWT-shaped tokens with random header and claims, and random signatures. */
const jwtLike = fc
  .tuple(algs, jsonClaims, jsonClaims, fc.uint8Array({ maxLength: 80 }))
  .map(
    ([alg, extraHeader, claims, sig]) =>
      `${b64({ ...extraHeader, alg })}.${b64(claims)}.${Buffer.from(sig).toString("base64url")}`,
  );

const authorization = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 50 }),
  jwtLike.map((t) => `Bearer ${t}`),
  fc
    .tuple(
      fc.constantFrom("Bearer", "bearer", "BEARER", "Basic", "DPoP", ""),
      fc.constantFrom(" ", "  ", "\t"),
      fc.oneof(jwtLike, fc.string()),
    )
    .map(([s, sp, t]) => `${s}${sp}${t}`),
  fc
    .array(fc.base64String({ maxLength: 40 }), { maxLength: 6 })
    .map((parts) => `Bearer ${parts.join(".")}`),
);

describe("properties", () => {
  it("random Authorization headers never throw and always yield a valid decision", () => {
    fc.assert(
      fc.property(
        authorization,
        fc.nat({ max: plans.length - 1 }),
        fc.integer(),
        fc.option(fc.string({ maxLength: 100 })),
        (auth, p, seed, body) => {
          const loaded = plans[p];
          assert.ok(loaded !== undefined);
          const d = decide(
            request({ headers: { authorization: auth }, body: body ?? undefined }),
            loaded,
            NOW,
            seededRandom(seed),
            state,
          );
          assertValidDecision(d);
          assertNoTokenLeak(d, auth);
        },
      ),
      { numRuns: 600, seed: 20261201 },
    );
  });

  it("random claims: upstream forms keep a decodable JSON payload, or skip", () => {
    fc.assert(
      fc.property(jwtLike, fc.nat({ max: plans.length - 1 }), (token, p) => {
        const loaded = plans[p];
        assert.ok(loaded !== undefined);
        const d = decide(
          request({ headers: { authorization: `Bearer ${token}` } }),
          loaded,
          NOW,
          seededRandom(p),
          state,
        );
        assertValidDecision(d);
        if (d.kind !== "allow") return;
        const set = d.setHeaders.find((h) => h.name === "authorization");
        if (set === undefined || d.reason?.fault === "malformed") return;
        const [, payload] = set.value.slice("Bearer ".length).split(".");
        const decoded: unknown = JSON.parse(
          Buffer.from(payload ?? "", "base64url").toString("utf8"),
        );
        assert.ok(typeof decoded === "object" && decoded !== null && !Array.isArray(decoded));
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it("random request shapes (hosts, paths, headers) never throw", () => {
    fc.assert(
      fc.property(
        fc.record({
          method: fc.string({ maxLength: 8 }),
          host: fc.string({ maxLength: 40 }),
          path: fc.string({ maxLength: 80 }),
          headers: fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 }), {
            maxKeys: 6,
          }),
          destinationNamespace: fc.option(fc.constantFrom("shop", "payments"), { nil: undefined }),
        }),
        fc.nat({ max: plans.length - 1 }),
        (attrs, p) => {
          const loaded = plans[p];
          assert.ok(loaded !== undefined);
          assertValidDecision(decide(attrs, loaded, NOW, seededRandom(p), state));
        },
      ),
      { numRuns: 400, seed: 11 },
    );
  });

  it("sticky verdicts are stable per token for any token and percent", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 100 }),
        fc.integer({ min: 1, max: 99 }),
        (token, percent) => {
          const loaded = loadPlan(
            plan([experiment({ sticky: true, faults: [{ type: "deny", percent }] })]),
          );
          const r = request({ headers: { authorization: token } });
          const first = decide(r, loaded, NOW, seededRandom(1), state).kind;
          for (let i = 2; i < 8; i++)
            assert.equal(decide(r, loaded, NOW + i * 1000, seededRandom(i), state).kind, first);
        },
      ),
      { numRuns: 200, seed: 5 },
    );
  });
});
