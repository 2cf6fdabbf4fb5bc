// fast-check generators of CheckRequests as the canonical Envoy protos define them (plain
// objects for proto-loader's serializer): empty ones, well-formed Envoy-shaped ones aimed at
// the test experiments, oversized ones, and ones with bytes that are not UTF-8 (raw header
// values, and strings with lone surrogates, which encode to invalid UTF-8 on the wire).

import fc from "fast-check";

const HOSTS = ["api.shop.test", "API.SHOP.TEST:8443", "other.test", "", "[::1]:80"];
const PATHS = [
  "/",
  "/expire-edge/x",
  "/expire-upstream/y",
  "/strip-upstream",
  "/malformed/z",
  "/deny",
  "/error/e",
  "/tamper/t",
  "/scope-edge/s",
  "/revoke/r",
];

const anyText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("", " ", "\u0000", "\uffff", "\ud800"),
);

const tokenish = fc.oneof(
  fc.constant("Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4Iiwic2NvcGUiOiJhIGIifQ.c2ln"),
  fc.constant("Bearer eyJhbGciOiJub25lIn0.eyJleHAiOjF9."),
  fc.constant("Bearer"),
  fc.constant("Basic dXNlcjpwYXNz"),
  anyText.map((t) => `Bearer ${t}`),
  fc.string({ unit: "binary", maxLength: 200 }),
);

const headerName = fc.oneof(
  fc.constantFrom(
    ":authority",
    ":method",
    ":path",
    "authorization",
    "x-request-id",
    "cookie",
    "__proto__",
    "constructor",
    "X-Mixed-Case",
  ),
  fc.string({ minLength: 1, maxLength: 20 }),
);

const headersMap = fc.dictionary(headerName, fc.oneof(anyText, tokenish), { maxKeys: 12 });

const rawHeaderMap = fc.array(
  fc.record(
    {
      key: headerName,
      value: anyText,
      raw_value: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    },
    { requiredKeys: ["key"] },
  ),
  { maxLength: 12 },
);

const httpRequest = fc.record(
  {
    id: anyText,
    method: fc.oneof(fc.constantFrom("GET", "post", "DELETE", ""), anyText),
    headers: headersMap,
    header_map: rawHeaderMap.map((headers) => ({ headers })),
    path: fc.oneof(fc.constantFrom(...PATHS), anyText),
    host: fc.oneof(fc.constantFrom(...HOSTS), anyText),
    scheme: fc.constantFrom("http", "https", ""),
    size: fc.bigInt({ min: -1n, max: 1n << 40n }).map(String),
    protocol: fc.constantFrom("HTTP/1.1", "HTTP/2", ""),
    body: anyText,
    raw_body: fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b)),
  },
  { requiredKeys: [] },
);

const peer = fc.record(
  {
    principal: fc.oneof(
      fc.constantFrom("spiffe://cluster.local/ns/shop/sa/x", "spiffe://td/ns/", "spiffe://"),
      anyText,
    ),
    service: anyText,
    labels: fc.dictionary(fc.string({ maxLength: 8 }), anyText, { maxKeys: 3 }),
    address: fc.record({
      socket_address: fc.record({
        address: fc.constantFrom("127.0.0.1", "::1", ""),
        port_value: fc.integer({ min: 0, max: 65535 }),
      }),
    }),
  },
  { requiredKeys: [] },
);

/** Envoy-shaped: the pseudo-headers agree with the http fields, aimed at the experiments. */
const envoyShaped = fc
  .record({
    host: fc.constantFrom(...HOSTS),
    path: fc.constantFrom(...PATHS),
    method: fc.constantFrom("GET", "POST", "PUT"),
    authorization: tokenish,
    extra: headersMap,
    raw: fc.boolean(),
  })
  .map(({ host, path, method, authorization, extra, raw }) => {
    const headers: Record<string, string> = {
      ...extra,
      ":authority": host,
      ":method": method,
      ":path": path,
      "x-request-id": "prop-1",
      authorization,
    };
    const http: Record<string, unknown> = { id: "1", method, path, host, protocol: "HTTP/1.1" };
    if (raw) {
      http.header_map = {
        headers: Object.entries(headers).map(([key, v]) => ({ key, raw_value: Buffer.from(v) })),
      };
    } else {
      http.headers = headers;
    }
    return { attributes: { request: { http } } };
  });

/** One huge header value or very many headers (well inside gRPC's 4 MiB message limit). */
const oversized = fc
  .record({
    size: fc.integer({ min: 64 * 1024, max: 512 * 1024 }),
    count: fc.integer({ min: 100, max: 2000 }),
    many: fc.boolean(),
  })
  .map(({ size, count, many }) => {
    const headers: Record<string, string> = { ":authority": "api.shop.test", ":path": "/deny" };
    if (many) for (let i = 0; i < count; i++) headers[`x-h-${i}`] = `v${i}`.repeat(8);
    else headers.authorization = `Bearer ${"a".repeat(size)}.${"b".repeat(16)}.c`;
    return { attributes: { request: { http: { headers, path: "/deny", host: "api.shop.test" } } } };
  });

export const checkRequestArbitrary: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.constant({ attributes: {} }) },
  { weight: 4, arbitrary: envoyShaped },
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          source: peer,
          destination: peer,
          request: fc.record({ http: httpRequest }, { requiredKeys: [] }),
          context_extensions: fc.dictionary(fc.string({ maxLength: 8 }), anyText, { maxKeys: 3 }),
        },
        { requiredKeys: [] },
      )
      .map((attributes) => ({ attributes })),
  },
  { weight: 1, arbitrary: oversized },
);
