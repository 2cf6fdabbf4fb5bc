// A STAND-IN FOR ENVOY, for the end-to-end tests and the demo only: Envoy itself cannot be
// installed on the machines these run on. It is an HTTP listener that does what Envoy's
// ext_authz HTTP filter does with a gRPC authorization service, and nothing more:
//   1. build a CheckRequest as Envoy does (lower-case header keys, `:authority`, `:method`,
//      `:path`, `:scheme`, `x-request-id`, peer addresses), encoded with Envoy's own protos;
//   2. call envoy.service.auth.v3.Authorization/Check with Envoy's default 200 ms timeout;
//   3. status OK: apply ok_response (request header mutations by `append` / `append_action`,
//      headers_to_remove, query parameter mutations), forward to the upstream, add
//      response_headers_to_add to the upstream's answer;
//   4. any other status: answer with denied_response (status, default 403; headers; body);
//   5. the call itself failed (gRPC error or timeout): failure_mode_allow forwards the request
//      (optionally marking it `x-envoy-auth-failure-mode-allowed: true`), otherwise answer
//      status_on_error (default 403) with an empty body.
// It is not a proxy anyone should run: no TLS, no retries, no routing beyond Host -> port.

import { randomUUID } from "node:crypto";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AuthorizationClient,
  authorizationClient,
  type EnvoyCheckRequest,
  type EnvoyCheckResponse,
  type EnvoyHeaderValueOption,
} from "./envoy-protos.ts";

export interface EnvoyLikeOptions {
  /** host:port of the authz-server's gRPC port. */
  authz: string;
  /** Upstream port per Host (without port); `default` when no host matches. */
  upstreams: Record<string, number> & { default: number };
  /** Envoy's `failure_mode_allow` (token-chaos recommends true). Default false, as in Envoy. */
  failureModeAllow?: boolean;
  failureModeAllowHeaderAdd?: boolean;
  /** Envoy's `status_on_error`, default 403. */
  statusOnError?: number;
  /** grpc_service.timeout, default 200 ms as in Envoy. */
  timeoutMs?: number;
  /** with_request_body: send the body (up to this many bytes) in the CheckRequest. */
  withRequestBodyBytes?: number;
  port?: number;
}

export type CheckOutcome = "ok" | "denied" | "error-allowed" | "error-denied";

export interface EnvoyLike {
  port: number;
  /** Outcomes of the Check calls so far. */
  outcomes(): Record<CheckOutcome, number>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
]);

type Action = "set" | "add" | "append" | "add-if-absent" | "overwrite-if-exists";

/** How Envoy files one HeaderValueOption: `append` wins when present, else append_action. */
export function headerAction(h: EnvoyHeaderValueOption): Action {
  if (h.append !== null && h.append !== undefined) return h.append.value ? "append" : "set";
  switch (h.append_action) {
    case 1:
      return "add-if-absent";
    case 2:
      return "set";
    case 3:
      return "overwrite-if-exists";
    default:
      return "add";
  }
}

/** A header map as Envoy keeps it: lower-case names, repeated entries allowed. */
export type HeaderList = [string, string][];

/** Applies header mutations the way Envoy's ext_authz filter does on a header map. */
export function applyHeaderOptions(headers: HeaderList, options: EnvoyHeaderValueOption[]): void {
  for (const opt of options) {
    const key = opt.header?.key.toLowerCase() ?? "";
    // Envoy ignores mutations of pseudo-headers and Host.
    if (key === "" || key.startsWith(":") || key === "host") continue;
    const value = opt.header?.raw_value?.length
      ? opt.header.raw_value.toString("latin1")
      : (opt.header?.value ?? "");
    const present = headers.some(([k]) => k === key);
    switch (headerAction(opt)) {
      case "set":
        removeHeader(headers, key);
        headers.push([key, value]);
        break;
      case "add":
        headers.push([key, value]);
        break;
      case "append": {
        // Envoy appends to an existing header only; an absent one is left absent.
        const i = headers.findIndex(([k]) => k === key);
        if (i >= 0) headers[i] = [key, `${headers[i]?.[1]},${value}`];
        break;
      }
      case "add-if-absent":
        if (!present) headers.push([key, value]);
        break;
      case "overwrite-if-exists":
        if (present) {
          removeHeader(headers, key);
          headers.push([key, value]);
        }
        break;
    }
  }
}

function removeHeader(headers: HeaderList, key: string): void {
  for (let i = headers.length - 1; i >= 0; i--) if (headers[i]?.[0] === key) headers.splice(i, 1);
}

