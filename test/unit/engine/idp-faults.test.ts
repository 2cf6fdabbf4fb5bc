// Identity-provider faults: token endpoint (RFC 6749 5.2), introspection (RFC 7662), JWKS and
// OIDC discovery, and the JWKS takeover that makes `rotate` a real key rotation.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
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
  setTakeoverJwks,
} from "../../../authz-server/engine/engine.ts";
import type { CheckAttributes, Decision } from "../../../authz-server/engine/types.ts";
import {
  assertValidDecision,
  experiment,
  injectionReason,
  NOW,
  plan,
  request,
  T0,
  UNTOUCHED,
  WINDOW_MS,
} from "./fixtures.ts";

const IDP = "keycloak.shop.svc.cluster.local";
let keys: SigningKeys;
let state: EngineState;
before(async () => {
  keys = await createSigningKeys();
  state = createEngineState({ keys });
});

function run(fault: Fault, attrs: Partial<CheckAttributes> = {}): Decision {
  const loaded = loadPlan(plan([experiment({ target: { hosts: [IDP] }, faults: [fault] })]));
  const d = decide(
    request({
      host: IDP,
      method: "POST",
      path: "/realms/shop/protocol/openid-connect/token",
      ...attrs,
    }),
    loaded,
    NOW,
    seededRandom(1),
    state,
  );
  assertValidDecision(d);
  return d;
}

const reason = (fault: string) => injectionReason(fault, "edge");

const FORM = { "content-type": "application/x-www-form-urlencoded" };

function oauthError(
  fault: string,
  status: number,
  error: string,
  description: string,
  extra: { name: string; value: string }[] = [],
) {
  return {
    kind: "deny",
    status,
    headers: [
      { name: "content-type", value: "application/json" },
      { name: "cache-control", value: "no-store" },
      { name: "pragma", value: "no-cache" },
      ...extra,
      { name: "x-token-chaos", value: fault },
    ],
    body: JSON.stringify({ error, error_description: description }),
    delayMs: 0,
    reason: reason(fault),
  };
}

describe("token endpoint (RFC 6749 section 5.2)", () => {
  const cases: [string, number, string][] = [
    [
      "invalid_request",
      400,
      "The request is missing a required parameter or is otherwise malformed",
    ],
    [
      "invalid_grant",
      400,
      "The provided authorization grant or refresh token is invalid, expired or revoked",
    ],
    [
      "unauthorized_client",
      400,
      "The client is not authorized to use this authorization grant type",
    ],
    ["unsupported_grant_type", 400, "The authorization grant type is not supported"],
    ["invalid_scope", 400, "The requested scope is invalid, unknown or malformed"],
    ["temporarily_unavailable", 503, "The authorization server is temporarily unavailable"],
    ["server_error", 500, "The authorization server encountered an unexpected condition"],
  ];
  for (const [error, status, description] of cases) {
    it(`${error}: ${status}`, () => {
      assert.deepEqual(
        run({ type: "token-endpoint", tokenEndpoint: { error: error as "invalid_grant" } }),
        oauthError("token-endpoint", status, error, description),
      );
    });
  }

  it("invalid_client: 401 with a challenge in the client's own scheme", () => {
    const basic = run(
      { type: "token-endpoint", tokenEndpoint: { error: "invalid_client" } },
      { headers: { ...FORM, authorization: "Basic Y2xpZW50OnNlY3JldA==" } },
    );
    assert.deepEqual(
      basic,
      oauthError("token-endpoint", 401, "invalid_client", "Client authentication failed", [
        { name: "www-authenticate", value: `Basic realm="${IDP}"` },
      ]),
    );
    const posted = run({
      type: "token-endpoint",
      tokenEndpoint: { error: "invalid_client", description: "bad secret" },
    });
    assert.deepEqual(
      posted,
      oauthError("token-endpoint", 401, "invalid_client", "bad secret", [
        { name: "www-authenticate", value: `Basic realm="${IDP}"` },
      ]),
    );
  });

  it("default: temporarily_unavailable 503", () => {
    const d = run({ type: "token-endpoint" });
    assert.deepEqual(d.kind === "deny" && [d.status, JSON.parse(d.body).error], [
      503,
      "temporarily_unavailable",
    ]);
  });

  it("status without error: the load balancer's outage page", () => {
    assert.deepEqual(run({ type: "token-endpoint", tokenEndpoint: { status: 502 } }), {
      kind: "deny",
      status: 502,
      headers: [
        { name: "content-type", value: "text/html; charset=utf-8" },
        { name: "x-token-chaos", value: "token-endpoint" },
      ],
      body: "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<h1>502 Bad Gateway</h1>\n</body>\n</html>\n",
      delayMs: 0,
      reason: reason("token-endpoint"),
    });
  });

  it("grantTypes: only requests for those grants, read from the form body", () => {
    const fault: Fault = {
      type: "token-endpoint",
      tokenEndpoint: { error: "invalid_grant", grantTypes: ["refresh_token"] },
    };
    const refresh = run(fault, {
      headers: FORM,
      body: "grant_type=refresh_token&refresh_token=abc",
    });
    assert.equal(refresh.kind === "deny" && refresh.status, 400);
    const cc = run(fault, { headers: FORM, body: "grant_type=client_credentials&scope=a" });
    assert.deepEqual(cc, UNTOUCHED);
    const noBody = run(fault, { headers: FORM });
    assert.equal(noBody.kind, "allow");
    const json = run(fault, {
      headers: { "content-type": "application/json" },
      body: '{"grant_type":"refresh_token"}',
    });
    assert.equal(json.kind, "allow");
  });
});

