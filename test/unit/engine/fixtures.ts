// Shared builders for the engine's unit tests: plans, requests, real signed tokens (jose) and a
// structural check that a value is a well-formed Decision.

import assert from "node:assert/strict";
import { generateKeyPair, SignJWT } from "jose";
import type { CompiledPlan, PlanExperiment } from "../../../api/plan/types.ts";
import { LIMITS } from "../../../api/v1alpha1/types.ts";
import type { CheckAttributes, Decision } from "../../../authz-server/engine/types.ts";

export const HOST = "checkout.shop.svc.cluster.local";
export const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);
export const WINDOW_MS = 600_000;
/** Inside the default window. */
export const NOW = T0 + 1000;

export function experiment(over: Partial<PlanExperiment> = {}): PlanExperiment {
  const name = over.name ?? "exp";
  const namespace = over.namespace ?? "shop";
  return {
    id: `${namespace}/${name}`,
    namespace,
    name,
    mode: "enforce",
    sticky: true,
    target: { hosts: [HOST] },
    faults: [{ type: "expire" }],
    windows: [{ start: T0, end: T0 + WINDOW_MS }],
    ...over,
  };
}

export function plan(
  experiments: PlanExperiment[],
  over: Partial<CompiledPlan> = {},
): CompiledPlan {
  return {
    format: "token-chaos.plan/v1",
    version: 1,
    generatedAt: T0 - 1000,
    halted: false,
    experiments,
    ...over,
  };
}

export function request(over: Partial<CheckAttributes> = {}): CheckAttributes {
  return { method: "GET", host: HOST, path: "/api/orders", headers: {}, ...over };
}

/** The reason a decision gives for an injection by the default experiment(). */
export function injectionReason(
  fault: string,
  form: "edge" | "upstream",
  extra: Record<string, unknown> = {},
) {
  return { experiment: "shop/exp", namespace: "shop", fault, form, dryRun: false, ...extra };
}

/** The decision for a request that goes on untouched. */
export const UNTOUCHED = Object.freeze({
  kind: "allow",
  setHeaders: [],
  removeHeaders: [],
  responseHeaders: [],
  delayMs: 0,
});

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

export type TestAlg = "RS256" | "PS256" | "ES256" | "ES384" | "EdDSA";

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
const pairs = new Map<string, Promise<KeyPair>>();

/** A key pair per algorithm, generated once per test process. */
export function keyPair(alg: TestAlg): Promise<KeyPair> {
  let p = pairs.get(alg);
  if (p === undefined) {
    p = generateKeyPair(alg, { extractable: true });
    pairs.set(alg, p);
  }
  return p;
}

export const HMAC_SECRET = new TextEncoder().encode("a-shared-secret-of-at-least-32-bytes!!");

export const CLAIMS = {
  iss: "https://idp.example",
  sub: "user-42",
  aud: "checkout",
  jti: "jti-1",
  scope: "orders:read orders:write profile",
  role: "customer",
  iat: Math.floor(T0 / 1000) - 60,
  exp: Math.floor(T0 / 1000) + 3600,
};

/** A real token signed by jose. */
export async function signedToken(
  alg: TestAlg | "HS256" = "RS256",
  claims: Record<string, unknown> = CLAIMS,
  kid = "idp-key-1",
): Promise<string> {
  const key = alg === "HS256" ? HMAC_SECRET : (await keyPair(alg)).privateKey;
  return new SignJWT(claims).setProtectedHeader({ alg, typ: "JWT", kid }).sign(key);
}

export function segments(token: string): [string, string, string] {
  const parts = token.split(".");
  assert.equal(parts.length, 3, "a JWS compact token has three segments");
  return [parts[0] ?? "", parts[1] ?? "", parts[2] ?? ""];
}

export function decodeSegment(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
}

/** The token an allow decision forwards in its authorization header. */
export function forwardedToken(d: Decision): string {
  assert.equal(d.kind, "allow");
  if (d.kind !== "allow") throw new Error("not allow");
  const h = d.setHeaders.find((x) => x.name === "authorization");
  assert.ok(h !== undefined, "authorization is set");
  const m = /^Bearer (.+)$/.exec(h.value);
  assert.ok(m !== null, "forwarded as Bearer");
  return m[1] ?? "";
}

/** Every invariant a front end relies on. */
export function assertValidDecision(d: unknown): asserts d is Decision {
  assert.ok(typeof d === "object" && d !== null);
  const x = d as Decision;
  assert.ok(Number.isFinite(x.delayMs) && x.delayMs >= 0 && x.delayMs <= LIMITS.maxDelayMs);
  const headersOk = (hs: unknown): void => {
    assert.ok(Array.isArray(hs));
    for (const h of hs) {
      assert.equal(typeof h.name, "string");
      assert.equal(h.name, h.name.toLowerCase());
      assert.equal(typeof h.value, "string");
    }
  };
  switch (x.kind) {
    case "allow":
      headersOk(x.setHeaders);
      headersOk(x.responseHeaders);
      assert.ok(Array.isArray(x.removeHeaders));
      break;
    case "deny":
      assert.ok(Number.isInteger(x.status) && x.status >= 100 && x.status <= 599);
      headersOk(x.headers);
      assert.equal(typeof x.body, "string");
      assert.ok(x.reason !== undefined);
      break;
    case "error":
      assert.ok(Number.isInteger(x.grpcCode) && x.grpcCode >= 1 && x.grpcCode <= 16);
      assert.ok(Number.isInteger(x.httpStatus) && x.httpStatus >= 400 && x.httpStatus <= 599);
      assert.equal(typeof x.message, "string");
      break;
    default:
      assert.fail(`unknown decision kind ${JSON.stringify(x)}`);
  }
  if (x.reason !== undefined) {
    assert.equal(typeof x.reason.experiment, "string");
    assert.equal(typeof x.reason.dryRun, "boolean");
  }
}

/** Fails when a token (or any long base64url run from one) appears in the reason or message. */
export function assertNoTokenLeak(d: Decision, token: string): void {
  const exposed = JSON.stringify({
    reason: d.reason,
    message: d.kind === "error" ? d.message : "",
  });
  for (const part of token.split(".")) {
    if (part.length >= 8) assert.ok(!exposed.includes(part), "token material in reason/message");
  }
}