export async function startEnvoyLike(opts: EnvoyLikeOptions): Promise<EnvoyLike> {
  const authz: AuthorizationClient = authorizationClient(opts.authz);
  const outcomes: Record<CheckOutcome, number> = {
    ok: 0,
    denied: 0,
    "error-allowed": 0,
    "error-denied": 0,
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(503, { "content-type": "text/plain" });
      res.end(`upstream connect error: ${err instanceof Error ? err.message : String(err)}`);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readAll(req);
    const headers = headerList(req.headers);
    const authority = (req.headers.host ?? "").toLowerCase();
    const host = authority.replace(/:\d+$/, "");
    const requestId = req.headers["x-request-id"]?.toString() ?? randomUUID();
    if (!headers.some(([k]) => k === "x-request-id")) headers.push(["x-request-id", requestId]);
    headers.push(["x-forwarded-proto", "http"]);
    const path = req.url ?? "/";
    const check = checkRequest(req, headers, authority, path, requestId, body, opts);

    let answer: EnvoyCheckResponse;
    try {
      answer = await authz.check(check, opts.timeoutMs ?? 200);
    } catch {
      if (opts.failureModeAllow) {
        outcomes["error-allowed"]++;
        if (opts.failureModeAllowHeaderAdd) {
          headers.push(["x-envoy-auth-failure-mode-allowed", "true"]);
        }
        await forward(req.method ?? "GET", path, host, authority, headers, body, [], res);
      } else {
        outcomes["error-denied"]++;
        localReply(res, opts.statusOnError ?? 403, [], "");
      }
      return;
    }

    if ((answer.status?.code ?? 0) !== 0) {
      outcomes.denied++;
      const denied = answer.denied_response;
      const replyHeaders: HeaderList = [];
      if (denied) applyHeaderOptions(replyHeaders, denied.headers);
      const code = denied?.status?.code ?? 0;
      localReply(res, code > 0 ? code : 403, replyHeaders, denied?.body ?? "");
      return;
    }

    outcomes.ok++;
    const ok = answer.ok_response;
    let upstreamPath = path;
    const extraResponse: EnvoyHeaderValueOption[] = [];
    if (ok) {
      applyHeaderOptions(headers, ok.headers);
      for (const name of ok.headers_to_remove) {
        const key = name.toLowerCase();
        if (!key.startsWith(":") && key !== "host") removeHeader(headers, key);
      }
      upstreamPath = applyQueryMutations(path, ok);
      extraResponse.push(...ok.response_headers_to_add);
    }
    await forward(
      req.method ?? "GET",
      upstreamPath,
      host,
      authority,
      headers,
      body,
      extraResponse,
      res,
    );
  }

  async function forward(
    method: string,
    path: string,
    host: string,
    authority: string,
    headers: HeaderList,
    body: Buffer,
    responseOptions: EnvoyHeaderValueOption[],
    res: ServerResponse,
  ): Promise<void> {
    const port = opts.upstreams[host] ?? opts.upstreams.default;
    const out: Record<string, string | string[]> = { host: authority };
    for (const [k, v] of headers) {
      if (HOP_BY_HOP.has(k) || k === "host" || k === "content-length") continue;
      const prev = out[k];
      out[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
    }
    if (body.length > 0) out["content-length"] = String(body.length);
    await new Promise<void>((resolve, reject) => {
      const up = request({ host: "127.0.0.1", port, method, path, headers: out }, (upRes) => {
        const answerHeaders = headerList(upRes.headers).filter(([k]) => !HOP_BY_HOP.has(k));
        applyHeaderOptions(answerHeaders, responseOptions);
        res.writeHead(upRes.statusCode ?? 502, toOutgoing(answerHeaders));
        upRes.pipe(res);
        upRes.on("end", resolve);
        upRes.on("error", reject);
      });
      up.on("error", reject);
      up.end(body);
    });
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    outcomes: () => ({ ...outcomes }),
    close: () =>
      new Promise<void>((resolve) => {
        authz.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function checkRequest(
  req: IncomingMessage,
  headers: HeaderList,
  authority: string,
  path: string,
  requestId: string,
  body: Buffer,
  opts: EnvoyLikeOptions,
): EnvoyCheckRequest {
  const map: Record<string, string> = {
    ":authority": authority,
    ":method": req.method ?? "GET",
    ":path": path,
    ":scheme": "http",
  };
  // Envoy joins repeated headers with "," in the CheckRequest's header map.
  for (const [k, v] of headers) map[k] = map[k] === undefined ? v : `${map[k]},${v}`;
  const now = Date.now();
  const withBody = opts.withRequestBodyBytes ?? 0;
  const local = req.socket.localAddress ?? "127.0.0.1";
  return {
    attributes: {
      source: {
        address: {
          socket_address: {
            address: req.socket.remoteAddress ?? "127.0.0.1",
            port_value: req.socket.remotePort ?? 0,
          },
        },
      },
      destination: {
        address: { socket_address: { address: local, port_value: req.socket.localPort ?? 0 } },
      },
      request: {
        time: { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 },
        http: {
          id: requestId,
          method: req.method ?? "GET",
          headers: map,
          path,
          host: authority,
          scheme: "http",
          protocol: `HTTP/${req.httpVersion}`,
          size: String(body.length),
          ...(withBody > 0 && body.length > 0
            ? { body: body.subarray(0, withBody).toString("utf8") }
            : {}),
        },
      },
    },
  };
}

function applyQueryMutations(
  path: string,
  ok: NonNullable<EnvoyCheckResponse["ok_response"]>,
): string {
  if (ok.query_parameters_to_set.length === 0 && ok.query_parameters_to_remove.length === 0) {
    return path;
  }
  const u = new URL(path, "http://envoy.local");
  for (const name of ok.query_parameters_to_remove) u.searchParams.delete(name);
  for (const q of ok.query_parameters_to_set) u.searchParams.set(q.key, q.value);
  return `${u.pathname}${u.search}`;
}

function localReply(res: ServerResponse, status: number, headers: HeaderList, body: string): void {
  const base: HeaderList = [["server", "envoy"]];
  if (body !== "") base.push(["content-type", "text/plain"]);
  // The authorization service's headers win over Envoy's own defaults.
  for (const [k, v] of headers) {
    removeHeader(base, k);
    base.push([k, v]);
  }
  const out = toOutgoing(base);
  out["content-length"] = String(Buffer.byteLength(body));
  res.writeHead(status, out);
  res.end(body);
}

function headerList(h: IncomingHttpHeaders): HeaderList {
  const out: HeaderList = [];
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || k === "host") continue;
    for (const one of Array.isArray(v) ? v : [v]) out.push([k, one]);
  }
  return out;
}

function toOutgoing(headers: HeaderList): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of headers) {
    const prev = out[k];
    out[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
  }
  return out;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1024 * 1024) throw new Error("request body over 1 MiB");
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