describe("introspection (RFC 7662)", () => {
  it('inactive: 200 {"active":false}', () => {
    assert.deepEqual(run({ type: "introspection" }, { path: "/introspect" }), {
      kind: "deny",
      status: 200,
      headers: [
        { name: "content-type", value: "application/json" },
        { name: "x-token-chaos", value: "introspection" },
      ],
      body: '{"active":false}',
      delayMs: 0,
      reason: reason("introspection"),
    });
  });

  it("error: the status with the RFC 6749 error for it", () => {
    assert.deepEqual(
      run({ type: "introspection", introspection: { behaviour: "error" } }),
      oauthError(
        "introspection",
        503,
        "temporarily_unavailable",
        "The authorization server is temporarily unavailable",
      ),
    );
    assert.deepEqual(
      run(
        { type: "introspection", introspection: { behaviour: "error", status: 401 } },
        { headers: { authorization: "Bearer rs-token" } },
      ),
      oauthError("introspection", 401, "invalid_client", "Client authentication failed", [
        { name: "www-authenticate", value: `Bearer realm="${IDP}"` },
      ]),
    );
    const e500 = run({ type: "introspection", introspection: { behaviour: "error", status: 500 } });
    assert.deepEqual(e500.kind === "deny" && [e500.status, JSON.parse(e500.body).error], [
      500,
      "server_error",
    ]);
  });

  it("sticky sampling keys on the introspected token", () => {
    const loaded = loadPlan(
      plan([
        experiment({ target: { hosts: [IDP] }, faults: [{ type: "introspection", percent: 50 }] }),
      ]),
    );
    let seed = 0;
    // A different random source every call: only the token may decide the verdict.
    const verdict = (token: string, caller: string) =>
      decide(
        request({
          host: IDP,
          method: "POST",
          headers: { ...FORM, authorization: caller },
          body: `token=${token}`,
        }),
        loaded,
        NOW,
        seededRandom(++seed),
        state,
      ).kind;
    let inactive = 0;
    for (let i = 0; i < 200; i++) {
      const first = verdict(`tok-${i}`, "Basic a");
      for (const caller of ["Basic b", "Basic c", "Basic d"])
        assert.equal(verdict(`tok-${i}`, caller), first);
      if (first === "deny") inactive++;
    }
    assert.ok(inactive > 70 && inactive < 130, `inactive ${inactive}/200`);
  });
});

describe("JWKS and discovery", () => {
  const json = { name: "content-type", value: "application/json" };
  const page503 =
    "<html>\n<head><title>503 Service Unavailable</title></head>\n<body>\n<h1>503 Service Unavailable</h1>\n</body>\n</html>\n";
  const expectations: [Fault, number, { name: string; value: string }, string][] = [
    [{ type: "jwks" }, 503, { name: "content-type", value: "text/html; charset=utf-8" }, page503],
    [
      { type: "jwks", jwks: { behaviour: "unavailable", status: 504 } },
      504,
      { name: "content-type", value: "text/html; charset=utf-8" },
      page503.replaceAll("503 Service Unavailable", "504 Gateway Timeout"),
    ],
    [{ type: "jwks", jwks: { behaviour: "empty" } }, 200, json, '{"keys":[]}'],
    [
      {
        type: "jwks",
        jwks: { behaviour: "stale", staleKeys: '{"keys":[{"kty":"EC","kid":"old"}]}' },
      },
      200,
      json,
      '{"keys":[{"kty":"EC","kid":"old"}]}',
    ],
    [{ type: "discovery", discovery: { behaviour: "empty" } }, 200, json, "{}"],
    [
      {
        type: "discovery",
        discovery: { behaviour: "stale", staleKeys: '{"issuer":"https://old"}' },
      },
      200,
      json,
      '{"issuer":"https://old"}',
    ],
    [
      { type: "discovery" },
      503,
      { name: "content-type", value: "text/html; charset=utf-8" },
      page503,
    ],
  ];
  for (const [fault, status, type, body] of expectations) {
    it(`${fault.type} ${JSON.stringify(fault.jwks ?? fault.discovery ?? {})}`, () => {
      assert.deepEqual(run(fault, { method: "GET", path: "/certs" }), {
        kind: "deny",
        status,
        headers: [type, { name: "x-token-chaos", value: fault.type }],
        body,
        delayMs: 0,
        reason: reason(fault.type),
      });
    });
  }

  it("malformed: 200 application/json whose body is not JSON", () => {
    for (const type of ["jwks", "discovery"] as const) {
      const d = run({ type, [type]: { behaviour: "malformed" } }, { method: "GET" });
      assert.equal(d.kind, "deny");
      if (d.kind !== "deny") return;
      assert.equal(d.status, 200);
      assert.deepEqual(d.headers[0], json);
      assert.throws(() => JSON.parse(d.body));
    }
  });
});

