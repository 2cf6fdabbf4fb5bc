// Upstream forms: the request goes on with a broken token. Tokens are real (signed by jose) and
// checked with jose: what changed, what did not, and which signatures still verify.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { compactVerify, createLocalJWKSet, errors, jwtVerify } from "jose";
import type { Fault } from "../../../api/v1alpha1/types.ts";
import {
  createEngineState,
  createSigningKeys,
  decide,
  type EngineState,
  jwksWithRotatedKeys,
  loadPlan,
  type SigningKeys,
  seededRandom,
} from "../../../authz-server/engine/engine.ts";
import type { Decision } from "../../../authz-server/engine/types.ts";
import {
  assertNoTokenLeak,
  assertValidDecision,
  bearer,
  CLAIMS,
  decodeSegment,
  experiment,
  forwardedToken,
  HMAC_SECRET,
  injectionReason,
  keyPair,
  NOW,
  plan,
  request,
  segments,
  signedToken,
  type TestAlg,
  UNTOUCHED,
} from "./fixtures.ts";

let keys: SigningKeys;
let state: EngineState;
before(async () => {
  keys = await createSigningKeys();
  state = createEngineState({ keys });
});

function run(fault: Fault, headers: Record<string, string>): Decision {
  const loaded = loadPlan(plan([experiment({ faults: [{ at: "upstream", ...fault }] })]));
  const d = decide(request({ headers }), loaded, NOW, seededRandom(1), state);
  assertValidDecision(d);
  const auth = headers.authorization;
  if (auth !== undefined) assertNoTokenLeak(d, auth);
  return d;
}

const reason = (fault: string, extra: Record<string, unknown> = {}) =>
  injectionReason(fault, "upstream", extra);

async function verifiesWithOriginal(
  token: string,
  alg: TestAlg | "HS256" = "RS256",
): Promise<boolean> {
  const key = alg === "HS256" ? HMAC_SECRET : (await keyPair(alg)).publicKey;
  try {
    await compactVerify(token, key);
    return true;
  } catch (err) {
    // A signature mismatch, or (ES384 re-signed as ES256) a key that cannot check that alg.
    assert.ok(
      err instanceof errors.JWSSignatureVerificationFailed ||
        err instanceof errors.JWSInvalid ||
        (err instanceof TypeError && /namedCurve/.test(err.message)),
      `unexpected ${String(err)}`,
    );
    return false;
  }
}

describe("expire upstream", () => {
  it("moves exp 1h into the past; header, other claims and signature untouched", async () => {
    const original = await signedToken("RS256");
    const d = run({ type: "expire" }, bearer(original));
    const forwarded = forwardedToken(d);
    const [h0, , s0] = segments(original);
    const [h1, p1, s1] = segments(forwarded);
    assert.equal(h1, h0);
    assert.equal(s1, s0);
    assert.deepEqual(decodeSegment(p1), { ...CLAIMS, exp: Math.floor((NOW - 3_600_000) / 1000) });
    assert.deepEqual(d, {
      kind: "allow",
      setHeaders: [{ name: "authorization", value: `Bearer ${forwarded}` }],
      removeHeaders: [],
      responseHeaders: [],
      delayMs: 0,
      reason: reason("expire"),
    });
    // The old signature no longer covers the new payload; a validator that checks the signature
    // first rejects it as invalid, one that checks exp first as expired.
    assert.equal(await verifiesWithOriginal(forwarded), false);
    assert.equal(await verifiesWithOriginal(original), true);
  });

  it("by: 2h30m, and adds exp to a token without one", async () => {
    const { exp: _exp, ...noExp } = CLAIMS;
    const original = await signedToken("ES256", noExp);
    const forwarded = forwardedToken(
      run({ type: "expire", expire: { by: "2h30m" } }, bearer(original)),
    );
    assert.deepEqual(decodeSegment(segments(forwarded)[1]), {
      ...noExp,
      exp: Math.floor((NOW - 9_000_000) / 1000),
    });
  });

  it("the client's scheme spelling is kept", async () => {
    const original = await signedToken("RS256");
    const d = run({ type: "expire" }, { authorization: `bearer ${original}` });
    assert.equal(d.kind === "allow" && d.setHeaders[0]?.value.startsWith("bearer "), true);
  });
});

