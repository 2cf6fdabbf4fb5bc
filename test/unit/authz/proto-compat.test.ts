// The protos under proto/ must be wire compatible with Envoy's: every field the authz-server
// reads or writes is encoded with ours and decoded with the canonical Envoy protos shipped by
// @grpc/grpc-js-xds, and the other way round. A wrong field number, type or enum value fails.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { MethodDefinition } from "@grpc/grpc-js";
import { loadSync, type Options } from "@grpc/proto-loader";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const deps = `${root}node_modules/@grpc/grpc-js-xds/deps`;

// Same decoding options on both sides; enums as names so a wrong enum number shows up.
const options: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

const FILE = "envoy/service/auth/v3/external_auth.proto";
const ours = loadSync([FILE, "grpc/health/v1/health.proto"], {
  ...options,
  includeDirs: [`${root}proto`],
});
const canonical = loadSync(FILE, {
  ...options,
  includeDirs: [
    `${deps}/envoy-api`,
    `${deps}/xds`,
    `${deps}/googleapis`,
    `${deps}/protoc-gen-validate`,
  ],
});

type Check = MethodDefinition<unknown, unknown>;
function checkMethod(def: typeof ours): Check {
  const service = def["envoy.service.auth.v3.Authorization"] as unknown as Record<string, Check>;
  const m = service.Check;
  assert.ok(m !== undefined, "Check method present");
  return m;
}
const mine = checkMethod(ours);
const envoy = checkMethod(canonical);

it("serves the same RPC path as Envoy calls", () => {
  assert.equal(mine.path, "/envoy.service.auth.v3.Authorization/Check");
  assert.equal(mine.path, envoy.path);
  assert.equal(mine.requestStream, false);
  assert.equal(mine.responseStream, false);
});

// A CheckRequest using every field our protos declare.
const fullRequest = {
  attributes: {
    source: {
      address: { socket_address: { protocol: "TCP", address: "10.1.2.3", port_value: 53122 } },
      service: "frontend",
      labels: { app: "frontend", version: "v2" },
      principal: "spiffe://cluster.local/ns/shop/sa/frontend",
      certificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    },
    destination: {
      address: { socket_address: { protocol: "UDP", address: "10.9.8.7", named_port: "http" } },
      service: "checkout",
      principal: "spiffe://cluster.local/ns/shop/sa/checkout",
    },
    request: {
      time: { seconds: "1764000000", nanos: 123456789 },
      http: {
        id: "12345678901234567",
        method: "POST",
        headers: {
          ":authority": "checkout.shop.svc:8080",
          ":method": "POST",
          ":path": "/api/orders?x=1",
          authorization: "Bearer abc.def.ghi",
          "x-request-id": "5f0c8a52-1c2e-4a5b-9d7e-0b1a2c3d4e5f",
        },
        header_map: {
          headers: [
            { key: ":authority", raw_value: Buffer.from("checkout.shop.svc") },
            { key: "x-multi", raw_value: Buffer.from([0xff, 0xfe, 0x41]) },
            { key: "x-text", value: "plain" },
          ],
        },
        path: "/api/orders?x=1",
        host: "checkout.shop.svc:8080",
        scheme: "https",
        query: "x=1",
        fragment: "frag",
        size: "42",
        protocol: "HTTP/2",
        body: "grant_type=client_credentials",
        raw_body: Buffer.from([0x00, 0x01, 0xfe, 0xff]),
      },
    },
    context_extensions: { cluster: "east", tier: "gold" },
    tls_session: { sni: "checkout.shop.svc" },
  },
};

const okResponse = {
  status: { code: 0, message: "" },
  ok_response: {
    headers: [
      {
        header: { key: "authorization", value: "Bearer x.y.z" },
        append_action: "OVERWRITE_IF_EXISTS_OR_ADD",
        keep_empty_value: true,
      },
      {
        header: { key: "x-raw", raw_value: Buffer.from([1, 2, 3]) },
        append_action: "ADD_IF_ABSENT",
      },
    ],
    headers_to_remove: ["authorization", "cookie"],
    response_headers_to_add: [
      {
        header: { key: "x-token-chaos", value: "expire" },
        append_action: "OVERWRITE_IF_EXISTS",
      },
      { header: { key: "x-append", value: "1" }, append_action: "APPEND_IF_EXISTS_OR_ADD" },
    ],
  },
};

const deniedResponse = {
  status: { code: 7, message: "denied with HTTP 401" },
  denied_response: {
    status: { code: "Unauthorized" },
    headers: [
      {
        header: { key: "www-authenticate", value: 'Bearer error="invalid_token"' },
        append_action: "OVERWRITE_IF_EXISTS_OR_ADD",
      },
    ],
    body: '{"error":"invalid_token"}',
  },
};

/** Round trip through one side's encoder and the other's decoder. */
function across(
  value: unknown,
  from: Check,
  to: Check,
  kind: "request" | "response",
): { bytes: Buffer; decoded: unknown } {
  const bytes = kind === "request" ? from.requestSerialize(value) : from.responseSerialize(value);
  const decoded = kind === "request" ? to.requestDeserialize(bytes) : to.responseDeserialize(bytes);
  return { bytes, decoded };
}

