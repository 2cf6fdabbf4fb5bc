// The standalone authz-server on loopback, loaded with one experiment per fault (YAML files as
// users write them), asked the way Envoy asks (gRPC, canonical Envoy protos, Envoy-shaped
// requests) and the way Caddy/Traefik, nginx and Envoy's http_service ask over HTTP. Each fault
// must be seen as the proxy would see it; a request that matches nothing must pass untouched.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type RunningServer, startAuthzServer } from "../../../authz-server/server.ts";
import {
  type EnvoyAuthzClient,
  type EnvoyRequest,
  envoyAuthzClient,
} from "../../support/envoy-authz-client.ts";
import { bearer, signedToken, tokenParts } from "../../support/test-tokens.ts";
import { closeHttpAgent, httpCheck } from "./support/http-check.ts";
import { type Observed, observedFromGrpc, observedFromHttp } from "./support/observed.ts";

const FIXTURES = fileURLToPath(new URL("../../fixtures/authz/experiments/", import.meta.url));
const HOST = "api.shop.test";
/** path_prefix of the Envoy http_service config the server is started with. */
const ENVOY_PREFIX = "/ext-authz";

let server: RunningServer;
let grpc: EnvoyAuthzClient;
let token: string;
const logLines: string[] = [];

before(async () => {
  server = await startAuthzServer({
    grpcPort: 0,
    httpPort: 0,
    metricsPort: 0,
    experiments: FIXTURES,
    httpPathPrefix: ENVOY_PREFIX,
    logLevel: "info",
    logDestination: { write: (s: string) => void logLines.push(s) },
  });
  grpc = envoyAuthzClient(`127.0.0.1:${server.grpcPort}`);
  token = await signedToken({
    sub: "user-42",
    scope: "orders:read orders:write",
    role: "customer",
    aud: "shop-api",
  });
});

after(async () => {
  grpc.close();
  closeHttpAgent();
  await server.close();
});

type Via = (r: EnvoyRequest) => Promise<Observed>;

const viaGrpc: Via = async (r) => observedFromGrpc(await grpc.check(r));
const viaGrpcRawHeaders: Via = async (r) =>
  observedFromGrpc(await grpc.check({ ...r, rawHeaders: true }));

/** Caddy forward_auth / Traefik ForwardAuth: original method and URI in X-Forwarded-*. */
const viaCaddy: Via = async (r) =>
  observedFromHttp(
    await httpCheck(httpPort(), {
      path: "/",
      headers: {
        ...r.headers,
        host: "authz.internal:9002",
        "x-forwarded-method": r.method ?? "GET",
        "x-forwarded-uri": r.path,
        "x-forwarded-host": r.host,
        "x-forwarded-proto": "http",
      },
    }),
  );

/** Envoy http_service: the original method and path (after path_prefix), Host as sent. */
const viaEnvoyHttp: Via = async (r) =>
  observedFromHttp(
    await httpCheck(httpPort(), {
      method: r.method ?? "GET",
      path: `${ENVOY_PREFIX}${r.path}`,
      headers: { ...r.headers, host: r.host },
    }),
  );

function httpPort(): number {
  assert.ok(server.httpPort !== undefined);
  return server.httpPort;
}

interface Case {
  name: string;
  request: () => EnvoyRequest;
  /** Called with a fresh token per run, for faults that keep per-token state. */
  expect: (seen: Observed[], token: string) => void;
  repeat?: number;
  /** Per-token state: run with a token of its own. */
  ownToken?: boolean;
}

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
const req = (path: string, t: string, method = "GET"): EnvoyRequest => ({
  host: HOST,
  path,
  method,
  headers: auth(t),
});

function only(seen: Observed[]): Observed {
  assert.equal(seen.length, 1);
  const s = seen[0];
  assert.ok(s !== undefined);
  return s;
}

function upstreamToken(s: Observed): string {
  assert.equal(s.kind, "allow", `expected allow, got ${JSON.stringify(s)}`);
  const t = bearer(s.upstreamSet.authorization);
  assert.ok(t !== undefined, `a rewritten bearer token upstream: ${s.upstreamSet.authorization}`);
  return t;
}

