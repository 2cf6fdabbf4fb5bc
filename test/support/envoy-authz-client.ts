// A client for envoy.service.auth.v3.Authorization built from Envoy's canonical protos (shipped
// by @grpc/grpc-js-xds), sending CheckRequests shaped as Envoy's ext_authz filter sends them:
// lower-case header keys, :authority / :method / :path / :scheme pseudo-headers, x-request-id,
// peer addresses and principals; optionally raw headers in header_map (encode_raw_headers).

import { randomUUID } from "node:crypto";
import type { ServiceError } from "@grpc/grpc-js";
import { authorizationStub } from "./envoy-authorization-stub.ts";

export interface HeaderOption {
  header?: { key?: string; value?: string; raw_value?: Buffer };
  append_action?: string;
}

/** As decoded with enums as names and defaults omitted. */
export interface CheckResponse {
  status?: { code?: number; message?: string };
  http_response?: "ok_response" | "denied_response";
  ok_response?: {
    headers?: HeaderOption[];
    headers_to_remove?: string[];
    response_headers_to_add?: HeaderOption[];
  };
  denied_response?: {
    status?: { code?: string | number };
    headers?: HeaderOption[];
    body?: string;
  };
}

export interface EnvoyRequest {
  method?: string;
  host: string;
  path: string;
  headers?: Record<string, string>;
  requestId?: string;
  sourcePrincipal?: string;
  destinationPrincipal?: string;
  body?: string;
  /** Send headers in header_map with raw_value, as Envoy does with encode_raw_headers: true. */
  rawHeaders?: boolean;
}

let streamId = 1000;

/** The CheckRequest Envoy's HTTP ext_authz filter would send for this request. */
export function envoyCheckRequest(r: EnvoyRequest): Record<string, unknown> {
  const method = r.method ?? "GET";
  const requestId = r.requestId ?? randomUUID();
  const headers: Record<string, string> = {
    ":authority": r.host,
    ":method": method,
    ":path": r.path,
    ":scheme": "http",
    "user-agent": "curl/8.5.0",
    "x-forwarded-proto": "http",
    "x-request-id": requestId,
  };
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = v;
  const now = Date.now();
  const http: Record<string, unknown> = {
    id: String(++streamId),
    method,
    path: r.path,
    host: r.host,
    scheme: "http",
    protocol: "HTTP/1.1",
    size: r.body === undefined ? "0" : String(Buffer.byteLength(r.body)),
  };
  if (r.rawHeaders === true) {
    http.header_map = {
      headers: Object.entries(headers).map(([key, value]) => ({
        key,
        raw_value: Buffer.from(value, "latin1"),
      })),
    };
  } else {
    http.headers = headers;
  }
  if (r.body !== undefined) http.body = r.body;
  const peer = (principal: string | undefined, port: number) => ({
    address: { socket_address: { address: "127.0.0.1", port_value: port } },
    ...(principal !== undefined ? { principal } : {}),
  });
  return {
    attributes: {
      source: peer(r.sourcePrincipal, 50000 + (streamId % 10000)),
      destination: peer(r.destinationPrincipal, 8080),
      request: {
        time: { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 },
        http,
      },
    },
  };
}

export interface CheckResult {
  response?: CheckResponse;
  error?: ServiceError;
  ms: number;
}

export interface EnvoyAuthzClient {
  check(r: EnvoyRequest | Record<string, unknown>, timeoutMs?: number): Promise<CheckResult>;
  close(): void;
}

export function envoyAuthzClient(target: string): EnvoyAuthzClient {
  // Enums as names, defaults omitted: what CheckResponse describes.
  const client = authorizationStub<CheckResponse>(target, { enumNames: true, defaults: false });
  return {
    check(r, timeoutMs = 5000) {
      const req =
        "attributes" in r || Object.keys(r).length === 0 ? r : envoyCheckRequest(r as EnvoyRequest);
      const t0 = performance.now();
      return new Promise((resolve) => {
        client.Check(req, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) => {
          const ms = performance.now() - t0;
          resolve(err !== null ? { error: err, ms } : { response: res, ms });
        });
      });
    },
    close: () => client.close(),
  };
}

/** The value of a header in a list of HeaderValueOptions (ok_response / denied_response). */
export function headerIn(list: HeaderOption[] | undefined, name: string): string | undefined {
  const h = list?.find((x) => x.header?.key?.toLowerCase() === name);
  if (h?.header === undefined) return undefined;
  return h.header.value ?? h.header.raw_value?.toString("latin1");
}