describe("scope upstream", () => {
  it("removes named scopes from the space-separated scope claim", async () => {
    const original = await signedToken("RS256");
    const forwarded = forwardedToken(
      run({ type: "scope", scope: { remove: ["orders:write"] } }, bearer(original)),
    );
    const [h0, , s0] = segments(original);
    const [h1, p1, s1] = segments(forwarded);
    assert.deepEqual([h1, s1], [h0, s0]);
    assert.deepEqual(decodeSegment(p1), { ...CLAIMS, scope: "orders:read profile" });
    assert.equal(await verifiesWithOriginal(forwarded), false);
  });

  it("removes from an scp array, falling back to `require` when `remove` is absent", async () => {
    const claims = { sub: "svc", scp: ["orders:read", "orders:write"] };
    const forwarded = forwardedToken(
      run(
        { type: "scope", scope: { require: ["orders:write"] } },
        bearer(await signedToken("EdDSA", claims)),
      ),
    );
    assert.deepEqual(decodeSegment(segments(forwarded)[1]), { sub: "svc", scp: ["orders:read"] });
  });

  it("with no scope named, removes them all (scope and scp string)", async () => {
    const claims = { sub: "svc", scope: "a b", scp: "c d" };
    const forwarded = forwardedToken(
      run({ type: "scope" }, bearer(await signedToken("RS256", claims))),
    );
    assert.deepEqual(decodeSegment(segments(forwarded)[1]), { sub: "svc", scope: "", scp: "" });
  });

  it("a token without scope claims passes through, skipped", async () => {
    const d = run(
      { type: "scope", scope: { remove: ["x"] } },
      bearer(await signedToken("RS256", { sub: "u" })),
    );
    assert.deepEqual(d, { ...UNTOUCHED, reason: reason("scope", { skipped: true }) });
  });
});

describe("tamper (upstream only)", () => {
  it("sets and removes claims, header and signature segments byte for byte", async () => {
    const original = await signedToken("PS256");
    const fault: Fault = {
      type: "tamper",
      tamper: {
        claims: [
          { name: "role", value: "admin" },
          { name: "aud", value: ["checkout", "billing"] },
          { name: "jti", remove: true },
        ],
      },
    };
    // at: edge is not a form tamper has: it still acts upstream.
    const d = run({ ...fault, at: "edge" }, bearer(original));
    assert.equal(d.reason?.form, "upstream");
    const forwarded = forwardedToken(d);
    const [h0, , s0] = segments(original);
    const [h1, p1, s1] = segments(forwarded);
    assert.deepEqual([h1, s1], [h0, s0]);
    const { jti: _jti, ...rest } = CLAIMS;
    assert.deepEqual(decodeSegment(p1), { ...rest, role: "admin", aud: ["checkout", "billing"] });
    assert.equal(await verifiesWithOriginal(forwarded, "PS256"), false);
    assert.equal(await verifiesWithOriginal(original, "PS256"), true);
  });
});

describe("corrupt-signature upstream", () => {
  for (const [method, expect] of [
    [
      "flip",
      (o: Buffer, n: Buffer) =>
        n.length === o.length && n[0] === ((o[0] ?? 0) ^ 1) && n.subarray(1).equals(o.subarray(1)),
    ],
    ["truncate", (o: Buffer, n: Buffer) => n.equals(o.subarray(0, o.length / 2))],
    ["zero", (o: Buffer, n: Buffer) => n.length === o.length && n.every((b) => b === 0)],
  ] as const) {
    it(`${method}: header and payload kept, signature bytes altered, no longer verifies`, async () => {
      const original = await signedToken("ES256");
      const forwarded = forwardedToken(
        run({ type: "corrupt-signature", corruptSignature: { method } }, bearer(original)),
      );
      const [h0, p0, s0] = segments(original);
      const [h1, p1, s1] = segments(forwarded);
      assert.deepEqual([h1, p1], [h0, p0]);
      assert.ok(expect(Buffer.from(s0, "base64url"), Buffer.from(s1, "base64url")));
      assert.equal(await verifiesWithOriginal(forwarded, "ES256"), false);
    });
  }
});

