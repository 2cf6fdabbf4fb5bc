import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { attributesFromHttp, nginxStatus } from "../../../authz-server/http/forward-auth.ts";

function message(url: string, method: string, headers: Record<string, string | string[]>) {
  return { url, method, headers } as unknown as IncomingMessage;
}

const reason = {
  experiment: "a/b",
  namespace: "a",
  fault: "deny",
  form: "edge",
  dryRun: false,
} as const;
const deny = (status: number, headers: { name: string; value: string }[] = []) =>
  ({ kind: "deny", status, headers, body: "", delayMs: 0, reason }) as const;

describe("HTTP mode request attributes", () => {
  it("Caddy / Traefik: X-Forwarded-Method, -Uri, -Host win", () => {
    const a = attributesFromHttp(
      message("/", "GET", {
        host: "authz:9002",
        "x-forwarded-method": "post",
        "x-forwarded-uri": "/api/orders?a=1",
        "x-forwarded-host": "Shop.Test:443",
        "x-request-id": "r1",
        cookie: ["a=1", "b=2"],
      }),
      "",
      undefined,
    );
    assert.deepEqual(
      [a.method, a.path, a.host, a.requestId],
      ["POST", "/api/orders?a=1", "shop.test", "r1"],
    );
    assert.equal(a.headers.cookie, "a=1,b=2");
  });

  it("nginx: X-Original-Method and X-Original-URI", () => {
    const a = attributesFromHttp(
      message("/_auth", "GET", {
        host: "shop.test",
        "x-original-method": "DELETE",
        "x-original-uri": "/api/x",
      }),
      "",
      undefined,
    );
    assert.deepEqual([a.method, a.path, a.host], ["DELETE", "/api/x", "shop.test"]);
  });

  it("Envoy http_service: the request itself, path prefix removed", () => {
    const a = attributesFromHttp(
      message("/authz/api/orders?q=1", "PUT", { host: "shop.test" }),
      "/authz",
      "b",
    );
    assert.deepEqual(
      [a.method, a.path, a.host, a.body],
      ["PUT", "/api/orders?q=1", "shop.test", "b"],
    );
    const root = attributesFromHttp(message("/authz", "GET", { host: "s" }), "/authz", undefined);
    assert.equal(root.path, "/");
  });
});

describe("x-forwarded-client-cert", () => {
  it("reads the nearest hop's client URI and server namespace", () => {
    const a = attributesFromHttp(
      message("/", "GET", {
        host: "h",
        "x-forwarded-client-cert":
          'By=spiffe://td/ns/edge/sa/gw;URI=spiffe://td/ns/x/sa/y,By=spiffe://td/ns/shop/sa/api;Hash=1;Subject="CN=a,O=b";URI=spiffe://td/ns/shop/sa/web',
      }),
      "",
      undefined,
    );
    assert.equal(a.sourcePrincipal, "spiffe://td/ns/shop/sa/web");
    assert.equal(a.destinationNamespace, "shop");
  });

  it("no header, no principal", () => {
    const a = attributesFromHttp(message("/", "GET", { host: "h" }), "", undefined);
    assert.equal(a.sourcePrincipal, undefined);
    assert.equal(a.destinationNamespace, undefined);
  });
});

describe("nginx status mapping", () => {
  it("keeps 401, 403 and 5xx", () => {
    assert.equal(nginxStatus(deny(401)), 401);
    assert.equal(nginxStatus(deny(403)), 403);
    assert.equal(nginxStatus(deny(503)), 503);
  });

  it("maps other statuses to 401 when challenged, else 403", () => {
    assert.equal(nginxStatus(deny(400, [{ name: "WWW-Authenticate", value: "Bearer" }])), 401);
    assert.equal(nginxStatus(deny(400)), 403);
    assert.equal(nginxStatus(deny(429)), 403);
  });

  it("leaves answers in place of the upstream (2xx) alone", () => {
    assert.equal(nginxStatus(deny(200)), 200);
  });
});
