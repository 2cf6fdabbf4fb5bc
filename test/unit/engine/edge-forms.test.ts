// Edge forms: the exact answer (status, headers, body) a gateway or identity provider sends.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Fault } from "../../../api/v1alpha1/types.ts";
import {
  createEngineState,
  createSigningKeys,
  decide,
  loadPlan,
  type SigningKeys,
  seededRandom,
} from "../../../authz-server/engine/engine.ts";
import type { CheckAttributes, Decision } from "../../../authz-server/engine/types.ts";
import {
  assertNoTokenLeak,
  assertValidDecision,
  bearer,
  experiment,
  injectionReason,
  NOW,
  plan,
  request,
  signedToken,
} from "./fixtures.ts";

let keys: SigningKeys;
let token: string;
before(async () => {
  keys = await createSigningKeys();
  token = await signedToken("RS256");
});

function run(fault: Fault, attrs: Partial<CheckAttributes> = {}): Decision {
  const loaded = loadPlan(plan([experiment({ faults: [fault] })]));
  const d = decide(
    request({ headers: bearer(token), ...attrs }),
    loaded,
    NOW,
    seededRandom(1),
    createEngineState({ keys }),
  );
  assertValidDecision(d);
  assertNoTokenLeak(d, token);
  return d;
}

const reason = (fault: string) => injectionReason(fault, "edge");

const json = { name: "content-type", value: "application/json" };

function bearerDeny(
  fault: string,
  status: number,
  error: string,
  description: string,
  challenge: string,
) {
  return {
    kind: "deny",
    status,
    headers: [
      json,
      { name: "www-authenticate", value: challenge },
      { name: "x-token-chaos", value: fault },
    ],
    body: JSON.stringify({ error, error_description: description }),
    delayMs: 0,
    reason: reason(fault),
  };
}

describe("edge forms (RFC 6750)", () => {
  it("expire: 401 invalid_token, the access token expired", () => {
    assert.deepEqual(
      run({ type: "expire" }),
      bearerDeny(
        "expire",
        401,
        "invalid_token",
        "The access token expired",
        'Bearer error="invalid_token", error_description="The access token expired"',
      ),
    );
  });

  it("scope: 403 insufficient_scope naming the required scopes", () => {
    assert.deepEqual(
      run({ type: "scope", scope: { require: ["orders:write", "admin"] } }),
      bearerDeny(
        "scope",
        403,
        "insufficient_scope",
        "The request requires higher privileges than provided by the access token",
        'Bearer error="insufficient_scope", scope="orders:write admin"',
      ),
    );
  });

  it("scope without a required scope: no scope attribute", () => {
    const d = run({ type: "scope" });
    assert.equal(d.kind, "deny");
    if (d.kind !== "deny") return;
    assert.equal(
      d.headers.find((h) => h.name === "www-authenticate")?.value,
      'Bearer error="insufficient_scope"',
    );
  });

  it("corrupt-signature: 401 invalid_token, signature invalid", () => {
    assert.deepEqual(
      run({ type: "corrupt-signature" }),
      bearerDeny(
        "corrupt-signature",
        401,
        "invalid_token",
        "The access token signature is invalid",
        'Bearer error="invalid_token", error_description="The access token signature is invalid"',
      ),
    );
  });

  it("rotate: 401 invalid_token, unknown key", () => {
    assert.deepEqual(
      run({ type: "rotate" }),
      bearerDeny(
        "rotate",
        401,
        "invalid_token",
        "The access token is signed with an unknown key",
        'Bearer error="invalid_token", error_description="The access token is signed with an unknown key"',
      ),
    );
  });

  it("malformed: 400 invalid_request", () => {
    assert.deepEqual(
      run({ type: "malformed", malformed: { variant: "two-segments" } }),
      bearerDeny(
        "malformed",
        400,
        "invalid_request",
        "The Authorization header is malformed",
        'Bearer error="invalid_request", error_description="The Authorization header is malformed"',
      ),
    );
  });

  it("strip: 401 with a bare Bearer challenge and no error details", () => {
    assert.deepEqual(run({ type: "strip" }), {
      kind: "deny",
      status: 401,
      headers: [
        { name: "www-authenticate", value: "Bearer" },
        { name: "x-token-chaos", value: "strip" },
      ],
      body: "",
      delayMs: 0,
      reason: reason("strip"),
    });
  });

  it("revoke: 401 invalid_token, the access token has been revoked", () => {
    assert.deepEqual(
      run({ type: "revoke" }),
      bearerDeny(
        "revoke",
        401,
        "invalid_token",
        "The access token has been revoked",
        'Bearer error="invalid_token", error_description="The access token has been revoked"',
      ),
    );
  });

  it("edge forms answer requests with opaque and JWE tokens too", () => {
    const jwe = "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d";
    for (const t of ["opaque-reference-token-123", jwe]) {
      const d = run({ type: "expire" }, { headers: bearer(t) });
      assert.equal(d.kind, "deny");
      if (d.kind === "deny") assert.equal(d.status, 401);
      assert.equal(d.reason?.skipped, undefined);
    }
  });

  it("correlationHeader: false leaves out x-token-chaos", () => {
    const d = run({ type: "expire", correlationHeader: false });
    assert.equal(d.kind, "deny");
    if (d.kind !== "deny") return;
    assert.equal(
      d.headers.some((h) => h.name === "x-token-chaos"),
      false,
    );
  });
});