describe("rotate upstream", () => {
  const cases: [TestAlg | "HS256", string, "rsa" | "ec" | "ed25519" | "hmac"][] = [
    ["RS256", "RS256", "rsa"],
    ["PS256", "PS256", "rsa"],
    ["ES256", "ES256", "ec"],
    ["ES384", "ES256", "ec"],
    ["EdDSA", "EdDSA", "ed25519"],
    ["HS256", "HS256", "hmac"],
  ];
  for (const [alg, newAlg, family] of cases) {
    it(`${alg} token: re-signed ${newAlg} under the engine's new kid, payload kept`, async () => {
      const original = await signedToken(alg);
      const forwarded = forwardedToken(run({ type: "rotate" }, bearer(original)));
      const [h0, p0] = segments(original);
      const [h1, p1] = segments(forwarded);
      assert.equal(p1, p0, "payload segment byte for byte");
      assert.deepEqual(decodeSegment(h1), {
        ...decodeSegment(h0),
        alg: newAlg,
        kid: keys.kids[family],
      });
      assert.notEqual(keys.kids[family], "idp-key-1");
      assert.equal(await verifiesWithOriginal(original, alg), true);
      assert.equal(await verifiesWithOriginal(forwarded, alg), false);
      if (family !== "hmac") {
        // A validator that knows the engine's public key (JWKS takeover) accepts it.
        const jwks = createLocalJWKSet(jwksWithRotatedKeys({ keys: [] }, keys) as { keys: [] });
        const { payload, protectedHeader } = await jwtVerify(forwarded, jwks, {
          currentDate: new Date(NOW),
        });
        assert.deepEqual(payload, CLAIMS);
        assert.equal(protectedHeader.kid, keys.kids[family]);
      }
    });
  }

  it("algorithm given explicitly wins over the token's family", async () => {
    const forwarded = forwardedToken(
      run({ type: "rotate", rotate: { algorithm: "EdDSA" } }, bearer(await signedToken("RS256"))),
    );
    assert.deepEqual(
      [decodeSegment(segments(forwarded)[0]).alg, decodeSegment(segments(forwarded)[0]).kid],
      ["EdDSA", keys.kids.ed25519],
    );
    const jwks = createLocalJWKSet({ keys: [...keys.publicJwks] });
    await jwtVerify(forwarded, jwks, { currentDate: new Date(NOW) });
  });

  it("drops header members naming the old key; an unsigned token becomes RS256", () => {
    const header = Buffer.from(
      JSON.stringify({ alg: "none", x5t: "abc", jwk: { kty: "RSA" } }),
    ).toString("base64url");
    const payload = Buffer.from(JSON.stringify({ sub: "u" })).toString("base64url");
    const forwarded = forwardedToken(run({ type: "rotate" }, bearer(`${header}.${payload}.`)));
    assert.deepEqual(decodeSegment(segments(forwarded)[0]), { alg: "RS256", kid: keys.kids.rsa });
  });

  it("the same token is re-signed once and then served as is", async () => {
    const original = await signedToken("ES256");
    const a = forwardedToken(run({ type: "rotate" }, bearer(original)));
    const b = forwardedToken(run({ type: "rotate" }, bearer(original)));
    assert.equal(a, b, "ECDSA signatures are randomised: equal only because it was cached");
  });
});