function passedUntouched(s: Observed, original: string): void {
  assert.equal(s.kind, "allow", JSON.stringify(s));
  assert.deepEqual(s.upstreamRemove, []);
  // The HTTP mode echoes the caller's own authorization for copy-style proxies.
  const set = { ...s.upstreamSet };
  if (set.authorization !== undefined) assert.equal(set.authorization, `Bearer ${original}`);
  delete set.authorization;
  assert.deepEqual(set, {});
  assert.deepEqual(s.clientHeaders, {});
}

const CASES: Case[] = [
  {
    name: "no experiment matches: allowed untouched",
    request: () => req("/catalog/items", token),
    expect: (seen, t) => passedUntouched(only(seen), t),
  },
  {
    name: "another host: allowed untouched",
    request: () => ({ ...req("/expire-edge/x", token), host: "other.shop.test" }),
    expect: (seen, t) => passedUntouched(only(seen), t),
  },
  {
    name: "expire at the edge: 401 invalid_token, token expired",
    request: () => req("/expire-edge/orders", token, "POST"),
    expect: (seen) => {
      const s = only(seen);
      assert.equal(s.kind, "deny");
      assert.equal(s.status, 401);
      assert.match(s.clientHeaders["www-authenticate"] ?? "", /^Bearer .*error="invalid_token"/);
      assert.match(s.clientHeaders["www-authenticate"] ?? "", /expired/);
    },
  },
  {
    name: "expire upstream: exp moved into the past, signature kept",
    request: () => req("/expire-upstream/orders", token),
    expect: (seen, t) => {
      const rewritten = tokenParts(upstreamToken(only(seen)));
      const original = tokenParts(t);
      assert.ok(Number(rewritten.payload.exp) < Date.now() / 1000 - 3600, "exp at least 1h ago");
      assert.equal(rewritten.signature, original.signature);
      assert.equal(rewritten.payload.sub, original.payload.sub);
    },
  },
  {
    name: "revoke after 2 requests: 2 allowed, then 401",
    ownToken: true,
    repeat: 4,
    request: () => req("/revoke/orders", token),
    expect: (seen) => {
      assert.deepEqual(
        seen.map((s) => s.kind),
        ["allow", "allow", "deny", "deny"],
      );
      assert.equal(seen[2]?.status, 401);
      assert.match(seen[2]?.clientHeaders["www-authenticate"] ?? "", /invalid_token/);
    },
  },
  {
    name: "scope at the edge: 403 insufficient_scope naming the scope",
    request: () => req("/scope-edge/orders", token, "POST"),
    expect: (seen) => {
      const s = only(seen);
      assert.equal(s.kind, "deny");
      assert.equal(s.status, 403);
      const challenge = s.clientHeaders["www-authenticate"] ?? "";
      assert.match(challenge, /error="insufficient_scope"/);
      assert.match(challenge, /scope="orders:write"/);
    },
  },
  {
    name: "scope upstream: the scope removed from the claim",
    request: () => req("/scope-upstream/orders", token),
    expect: (seen) => {
      const p = tokenParts(upstreamToken(only(seen))).payload;
      assert.equal(p.scope, "orders:read");
    },
  },
  {
    name: "tamper: claim changed, original signature kept",
    request: () => req("/tamper/orders", token),
    expect: (seen, t) => {
      const rewritten = tokenParts(upstreamToken(only(seen)));
      assert.equal(rewritten.payload.role, "admin");
      assert.equal(rewritten.signature, tokenParts(t).signature);
    },
  },
  {
    name: "corrupt-signature upstream: same header and payload, different signature",
    request: () => req("/corrupt-signature/orders", token),
    expect: (seen, t) => {
      const rewritten = tokenParts(upstreamToken(only(seen)));
      const original = tokenParts(t);
      assert.equal(rewritten.signingInput, original.signingInput);
      assert.notEqual(rewritten.signature, original.signature);
    },
  },
  {
    name: "rotate upstream: re-signed under a kid the upstream has never seen",
    request: () => req("/rotate/orders", token),
    expect: (seen, t) => {
      const rewritten = tokenParts(upstreamToken(only(seen)));
      const original = tokenParts(t);
      assert.notEqual(rewritten.header.kid, original.header.kid);
      assert.deepEqual(rewritten.payload, original.payload);
      assert.notEqual(rewritten.signature, original.signature);
    },
  },
  {
    name: "malformed (wrong-scheme) upstream: authorization rewritten",
    request: () => req("/malformed/orders", token),
    expect: (seen) => {
      const s = only(seen);
      assert.equal(s.kind, "allow");
      const value = s.upstreamSet.authorization ?? "";
      assert.ok(value !== "" && !value.startsWith("Bearer "), `rewritten: ${value}`);
    },
  },
  {
    name: "strip upstream: authorization removed",
    request: () => req("/strip-upstream/orders", token),
    expect: (seen) => {
      const s = only(seen);
      assert.equal(s.kind, "allow");
      assert.deepEqual(s.upstreamRemove, ["authorization"]);
      assert.equal(s.upstreamSet.authorization, undefined);
    },
  },
  {
    name: "strip at the edge: 401 with a bare Bearer challenge",
    request: () => req("/strip-edge/orders", token),
    expect: (seen) => {
      const s = only(seen);
      assert.equal(s.kind, "deny");
      assert.equal(s.status, 401);
      assert.equal(s.clientHeaders["www-authenticate"], "Bearer");
    },
  },
  {
    name: "delay 150 ms: allowed after the delay",
    request: () => req("/delay/orders", token),
    expect: (seen) => {
      const s = only(seen);
      assert.equal(s.kind, "allow");
      assert.ok(s.ms >= 148, `held ${s.ms.toFixed(1)} ms`);
      assert.ok(s.ms < 1000, `not held much longer: ${s.ms.toFixed(1)} ms`);
    },
  },
  {
    name: "error: the check fails (gRPC UNAVAILABLE / HTTP 503)",
    request: () => req("/error/orders", token),
    expect: (seen) => {
      const s = only(seen);
      assert.equal(s.kind, "error");
      if (s.grpcCode !== undefined) assert.equal(s.grpcCode, 14);
      else assert.equal(s.status, 503);
    },
  },
  {
    name: "deny: the configured status, headers and body",
    request: () => req("/deny/orders", token),
    expect: (seen) => {
      const s = only(seen);
      assert.equal(s.kind, "deny");
      assert.equal(s.status, 429);
      assert.equal(s.clientHeaders["retry-after"], "7");
      assert.equal(s.body, "slow down");
    },
  },
];

