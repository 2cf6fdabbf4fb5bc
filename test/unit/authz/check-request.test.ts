import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { attributesFromCheckRequest } from "../../../authz-server/grpc/check-request.ts";
import { hostWithoutPort, namespaceFromSpiffe } from "../../../authz-server/request-attributes.ts";

describe("CheckRequest -> CheckAttributes", () => {
  it("reads Envoy's headers map, pseudo-headers and peers", () => {
    const a = attributesFromCheckRequest({
      attributes: {
        source: { principal: "spiffe://cluster.local/ns/shop/sa/frontend" },
        destination: { principal: "spiffe://cluster.local/ns/payments/sa/api" },
        request: {
          http: {
            id: "1234",
            method: "post",
            headers: {
              ":authority": "Checkout.Shop.svc:8080",
              ":method": "POST",
              ":path": "/api/orders?x=1",
              authorization: "Bearer t",
              "x-request-id": "req-1",
            },
            path: "/api/orders?x=1",
            host: "Checkout.Shop.svc:8080",
          },
        },
      },
    });
    assert.equal(a.method, "POST");
    assert.equal(a.host, "checkout.shop.svc");
    assert.equal(a.path, "/api/orders?x=1");
    assert.equal(a.headers.authorization, "Bearer t");
    assert.equal(a.requestId, "req-1");
    assert.equal(a.sourcePrincipal, "spiffe://cluster.local/ns/shop/sa/frontend");
    assert.equal(a.destinationNamespace, "payments");
  });

  it("falls back to pseudo-headers when method, host and path fields are empty", () => {
    const a = attributesFromCheckRequest({
      attributes: {
        request: {
          http: { headers: { ":authority": "a.test", ":method": "delete", ":path": "/p" } },
        },
      },
    });
    assert.deepEqual([a.method, a.host, a.path], ["DELETE", "a.test", "/p"]);
    assert.equal(a.requestId, undefined);
    assert.equal(a.sourcePrincipal, undefined);
    assert.equal(a.destinationNamespace, undefined);
  });

  it("reads raw header_map entries, joins repeats with ',' and prefers it over headers", () => {
    const a = attributesFromCheckRequest({
      attributes: {
        request: {
          http: {
            headers: { "x-ignored": "1" },
            header_map: {
              headers: [
                { key: ":authority", raw_value: Buffer.from("h.test:80") },
                { key: "X-Multi", raw_value: Buffer.from("a") },
                { key: "x-multi", raw_value: Buffer.from("b") },
                { key: "x-text", value: "plain" },
                { key: "x-bytes", raw_value: Buffer.from([0xff, 0x41]) },
                { key: "", value: "dropped" },
              ],
            },
          },
        },
      },
    });
    assert.equal(a.host, "h.test");
    assert.equal(a.headers["x-multi"], "a,b");
    assert.equal(a.headers["x-text"], "plain");
    assert.equal(a.headers["x-bytes"], "\ufffdA");
    assert.equal(a.headers["x-ignored"], undefined);
    assert.equal(a.headers[""], undefined);
  });

  it("keeps header names like __proto__ and constructor as plain keys", () => {
    const a = attributesFromCheckRequest({
      attributes: {
        request: {
          http: {
            header_map: {
              headers: [
                { key: "__proto__", value: "x" },
                { key: "constructor", value: "y" },
              ],
            },
          },
        },
      },
    });
    assert.equal(Object.getOwnPropertyDescriptor(a.headers, "__proto__")?.value, "x");
    assert.equal(a.headers.constructor, "y");
  });

  it("an empty request is a GET of / on no host", () => {
    const a = attributesFromCheckRequest({});
    assert.deepEqual([a.method, a.host, a.path], ["GET", "", "/"]);
    assert.deepEqual({ ...a.headers }, {});
  });

  it("takes the body from body or raw_body, cut to 64 KiB", () => {
    const text = attributesFromCheckRequest({
      attributes: { request: { http: { body: "grant_type=refresh_token" } } },
    });
    assert.equal(text.body, "grant_type=refresh_token");
    const raw = attributesFromCheckRequest({
      attributes: { request: { http: { raw_body: Buffer.alloc(70_000, 0x61) } } },
    });
    assert.equal(raw.body?.length, 64 * 1024);
  });
});

describe("host and SPIFFE parsing", () => {
  it("strips ports, keeps IPv6 literals", () => {
    assert.equal(hostWithoutPort("API.Example.com:8443"), "api.example.com");
    assert.equal(hostWithoutPort("example.com"), "example.com");
    assert.equal(hostWithoutPort("[::1]:8080"), "[::1]");
    assert.equal(hostWithoutPort("::1"), "::1");
    assert.equal(hostWithoutPort(""), "");
  });

  it("reads the namespace of a Kubernetes SPIFFE id only", () => {
    assert.equal(namespaceFromSpiffe("spiffe://cluster.local/ns/shop/sa/api"), "shop");
    assert.equal(namespaceFromSpiffe("spiffe://td/ns//sa/x"), undefined);
    assert.equal(namespaceFromSpiffe("spiffe://td/ns"), undefined);
    assert.equal(namespaceFromSpiffe("ns/shop"), undefined);
    assert.equal(namespaceFromSpiffe(undefined), undefined);
  });
});