describe("malformed upstream: every variant of the header value", () => {
  it("rewrites the Authorization header exactly", async () => {
    const t = await signedToken("RS256");
    const [h, p, s] = segments(t);
    const expected: Record<string, string> = {
      "no-scheme": t,
      "empty-token": "Bearer",
      "wrong-scheme": `Basic ${t}`,
      "lowercase-scheme": `bearer ${t}`,
      "extra-spaces": `Bearer  ${t}`,
      "two-segments": `Bearer ${h}.${p}`,
      "bad-base64": `Bearer ${h}.*${p.slice(1)}.${s}`,
    };
    for (const [variant, value] of Object.entries(expected)) {
      const d = run(
        { type: "malformed", malformed: { variant: variant as "no-scheme" } },
        bearer(t),
      );
      assert.deepEqual(
        d,
        {
          kind: "allow",
          setHeaders: [{ name: "authorization", value }],
          removeHeaders: [],
          responseHeaders: [],
          delayMs: 0,
          reason: reason("malformed"),
        },
        variant,
      );
    }
    const big = run({ type: "malformed", malformed: { variant: "oversize" } }, bearer(t));
    assert.equal(big.kind, "allow");
    if (big.kind !== "allow") return;
    const value = big.setHeaders[0]?.value ?? "";
    assert.equal(value.length, 32_768);
    assert.ok(value.startsWith(`Bearer ${t}`));
    assert.match(value.slice(`Bearer ${t}`.length), /^A+$/);
  });

  it("bad-base64 breaks strict and lenient decoders alike", async () => {
    const t = await signedToken("RS256");
    const d = run({ type: "malformed", malformed: { variant: "bad-base64" } }, bearer(t));
    const value = d.kind === "allow" ? (d.setHeaders[0]?.value ?? "") : "";
    const payload = value.split(".")[1] ?? "";
    assert.match(payload, /[^A-Za-z0-9_-]/);
    assert.throws(() => JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
  });

  it("opaque tokens get the variants that need no JWT; the others skip", () => {
    const d = run(
      { type: "malformed", malformed: { variant: "wrong-scheme" } },
      bearer("opaque123"),
    );
    assert.deepEqual(d.kind === "allow" && d.setHeaders, [
      { name: "authorization", value: "Basic opaque123" },
    ]);
    const s = run(
      { type: "malformed", malformed: { variant: "two-segments" } },
      bearer("opaque123"),
    );
    assert.equal(s.reason?.skipped, true);
    assert.deepEqual(s.kind === "allow" && s.setHeaders, []);
  });
});

describe("strip upstream", () => {
  it("removes the Authorization header", async () => {
    assert.deepEqual(run({ type: "strip" }, bearer(await signedToken())), {
      kind: "allow",
      setHeaders: [],
      removeHeaders: ["authorization"],
      responseHeaders: [],
      delayMs: 0,
      reason: reason("strip"),
    });
  });

  it("a request without one passes, skipped", () => {
    assert.equal(run({ type: "strip" }, {}).reason?.skipped, true);
  });
});

describe("non-JWT tokens pass through upstream forms untouched, counted as skipped", () => {
  const jwe = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.ZW5j.aXY.Y2lwaGVy.dGFn";
  const faults: Fault[] = [
    { type: "expire" },
    { type: "scope", scope: { remove: ["a"] } },
    { type: "tamper", tamper: { claims: [{ name: "sub", value: "x" }] } },
    { type: "corrupt-signature" },
    { type: "rotate" },
  ];
  for (const fault of faults) {
    it(fault.type, () => {
      for (const headers of [
        bearer("2YotnFZFEjr1zCsicMWpAA"),
        bearer(jwe),
        { authorization: "Basic dTpw" },
        {},
      ]) {
        assert.deepEqual(run(fault, headers), {
          ...UNTOUCHED,
          reason: reason(fault.type, { skipped: true }),
        });
      }
    });
  }
});

describe("correlation header on upstream forms", () => {
  it("off by default, on when asked", async () => {
    const t = await signedToken();
    const off = run({ type: "expire" }, bearer(t));
    assert.deepEqual(off.kind === "allow" && off.responseHeaders, []);
    const on = run({ type: "expire", correlationHeader: true }, bearer(t));
    assert.deepEqual(on.kind === "allow" && on.responseHeaders, [
      { name: "x-token-chaos", value: "expire" },
    ]);
  });
});
