// CheckRequest (as decoded by proto-loader with keepCase) -> CheckAttributes.
// Envoy sends lower-case header keys and pseudo-headers (:authority, :method, :path) either in
// `headers` (values sanitised, repeats joined) or, with encode_raw_headers, in `header_map`
// (raw bytes, repeats as separate entries). Both are accepted; header_map wins when present.

import type { CheckAttributes } from "../engine/types.ts";
import { hostWithoutPort, namespaceFromSpiffe } from "../request-attributes.ts";

interface DecodedHeaderValue {
  key?: string;
  value?: string;
  raw_value?: Uint8Array;
}

interface DecodedHttpRequest {
  id?: string;
  method?: string;
  headers?: Record<string, string>;
  header_map?: { headers?: DecodedHeaderValue[] };
  path?: string;
  host?: string;
  body?: string;
  raw_body?: Uint8Array;
}

interface DecodedPeer {
  principal?: string;
}

export interface DecodedCheckRequest {
  attributes?: {
    source?: DecodedPeer;
    destination?: DecodedPeer;
    request?: { http?: DecodedHttpRequest };
  };
}

/** Bodies beyond this are cut: only identity-provider faults read them, and forms are small. */
export const MAX_BODY_CHARS = 64 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: false });

function headersOf(http: DecodedHttpRequest): Record<string, string> {
  // No prototype: header names such as "constructor" or "__proto__" stay plain keys.
  const out: Record<string, string> = Object.create(null);
  const entries = http.header_map?.headers;
  if (entries !== undefined && entries.length > 0) {
    for (const h of entries) {
      if (typeof h.key !== "string" || h.key === "") continue;
      const key = h.key.toLowerCase();
      const value =
        h.raw_value !== undefined && h.raw_value.length > 0
          ? utf8.decode(h.raw_value)
          : typeof h.value === "string"
            ? h.value
            : "";
      const prev = out[key];
      out[key] = prev === undefined ? value : `${prev},${value}`;
    }
    return out;
  }
  const map = http.headers;
  if (map !== undefined) {
    for (const key of Object.keys(map)) {
      const value = map[key];
      if (typeof value !== "string") continue;
      // Envoy already lower-cases keys; a client that does not is normalised here.
      const lower = key.toLowerCase();
      const prev = out[lower];
      out[lower] = prev === undefined ? value : `${prev},${value}`;
    }
  }
  return out;
}

function bodyOf(http: DecodedHttpRequest): string | undefined {
  if (typeof http.body === "string" && http.body !== "") {
    return http.body.length > MAX_BODY_CHARS ? http.body.slice(0, MAX_BODY_CHARS) : http.body;
  }
  const raw = http.raw_body;
  if (raw !== undefined && raw.length > 0) {
    return utf8.decode(raw.length > MAX_BODY_CHARS ? raw.subarray(0, MAX_BODY_CHARS) : raw);
  }
  return undefined;
}

function nonEmpty(s: string | undefined): string | undefined {
  return typeof s === "string" && s !== "" ? s : undefined;
}

export function attributesFromCheckRequest(req: DecodedCheckRequest): CheckAttributes {
  const attrs = req.attributes;
  const http: DecodedHttpRequest = attrs?.request?.http ?? {};
  const headers = headersOf(http);
  const method = (nonEmpty(http.method) ?? headers[":method"] ?? "GET").toUpperCase();
  const host = hostWithoutPort(nonEmpty(http.host) ?? headers[":authority"] ?? headers.host ?? "");
  const path = nonEmpty(http.path) ?? headers[":path"] ?? "/";
  const out: CheckAttributes = { method, host, path, headers };
  const requestId = headers["x-request-id"] ?? nonEmpty(http.id);
  if (requestId !== undefined) out.requestId = requestId;
  const source = nonEmpty(attrs?.source?.principal);
  if (source !== undefined) out.sourcePrincipal = source;
  const ns = namespaceFromSpiffe(attrs?.destination?.principal);
  if (ns !== undefined) out.destinationNamespace = ns;
  const body = bodyOf(http);
  if (body !== undefined) out.body = body;
  return out;
}