describe("CheckRequest", () => {
  it("ours -> Envoy's decodes every field", () => {
    const reference = across(fullRequest, envoy, envoy, "request");
    const mixed = across(fullRequest, mine, envoy, "request");
    assert.deepEqual(mixed.decoded, reference.decoded);
    assert.ok(mixed.bytes.equals(reference.bytes), "same bytes as Envoy's encoder");
  });

  it("Envoy's -> ours decodes every field", () => {
    const reference = across(fullRequest, mine, mine, "request");
    const mixed = across(fullRequest, envoy, mine, "request");
    assert.deepEqual(mixed.decoded, reference.decoded);
    // And nothing of the request was lost on the way.
    const attrs = (mixed.decoded as typeof fullRequest).attributes;
    assert.equal(attrs.request.http.header_map.headers.length, 3);
    assert.deepEqual(attrs.request.http.raw_body, fullRequest.attributes.request.http.raw_body);
    assert.equal(attrs.source.principal, fullRequest.attributes.source.principal);
    assert.equal(attrs.destination.principal, fullRequest.attributes.destination.principal);
    assert.equal(attrs.request.http.size, "42");
    assert.equal(attrs.tls_session.sni, "checkout.shop.svc");
  });

  it("ours skips the Envoy fields it leaves out (metadata) without failing", () => {
    const withMetadata = {
      attributes: {
        ...fullRequest.attributes,
        metadata_context: { filter_metadata: { "envoy.filters.http.jwt_authn": { fields: {} } } },
        route_metadata_context: { filter_metadata: { x: { fields: {} } } },
      },
    };
    const decoded = across(withMetadata, envoy, mine, "request").decoded as typeof fullRequest;
    assert.equal(decoded.attributes.request.http.path, "/api/orders?x=1");
  });
});

describe("CheckResponse", () => {
  for (const [name, value] of [
    ["ok_response", okResponse],
    ["denied_response", deniedResponse],
  ] as const) {
    it(`${name}: ours -> Envoy's`, () => {
      const reference = across(value, envoy, envoy, "response");
      const mixed = across(value, mine, envoy, "response");
      assert.deepEqual(mixed.decoded, reference.decoded);
      assert.ok(mixed.bytes.equals(reference.bytes), "same bytes as Envoy's encoder");
      assert.equal((mixed.decoded as { http_response: string }).http_response, name);
    });

    it(`${name}: Envoy's -> ours`, () => {
      const reference = across(value, mine, mine, "response");
      const mixed = across(value, envoy, mine, "response");
      assert.deepEqual(mixed.decoded, reference.decoded);
    });
  }

  it("an HTTP status outside our enum subset still travels as its number", () => {
    const teapotish = {
      status: { code: 7 },
      denied_response: { status: { code: 422 }, body: "" },
    };
    const asEnvoy = across(teapotish, mine, envoy, "response").decoded as {
      denied_response: { status: { code: string } };
    };
    assert.equal(asEnvoy.denied_response.status.code, "UnprocessableEntity");
    const back = across(
      { status: { code: 7 }, denied_response: { status: { code: "UnprocessableEntity" } } },
      envoy,
      mine,
      "response",
    ).decoded as { denied_response: { status: { code: unknown } } };
    assert.equal(back.denied_response.status.code, 422);
  });

  it("an explicit OK status is on the wire (field 1 present)", () => {
    const bytes = mine.responseSerialize({ status: { code: 0 }, ok_response: {} });
    assert.equal(bytes[0], 0x0a, "field 1 (status), length-delimited");
    const decoded = envoy.responseDeserialize(bytes) as { status?: unknown };
    assert.ok(decoded.status !== undefined);
  });
});

describe("grpc.health.v1", () => {
  type Method = MethodDefinition<unknown, unknown>;
  const health = ours["grpc.health.v1.Health"] as unknown as Record<string, Method>;

  it("has the standard paths", () => {
    assert.equal(health.Check?.path, "/grpc.health.v1.Health/Check");
    assert.equal(health.Watch?.path, "/grpc.health.v1.Health/Watch");
    assert.equal(health.Watch?.responseStream, true);
  });

  it("encodes the standard field numbers and enum values", () => {
    // HealthCheckRequest.service = 1 (string); HealthCheckResponse.status = 1 (enum).
    assert.deepEqual(
      [...(health.Check?.requestSerialize({ service: "a" }) ?? [])],
      [0x0a, 0x01, 0x61],
    );
    const statuses = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 };
    for (const [name, n] of Object.entries(statuses)) {
      const bytes = Buffer.from(n === 0 ? [] : [0x08, n]);
      const decoded = health.Check?.responseDeserialize(bytes) as { status?: string };
      assert.equal(decoded.status ?? "UNKNOWN", name);
    }
  });
});