describe("delay, error, deny", () => {
  it("delay fixed: allow after ms, correlation header on", () => {
    assert.deepEqual(run({ type: "delay", delay: { ms: 250 } }), {
      kind: "allow",
      setHeaders: [],
      removeHeaders: [],
      responseHeaders: [{ name: "x-token-chaos", value: "delay" }],
      delayMs: 250,
      reason: reason("delay"),
    });
  });

  it("delay fixed is clamped to LIMITS.maxDelayMs and to maxMs", () => {
    const a = run({ type: "delay", delay: { ms: 10_000_000 } });
    assert.equal(a.delayMs, 60_000);
    const b = run({ type: "delay", delay: { ms: 500, maxMs: 120 } });
    assert.equal(b.delayMs, 120);
    const c = run({ type: "delay", delay: { ms: 5, minMs: 40 } });
    assert.equal(c.delayMs, 40);
  });

  it("delay uniform stays within [minMs, maxMs] and spreads over it", () => {
    const loaded = loadPlan(
      plan([
        experiment({
          faults: [{ type: "delay", delay: { distribution: "uniform", minMs: 100, maxMs: 200 } }],
        }),
      ]),
    );
    const rng = seededRandom(7);
    const state = createEngineState({ keys });
    const seen: number[] = [];
    for (let i = 0; i < 2000; i++) seen.push(decide(request(), loaded, NOW, rng, state).delayMs);
    assert.ok(seen.every((v) => v >= 100 && v <= 200));
    const mean = seen.reduce((a, b) => a + b, 0) / seen.length;
    assert.ok(Math.abs(mean - 150) < 3, `mean ${mean}`);
    assert.ok(Math.min(...seen) <= 102 && Math.max(...seen) >= 198);
  });

  it("delay normal: mean and spread as configured, clamped", () => {
    const loaded = loadPlan(
      plan([
        experiment({
          faults: [
            {
              type: "delay",
              delay: { distribution: "normal", ms: 300, stddevMs: 50, minMs: 200, maxMs: 400 },
            },
          ],
        }),
      ]),
    );
    const rng = seededRandom(11);
    const state = createEngineState({ keys });
    const seen: number[] = [];
    for (let i = 0; i < 4000; i++) seen.push(decide(request(), loaded, NOW, rng, state).delayMs);
    assert.ok(seen.every((v) => v >= 200 && v <= 400));
    const mean = seen.reduce((a, b) => a + b, 0) / seen.length;
    const sd = Math.sqrt(seen.reduce((a, b) => a + (b - mean) ** 2, 0) / seen.length);
    assert.ok(Math.abs(mean - 300) < 3, `mean ${mean}`);
    // Clamping at two standard deviations trims the spread a little below 50.
    assert.ok(sd > 42 && sd < 50, `sd ${sd}`);
  });

  it("error grpc: default UNAVAILABLE (14), HTTP 503", () => {
    assert.deepEqual(run({ type: "error" }), {
      kind: "error",
      grpcCode: 14,
      httpStatus: 503,
      delayMs: 0,
      message: "token-chaos injected authorization service error",
      reason: reason("error"),
    });
  });

  it("error grpc with another code maps to its HTTP status", () => {
    const d = run({ type: "error", error: { kind: "grpc", grpcCode: 13 } });
    assert.equal(d.kind, "error");
    if (d.kind === "error") assert.deepEqual([d.grpcCode, d.httpStatus], [13, 500]);
  });

  it("error http: status as given, gRPC code as gRPC maps it", () => {
    const d = run({ type: "error", error: { kind: "http", httpStatus: 502 } });
    assert.equal(d.kind, "error");
    if (d.kind === "error") assert.deepEqual([d.grpcCode, d.httpStatus, d.delayMs], [14, 502, 0]);
    const e = run({ type: "error", error: { kind: "http" } });
    if (e.kind === "error") assert.deepEqual([e.grpcCode, e.httpStatus], [14, 503]);
  });

  it("error timeout: held timeoutMs, then DEADLINE_EXCEEDED / 504", () => {
    assert.deepEqual(run({ type: "error", error: { kind: "timeout", timeoutMs: 1500 } }), {
      kind: "error",
      grpcCode: 4,
      httpStatus: 504,
      delayMs: 1500,
      message: "token-chaos injected authorization service timeout",
      reason: reason("error"),
    });
  });

  it("deny: status, headers and body as given", () => {
    assert.deepEqual(
      run({
        type: "deny",
        deny: {
          status: 429,
          body: '{"message":"slow down"}',
          headers: [
            { name: "Content-Type", value: "application/json" },
            { name: "Retry-After", value: "30" },
          ],
        },
      }),
      {
        kind: "deny",
        status: 429,
        headers: [
          { name: "content-type", value: "application/json" },
          { name: "retry-after", value: "30" },
          { name: "x-token-chaos", value: "deny" },
        ],
        body: '{"message":"slow down"}',
        delayMs: 0,
        reason: reason("deny"),
      },
    );
  });

  it("deny defaults: 403, empty body; a body without content-type is text/plain", () => {
    const a = run({ type: "deny" });
    assert.deepEqual(a.kind === "deny" && [a.status, a.body, a.headers], [
      403,
      "",
      [{ name: "x-token-chaos", value: "deny" }],
    ]);
    const b = run({ type: "deny", deny: { body: "no" } });
    assert.deepEqual(b.kind === "deny" && b.headers, [
      { name: "content-type", value: "text/plain; charset=utf-8" },
      { name: "x-token-chaos", value: "deny" },
    ]);
  });

  it("a delay fault followed by another fault: that fault's answer, after the delay", () => {
    const d = run({ type: "delay", delay: { ms: 100 } });
    assert.equal(d.delayMs, 100);
    const loaded = loadPlan(
      plan([experiment({ faults: [{ type: "delay", delay: { ms: 100 } }, { type: "expire" }] })]),
    );
    const e = decide(request(), loaded, NOW, seededRandom(1), createEngineState({ keys }));
    assertValidDecision(e);
    assert.equal(e.kind, "deny");
    if (e.kind !== "deny") return;
    assert.equal(e.status, 401);
    assert.equal(e.delayMs, 100);
    assert.deepEqual(e.reason, { ...reason("expire"), delayed: true });
    assert.deepEqual(
      e.headers.find((h) => h.name === "x-token-chaos"),
      { name: "x-token-chaos", value: "delay, expire" },
    );
  });

  it("delay plus error timeout adds up, capped at LIMITS.maxDelayMs", () => {
    const loaded = loadPlan(
      plan([
        experiment({
          faults: [
            { type: "delay", delay: { ms: 50_000 } },
            { type: "error", error: { kind: "timeout", timeoutMs: 20_000 } },
          ],
        }),
      ]),
    );
    const d = decide(request(), loaded, NOW, seededRandom(1), createEngineState({ keys }));
    assert.equal(d.kind, "error");
    assert.equal(d.delayMs, 60_000);
  });
});
