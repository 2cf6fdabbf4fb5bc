// What a proxy would do with the authz-server's answer, reduced to one protocol-neutral shape
// so the same expectations apply to the gRPC and the HTTP front ends.

import type { CheckResult } from "../../../support/envoy-authz-client.ts";
import type { HttpCheck } from "./http-check.ts";

export interface Observed {
  /** allow: forwarded upstream; deny: answered directly; error: the check itself failed. */
  kind: "allow" | "deny" | "error";
  /** HTTP status the client gets on deny; the HTTP status of the failure for HTTP errors. */
  status?: number;
  grpcCode?: number;
  /** Headers for the client (deny headers, or response_headers_to_add on allow). */
  clientHeaders: Record<string, string>;
  /** Request headers set on the upstream request. */
  upstreamSet: Record<string, string>;
  /** Request headers removed from the upstream request. */
  upstreamRemove: string[];
  body: string;
  ms: number;
}

const HTTP_STATUS_NAMES: Record<string, number> = {
  OK: 200,
  BadRequest: 400,
  Unauthorized: 401,
  PaymentRequired: 402,
  Forbidden: 403,
  NotFound: 404,
  TooManyRequests: 429,
  InternalServerError: 500,
  BadGateway: 502,
  ServiceUnavailable: 503,
  GatewayTimeout: 504,
};

function statusNumber(code: string | number | undefined): number {
  if (typeof code === "number") return code;
  if (code === undefined) return 403; // Envoy's default for a denial without a status
  const n = HTTP_STATUS_NAMES[code];
  if (n === undefined) throw new Error(`unmapped HTTP status name ${code}`);
  return n;
}

function toRecord(
  list: { header?: { key?: string; value?: string; raw_value?: Buffer } }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list ?? []) {
    const key = h.header?.key?.toLowerCase();
    if (key === undefined) continue;
    out[key] = h.header?.value ?? h.header?.raw_value?.toString("latin1") ?? "";
  }
  return out;
}

export function observedFromGrpc(r: CheckResult): Observed {
  if (r.error !== undefined) {
    return {
      kind: "error",
      grpcCode: r.error.code,
      clientHeaders: {},
      upstreamSet: {},
      upstreamRemove: [],
      body: "",
      ms: r.ms,
    };
  }
  const res = r.response;
  if (res?.status === undefined) throw new Error("CheckResponse without an explicit status");
  const code = res.status.code ?? 0;
  if (code === 0) {
    const ok = res.ok_response;
    for (const h of [...(ok?.headers ?? []), ...(ok?.response_headers_to_add ?? [])]) {
      if (h.append_action !== "OVERWRITE_IF_EXISTS_OR_ADD") {
        throw new Error(`header mutation with append_action ${h.append_action}`);
      }
    }
    return {
      kind: "allow",
      clientHeaders: toRecord(ok?.response_headers_to_add),
      upstreamSet: toRecord(ok?.headers),
      upstreamRemove: ok?.headers_to_remove ?? [],
      body: "",
      ms: r.ms,
    };
  }
  const denied = res.denied_response;
  return {
    kind: "deny",
    grpcCode: code,
    status: statusNumber(denied?.status?.code),
    clientHeaders: toRecord(denied?.headers),
    upstreamSet: {},
    upstreamRemove: [],
    body: denied?.body ?? "",
    ms: r.ms,
  };
}

/** Headers any HTTP server adds; not mutations. */
const TRANSPORT = new Set(["content-length", "content-type", "date", "connection", "keep-alive"]);

export function observedFromHttp(res: HttpCheck): Observed {
  const { body, ms } = res;
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (!TRANSPORT.has(k)) headers[k] = v;
  });
  // A 2xx carrying X-Token-Chaos-Answer is an answer in place of the upstream (a denial).
  if (res.status === 200 && headers["x-token-chaos-answer"] === undefined) {
    const remove = (headers["x-token-chaos-remove"] ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    const upstreamSet: Record<string, string> = {};
    const clientHeaders: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) {
      if (k === "x-token-chaos-remove" || k === "x-envoy-auth-headers-to-remove") continue;
      // The correlation header is meant for the client; everything else for the upstream.
      if (k === "x-token-chaos") clientHeaders[k] = v;
      else upstreamSet[k] = v;
    }
    return { kind: "allow", clientHeaders, upstreamSet, upstreamRemove: remove, body, ms };
  }
  return {
    kind: res.status >= 500 ? "error" : "deny",
    status: res.status,
    clientHeaders: headers,
    upstreamSet: {},
    upstreamRemove: [],
    body,
    ms,
  };
}
