// The seed scenarios as the client sees them, one function each, shared by the nginx, Caddy and
// Envoy (gRPC) end-to-end tests. Every expectation is written here, not read from the manifest,
// so changing a fault's percent or type in test/e2e/experiments breaks the assertion (the
// assertions-can-fail test proves it for a few of them).

import assert from "node:assert/strict";
import { bounded, type ClientResponse, field, send } from "./http-client.ts";
import {
  ALL_SCOPES,
  CHECK_TIMEOUT_MS,
  type Front,
  HOSTS,
  type Stack,
  scenarioHost,
} from "./stack.ts";

export interface ScenarioContext {
  stack: Stack;
  front: Front;
  /** Where a scenario reports its measured figures (shares, latencies, findings). */
  report(line: string): void;
}

export interface Scenario {
  name: string;
  /** Manifest under test/e2e/experiments. */
  manifest: string;
  run(ctx: ScenarioContext): Promise<void>;
}

const CATALOG = { method: "GET", path: "/api/catalog" };

async function token(ctx: ScenarioContext, scopes = ALL_SCOPES, sub = "alice"): Promise<string> {
  return ctx.stack.issuer.mint({ sub, scope: scopes });
}

function call(
  ctx: ScenarioContext,
  host: string,
  tok: string | undefined,
  req: { method: string; path: string; body?: unknown },
): Promise<ClientResponse> {
  return send({
    port: ctx.front.port,
    host,
    method: req.method,
    path: req.path,
    headers: tok === undefined ? {} : { authorization: `Bearer ${tok}` },
    body: req.body,
  });
}

/** create cart -> add item -> pay, with one token; stops early only if there is no cart. */
async function checkoutFlow(ctx: ScenarioContext, host: string, tok: string) {
  const cart = await call(ctx, host, tok, { method: "POST", path: "/api/cart", body: {} });
  const cartId = field(cart, "cartId");
  const item = await call(ctx, host, tok, {
    method: "POST",
    path: "/api/cart/items",
    body: { cartId, sku: "tea-001", qty: 2 },
  });
  const pay = await call(ctx, host, tok, {
    method: "POST",
    path: "/api/orders/pay",
    body: { cartId },
  });
  return { cart, item, pay };
}

function describe(r: ClientResponse): string {
  return `${r.status} www-authenticate=${r.headers["www-authenticate"] ?? "-"} body=${r.text.slice(0, 160)}`;
}

function expectStatus(r: ClientResponse, status: number, what: string): void {
  assert.equal(r.status, status, `${what}: expected ${status}, got ${describe(r)}`);
}