const VIAS: [string, Via][] = [
  ["gRPC (Envoy ext_authz, headers)", viaGrpc],
  ["gRPC (Envoy ext_authz, raw header_map)", viaGrpcRawHeaders],
  ["HTTP (Caddy/Traefik X-Forwarded-*)", viaCaddy],
  ["HTTP (Envoy http_service)", viaEnvoyHttp],
];

for (const [label, via] of VIAS) {
  describe(label, () => {
    for (const c of CASES) {
      it(c.name, async () => {
        const t =
          c.ownToken === true ? await signedToken({ sub: `fresh-${label}-${c.name}` }) : token;
        const seen: Observed[] = [];
        for (let i = 0; i < (c.repeat ?? 1); i++) {
          const r = c.request();
          seen.push(await via({ ...r, headers: { ...r.headers, ...auth(t) } }));
        }
        c.expect(seen, t);
      });
    }
  });
}

describe("gRPC specifics", () => {
  it("a denial is a normal response with PERMISSION_DENIED, not a gRPC error", async () => {
    const r = await grpc.check(req("/expire-edge/orders", token));
    assert.equal(r.error, undefined);
    assert.equal(r.response?.status?.code, 7);
    assert.equal(r.response?.http_response, "denied_response");
  });

  it("pass-through carries an explicit OK status", async () => {
    const r = await grpc.check(req("/nothing", token));
    assert.equal(r.response?.status?.code, 0);
    assert.equal(r.response?.http_response, "ok_response");
  });

  it("an empty CheckRequest is allowed", async () => {
    const r = await grpc.check({});
    assert.equal(r.error, undefined);
    assert.equal(r.response?.status?.code, 0);
  });
});