describe("JWKS takeover for rotate", () => {
  const realJwks = { keys: [{ kty: "RSA", kid: "idp-key-1", n: "xyz", e: "AQAB", use: "sig" }] };

  it("jwksWithRotatedKeys: the real keys plus the engine's public keys, nothing private", () => {
    const out = jwksWithRotatedKeys({ ...realJwks, extra: 1 }, keys) as {
      keys: Record<string, unknown>[];
      extra: number;
    };
    assert.equal(out.extra, 1);
    assert.deepEqual(
      out.keys.map((k) => k.kid),
      ["idp-key-1", keys.kids.rsa, keys.kids.ec, keys.kids.ed25519],
    );
    for (const k of out.keys) assert.equal("d" in k, false);
    assert.deepEqual((jwksWithRotatedKeys("not a key set", keys) as { keys: unknown[] }).keys, [
      ...keys.publicJwks,
    ]);
  });

  const rotatePlan = (mode: "enforce" | "dryRun" = "enforce") =>
    loadPlan(
      plan([
        experiment({
          mode,
          faults: [
            {
              type: "rotate",
              at: "upstream",
              rotate: {
                jwks: {
                  url: "http://keycloak.idp:8080/realms/shop/protocol/openid-connect/certs",
                  host: IDP,
                  path: "/realms/shop/protocol/openid-connect/certs",
                },
              },
            },
          ],
        }),
      ]),
    );
  const jwksRequest = request({
    host: IDP,
    path: "/realms/shop/protocol/openid-connect/certs?x=1",
  });

  it("without host, the takeover answers on the JWKS URL's host", () => {
    const loaded = loadPlan(
      plan([
        experiment({
          faults: [
            {
              type: "rotate",
              at: "upstream",
              rotate: { jwks: { url: "https://idp.example:8443/keys", path: "/keys" } },
            },
          ],
        }),
      ]),
    );
    const s = createEngineState({ keys });
    setTakeoverJwks(s, "https://idp.example:8443/keys", realJwks);
    assert.equal(
      decide(request({ host: "idp.example", path: "/keys" }), loaded, NOW, seededRandom(1), s).kind,
      "deny",
    );
    assert.equal(
      decide(request({ host: IDP, path: "/keys" }), loaded, NOW, seededRandom(1), s).kind,
      "allow",
    );
  });

  it("lists the URL for the server to fetch", () => {
    assert.deepEqual(rotatePlan().jwksTakeovers, [
      {
        url: "http://keycloak.idp:8080/realms/shop/protocol/openid-connect/certs",
        cacheForMs: 300_000,
      },
    ]);
  });

  it("before the real key set is fetched, the real endpoint answers (skipped)", () => {
    const fresh = createEngineState({ keys });
    const d = decide(jwksRequest, rotatePlan(), NOW, seededRandom(1), fresh);
    assert.deepEqual(d.kind === "allow" && [d.setHeaders, d.reason?.skipped], [[], true]);
  });

  it("answers the JWKS endpoint with real + engine keys inside the window only", () => {
    const s = createEngineState({ keys });
    setTakeoverJwks(
      s,
      "http://keycloak.idp:8080/realms/shop/protocol/openid-connect/certs",
      realJwks,
    );
    const loaded = rotatePlan();
    const d = decide(jwksRequest, loaded, NOW, seededRandom(1), s);
    assert.deepEqual(d, {
      kind: "deny",
      status: 200,
      headers: [{ name: "content-type", value: "application/json" }],
      body: JSON.stringify(jwksWithRotatedKeys(realJwks, keys)),
      delayMs: 0,
      reason: reason("rotate"),
    });
    assert.deepEqual(decide(jwksRequest, loaded, T0 + WINDOW_MS, seededRandom(1), s), UNTOUCHED);
    assert.equal(
      decide({ ...jwksRequest, method: "POST" }, loaded, NOW, seededRandom(1), s).kind,
      "allow",
    );
    assert.equal(
      decide({ ...jwksRequest, host: "other.idp" }, loaded, NOW, seededRandom(1), s).kind,
      "allow",
    );
    const dry = decide(jwksRequest, rotatePlan("dryRun"), NOW, seededRandom(1), s);
    assert.deepEqual(
      dry.kind === "allow" && [dry.reason?.dryRun, dry.wouldHave?.kind, dry.wouldHave?.status],
      [true, "deny", 200],
    );
  });
});