function expectChallenge(r: ClientResponse, expected: string | RegExp, what: string): void {
  const h = r.headers["www-authenticate"];
  if (typeof expected === "string") {
    assert.equal(h, expected, `${what}: WWW-Authenticate, got ${describe(r)}`);
  } else {
    assert.match(h ?? "", expected, `${what}: WWW-Authenticate, got ${describe(r)}`);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const EXPIRED = 'Bearer error="invalid_token", error_description="The access token expired"';

export const SCENARIOS: Scenario[] = [
  {
    name: "expired token under a bounded load",
    manifest: "expire-under-load.yaml",
    async run(ctx) {
      // 200 clients, each with its own token (verdicts are sticky per token), 10 in flight.
      const total = 200;
      const host = scenarioHost("expire");
      const tokens = await Promise.all(
        Array.from({ length: total }, (_, i) => token(ctx, ALL_SCOPES, `client-${i}`)),
      );
      const results = await bounded(total, 10, (i) => call(ctx, host, tokens[i], CATALOG));
      const isExpired = (r: ClientResponse): boolean =>
        r.status === 401 &&
        r.headers["www-authenticate"] === EXPIRED &&
        r.headers["x-token-chaos"] === "expire";
      // A check the front gave up on (a starved test machine, not the fault): at most 1 %.
      const gaveUp = (r: ClientResponse): boolean =>
        r.status === failureStatus(ctx.front, 504) && r.headers["www-authenticate"] === undefined;
      const expired = results.filter(isExpired).length;
      const ok = results.filter((r) => r.status === 200).length;
      const failedChecks = results.filter(gaveUp).length;
      const others = results.filter((r) => !isExpired(r) && r.status !== 200 && !gaveUp(r));
      const share = expired / (total - failedChecks);
      ctx.report(
        `expire: ${expired}/${total} got 401 expired (${(share * 100).toFixed(1)}%), ${ok} got 200, ${failedChecks} checks timed out`,
      );
      assert.equal(
        others.length,
        0,
        `every answer is 401 expired or 200; others: ${others.slice(0, 3).map(describe).join(" | ")}`,
      );
      assert.ok(failedChecks <= total / 100, `${failedChecks} checks failed at the front`);
      // percent 25 over n independent sticky draws (one token each): binomial, SD = 3.1 points
      // for n = 200. Four SD each way (12.8-37.2 %) fails a correct run about once in 16,000.
      const n = total - failedChecks;
      const tolerance = 4 * Math.sqrt((0.25 * 0.75) / n);
      assert.ok(
        Math.abs(share - 0.25) <= tolerance,
        `share of expired answers ${share} outside 0.25 +/- ${tolerance.toFixed(3)}`,
      );
    },
  },
  {
    name: "token revoked mid-transaction",
    manifest: "revoke-mid-transaction.yaml",
    async run(ctx) {
      const host = scenarioHost("revoke");
      const tok = await token(ctx);
      const { cart, item, pay } = await checkoutFlow(ctx, host, tok);
      expectStatus(cart, 201, "create cart (request 1)");
      expectStatus(item, 200, "add item (request 2)");
      expectStatus(pay, 401, "pay (request 3, token now revoked)");
      expectChallenge(pay, /error="invalid_token".*revoked/, "pay");
      const again = await call(ctx, host, tok, CATALOG);
      expectStatus(again, 401, "the same token stays revoked");
      const other = await call(ctx, host, await token(ctx), CATALOG);
      expectStatus(other, 200, "another token still works");
      ctx.report(
        "revoke: cart 201, item 200, pay 401 invalid_token (revoked), same token stays 401",
      );
    },
  },
  {
    name: "scope-limited endpoint (edge)",
    manifest: "scope-edge.yaml",
    async run(ctx) {
      const host = scenarioHost("scope");
      const tok = await token(ctx);
      expectStatus(await call(ctx, host, tok, CATALOG), 200, "catalog");
      const { cart, item, pay } = await checkoutFlow(ctx, host, tok);
      expectStatus(cart, 201, "create cart");
      expectStatus(item, 200, "add item");
      expectStatus(pay, 403, "pay needs payments:write");
      expectChallenge(pay, /^Bearer error="insufficient_scope".*scope="payments:write"/, "pay");
      ctx.report(
        "scope (edge): catalog/cart/item 2xx, pay 403 insufficient_scope scope=payments:write",
      );
    },
  },
  {
    name: "scope-limited endpoint (upstream: the scope is cut from the token)",
    manifest: "scope-upstream.yaml",
    async run(ctx) {
      const tok = await token(ctx);
      // Cutting a scope changes the payload under the original signature: a careful API sees
      // a forged token, a careless one a token without the scope.
      const careful = await call(ctx, scenarioHost("scope-upstream"), tok, CATALOG);
      expectStatus(careful, 401, "the careful API rejects the altered token");
      expectChallenge(
        careful,
        /realm="shop", error="invalid_token".*signature is invalid/,
        "careful API",
      );
      const host = HOSTS.carelessScope;
      expectStatus(await call(ctx, host, tok, CATALOG), 200, "catalog");
      const { cart, item, pay } = await checkoutFlow(ctx, host, tok);
      expectStatus(cart, 201, "create cart");
      expectStatus(item, 200, "add item");
      expectStatus(pay, 403, "pay");
      // realm="shop" is the demo API's own challenge: the token reached it without the scope.
      expectChallenge(
        pay,
        /^Bearer realm="shop", error="insufficient_scope".*scope="payments:write"/,
        "pay",
      );
      ctx.report(
        "scope (upstream): careful API 401 (signature); careless API serves catalog/cart/item and refuses pay with its own 403 insufficient_scope",
      );
    },
  },
  {
    name: "payload altered, signature unchanged",
    manifest: "tamper.yaml",
    async run(ctx) {
      const tok = await token(ctx, ALL_SCOPES, "alice");
      const careful = await call(ctx, scenarioHost("tamper"), tok, CATALOG);
      expectStatus(careful, 401, "the careful API rejects the tampered token");
      expectChallenge(
        careful,
        /realm="shop", error="invalid_token".*signature is invalid/,
        "careful API",
      );
      const careless = await call(ctx, HOSTS.careless, tok, CATALOG);
      expectStatus(careless, 200, "the careless API (no signature check)");
      assert.equal(field(careless, "sub"), "admin", "the careless API believed the tampered sub");
      ctx.report(
        "tamper: careful API 401 invalid_token (signature); FINDING: the careless API accepted the token and acted as sub=admin",
      );
    },
  },
  {
    name: "rotated key",
    manifest: "rotate.yaml",
    async run(ctx) {
      const r = await call(ctx, scenarioHost("rotate"), await token(ctx), CATALOG);
      expectStatus(r, 401, "token re-signed under an unknown kid");
      expectChallenge(
        r,
        /realm="shop", error="invalid_token", error_description="unknown key"/,
        "API",
      );
      ctx.report("rotate: the API rejects the re-signed token: 401 invalid_token unknown key");
    },
  },
  {
    name: "slow token validation",
    manifest: "delay.yaml",
    async run(ctx) {
      const tok = await token(ctx);
      const n = 9;
      const base: number[] = [];
      const slow: number[] = [];
      // Interleaved so both series see the same machine load.
      for (let i = 0; i < n; i++) {
        const b = await call(ctx, HOSTS.control, tok, CATALOG);
        const s = await call(ctx, scenarioHost("delay"), tok, CATALOG);
        expectStatus(b, 200, "baseline");
        expectStatus(s, 200, "delayed");
        base.push(b.ms);
        slow.push(s.ms);
      }
      const added = median(slow) - median(base);
      ctx.report(
        `delay: median ${median(base).toFixed(1)} ms -> ${median(slow).toFixed(1)} ms, added ${added.toFixed(1)} ms (configured 150)`,
      );
      // A delay is never early; a busy machine fires timers late, hence the wider upper margin.
      assert.ok(added >= 140 && added <= 250, `added latency ${added} ms, expected 150 (-10/+100)`);
    },
  },
  {
    name: "missing token (edge)",
    manifest: "strip-edge.yaml",
    async run(ctx) {
      const r = await call(ctx, scenarioHost("missing"), await token(ctx), CATALOG);
      expectStatus(r, 401, "denied as if no token");
      expectChallenge(r, "Bearer", "bare challenge, no error code (RFC 6750 3.1)");
      ctx.report("strip (edge): 401 with a bare Bearer challenge");
    },
  },
  {
    name: "missing token (upstream: the API sees none)",
    manifest: "strip-upstream.yaml",
    async run(ctx) {
      const r = await call(ctx, scenarioHost("missing-upstream"), await token(ctx), CATALOG);
      expectStatus(r, 401, "the API got no token");
      expectChallenge(r, 'Bearer realm="shop"', "the API's bare challenge");
      ctx.report("strip (upstream): Authorization removed, the API answers 401 Bearer realm=shop");
    },
  },
  {
    name: "invalid signature (edge)",
    manifest: "corrupt-signature-edge.yaml",
    async run(ctx) {
      const r = await call(ctx, scenarioHost("bad-signature"), await token(ctx), CATALOG);
      expectStatus(r, 401, "invalid signature");
      expectChallenge(r, /^Bearer error="invalid_token".*signature is invalid/, "edge");
      ctx.report("corrupt-signature (edge): 401 invalid_token");
    },
  },
  {
    name: "invalid signature (upstream: the API rejects)",
    manifest: "corrupt-signature-upstream.yaml",
    async run(ctx) {
      const r = await call(ctx, scenarioHost("bad-signature-upstream"), await token(ctx), CATALOG);
      expectStatus(r, 401, "the API rejects the flipped signature");
      expectChallenge(r, /realm="shop", error="invalid_token".*signature is invalid/, "API");
      ctx.report("corrupt-signature (upstream): the API answers 401 invalid_token (signature)");
    },
  },
  {
    name: "malformed Bearer header (edge)",
    manifest: "malformed-edge.yaml",
    async run(ctx) {
      const r = await call(ctx, scenarioHost("malformed"), await token(ctx), CATALOG);
      // nginx's auth_request can only pass 401 and 403: the authz-server sends the 400 as 401.
      const status = ctx.front.kind === "nginx" ? 401 : 400;
      expectStatus(r, status, `malformed through ${ctx.front.kind}`);
      expectChallenge(r, /^Bearer error="invalid_request"/, "edge");
      ctx.report(`malformed (edge): ${status} invalid_request`);
    },
  },
  {
    name: "malformed Bearer header (upstream: the API rejects)",
    manifest: "malformed-upstream.yaml",
    async run(ctx) {
      const r = await call(ctx, scenarioHost("malformed-upstream"), await token(ctx), CATALOG);
      expectStatus(r, 400, "two spaces after Bearer");
      expectChallenge(r, /realm="shop", error="invalid_request"/, "API");
      ctx.report("malformed (upstream, extra-spaces): the API answers 400 invalid_request");
    },
  },
  {
    name: "auth service failing (error)",
    manifest: "auth-service-error.yaml",
    async run(ctx) {
      const r = await call(ctx, scenarioHost("authz-error"), await token(ctx), CATALOG);
      const expected = failureStatus(ctx.front, 503);
      expectStatus(r, expected, `${ctx.front.kind}${ctx.front.failOpen ? " (fail open)" : ""}`);
      ctx.report(
        `auth service error: ${ctx.front.kind}${ctx.front.failOpen ? " fail-open" : ""} answers ${r.status}`,
      );
    },
  },
  {
    name: "auth service failing (timeout)",
    manifest: "auth-service-timeout.yaml",
    async run(ctx) {
      const r = await call(ctx, scenarioHost("authz-timeout"), await token(ctx), CATALOG);
      const expected = failureStatus(ctx.front, 504);
      expectStatus(r, expected, `${ctx.front.kind}${ctx.front.failOpen ? " (fail open)" : ""}`);
      // Every front here gives up after 1 s (nginx proxy_read_timeout, Caddy
      // response_header_timeout, Envoy grpc_service.timeout); the fault holds the call 1.5 s.
      const limit = CHECK_TIMEOUT_MS;
      assert.ok(r.ms >= limit - 20 && r.ms < 1500, `answered after ${r.ms} ms, limit ${limit} ms`);
      ctx.report(
        `auth service timeout: ${ctx.front.kind}${ctx.front.failOpen ? " fail-open" : ""} answers ${r.status} after ${r.ms.toFixed(0)} ms`,
      );
    },
  },
];

/**
 * What each proxy does when the authorization call fails (the authz-server answers 5xx, or
 * not in time): nginx turns any auth failure into 500 (or serves the request when configured
 * to fail open); Caddy passes the authz-server's own 5xx through and answers 504 when it gives
 * up waiting; Envoy answers status_on_error (403 by default) or, with failure_mode_allow,
 * forwards the request.
 */
function failureStatus(front: Front, authzStatus: number): number {
  if (front.failOpen) return 200;
  switch (front.kind) {
    case "nginx":
      return 500;
    case "caddy":
      return authzStatus;
    case "envoy":
      return 403;
  }
}