describe("HTTP specifics", () => {
  it("nginx auth_request: X-Original-URI/-Method are read", async () => {
    const res = await httpCheck(httpPort(), {
      path: "/auth",
      headers: {
        ...auth(token),
        host: HOST,
        "x-original-uri": "/scope-edge/orders",
        "x-original-method": "POST",
      },
    });
    assert.equal(res.status, 403);
  });

  it("nginx hint: a 429 denial becomes 403 with the wanted status in a header", async () => {
    const res = await httpCheck(httpPort(), {
      path: "/auth",
      headers: {
        ...auth(token),
        host: HOST,
        "x-original-uri": "/deny/orders",
        "x-token-chaos-proxy": "nginx",
      },
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get("x-token-chaos-status"), "429");
  });

  it("nginx hint: a 401 stays 401 with its challenge", async () => {
    const res = await httpCheck(httpPort(), {
      path: "/auth",
      headers: {
        ...auth(token),
        host: HOST,
        "x-original-uri": "/strip-edge/x",
        "x-token-chaos-proxy": "nginx",
      },
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get("www-authenticate"), "Bearer");
  });

  it("Envoy http_service: strip also sends x-envoy-auth-headers-to-remove", async () => {
    const res = await httpCheck(httpPort(), {
      path: `${ENVOY_PREFIX}/strip-upstream/a`,
      headers: { ...auth(token), host: HOST },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-envoy-auth-headers-to-remove"), "authorization");
    assert.equal(res.headers.get("authorization"), null);
  });

  it("keeps the connection alive across checks", async () => {
    const a = await httpCheck(httpPort(), { path: "/", headers: { host: HOST } });
    const b = await httpCheck(httpPort(), { path: "/", headers: { host: HOST } });
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.notEqual(a.headers.get("connection"), "close");
  });
});

describe("observability", () => {
  it("counts checks and injections on /metrics", async () => {
    const res = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.match(text, /token_chaos_checks_total\{protocol="grpc",outcome="deny"\} [1-9]/);
    assert.match(text, /token_chaos_checks_total\{protocol="http",outcome="allow"\} [1-9]/);
    assert.match(
      text,
      /token_chaos_injections_total\{experiment="shop\/expire-edge",namespace="shop",fault="expire",form="edge",outcome="injected"\} [1-9]/,
    );
    assert.match(text, /token_chaos_plan_version 1\b/);
    assert.match(text, /token_chaos_active_experiments 14\b/);
    assert.match(
      text,
      /token_chaos_check_duration_seconds_bucket\{le="0\.00001",protocol="grpc"\}/,
    );
    assert.match(text, /token_chaos_injected_delay_seconds_count\{fault="delay"\} [1-9]/);
    assert.match(text, /process_resident_memory_bytes/);
  });

  it("/healthz and /readyz answer 200", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      const res = await fetch(`http://127.0.0.1:${server.metricsPort}${path}`);
      assert.equal(res.status, 200, path);
      await res.text();
    }
  });

  it("logs each fault decision with request id, experiment and fault", () => {
    const decisions = logLines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === "fault decision");
    assert.ok(decisions.length > 10);
    const expire = decisions.find((d) => d.experiment === "shop/expire-edge");
    assert.ok(expire !== undefined);
    assert.equal(expire.fault, "expire");
    assert.equal(typeof expire.requestId, "string");
  });

  it("never logs or exports the token", async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    const [h, p, s] = token.split(".");
    for (const part of [token, h, p, s]) {
      assert.ok(part !== undefined && part.length > 20);
      assert.ok(!metrics.includes(part), "token part in /metrics");
      assert.ok(!logLines.some((l) => l.includes(part)), "token part in logs");
    }
  });
});
