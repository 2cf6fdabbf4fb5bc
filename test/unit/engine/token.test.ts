// Reading the Authorization header, and the signing keys' public face.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSigningKeys } from "../../../authz-server/engine/engine.ts";
import { parseAuthorization } from "../../../authz-server/engine/token.ts";
import { signedToken } from "./fixtures.ts";

describe("parseAuthorization", () => {
  it("classifies JWT, JWE, opaque, other and none", async () => {
    const jwt = await signedToken("RS256", { sub: "u" });
    const parsed = parseAuthorization(`Bearer ${jwt}`);
    assert.equal(parsed.kind, "jwt");
    if (parsed.kind === "jwt") {
      assert.deepEqual(parsed.payload, { sub: "u" });
      assert.equal(parsed.header.alg, "RS256");
      assert.equal(parsed.scheme, "Bearer");
    }
    assert.equal(parseAuthorization(`bearer   ${jwt}`).kind, "jwt");
    const jweHeader = Buffer.from('{"alg":"dir","enc":"A256GCM"}').toString("base64url");
    assert.equal(parseAuthorization(`Bearer ${jweHeader}..aXY.Y3Q.dGFn`).kind, "jwe");
    const algNone = Buffer.from('{"alg":"none"}').toString("base64url");
    // Not JWTs: random strings, undecodable segments, a payload that is an array, a bad signature.
    for (const opaque of [
      "2YotnFZFEjr1zCsicMWpAA",
      "a.b.c",
      "e30.e30",
      `${algNone}.W10.`,
      `${algNone}.e30.!!`,
    ]) {
      assert.equal(parseAuthorization(`Bearer ${opaque}`).kind, "opaque", opaque);
    }
    for (const other of ["Basic dTpw", "Bearer", "Bearer ", "Bearer a b", "", "Token abc"]) {
      assert.equal(parseAuthorization(other).kind, "other", JSON.stringify(other));
    }
    assert.equal(parseAuthorization(undefined).kind, "none");
    // A JWT whose header has no alg is not one.
    const noAlg = `${Buffer.from("{}").toString("base64url")}.${Buffer.from('{"a":1}').toString("base64url")}.`;
    assert.equal(parseAuthorization(`Bearer ${noAlg}`).kind, "opaque");
  });
});

describe("createSigningKeys", () => {
  it("exposes only public JWKs with distinct random kids", async () => {
    const a = await createSigningKeys();
    const b = await createSigningKeys();
    const text = JSON.stringify(a);
    assert.equal(/"d"\s*:/.test(text), false, "no private exponent or scalar");
    assert.deepEqual(
      a.publicJwks.map((k) => [k.kty, k.crv, k.alg]),
      [
        ["RSA", undefined, undefined],
        ["EC", "P-256", "ES256"],
        ["OKP", "Ed25519", "EdDSA"],
      ],
    );
    const kids = [...Object.values(a.kids), ...Object.values(b.kids)];
    assert.equal(new Set(kids).size, kids.length);
    assert.ok(Object.isFrozen(a) && Object.isFrozen(a.publicJwks));
  });
});
