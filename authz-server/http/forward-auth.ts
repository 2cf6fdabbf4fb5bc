// HTTP mode: one authorization endpoint for proxies that ask over plain HTTP.
//
// The original request is read from the headers each proxy sends:
//   Caddy forward_auth, Traefik ForwardAuth: X-Forwarded-Method, X-Forwarded-Uri, X-Forwarded-Host
//   nginx auth_request (as configured in the README): X-Original-Method, X-Original-URI
//   Envoy http_service: the request itself (method, Host, and path after the path prefix)
// Allow is 200 and carries the upstream request mutations as response headers that the proxy
// copies onto the upstream request (see the README for each proxy's copy setting):
//   - every header the decision sets, e.g. a rewritten `authorization`;
//   - the caller's own `authorization`, echoed unchanged when the decision leaves it alone, so
//     proxies that replace the header with the auth response's value (Caddy copy_headers,
//     Traefik authResponseHeaders, nginx auth_request_set) keep the token;
//   - removals as `x-token-chaos-remove: a, b` and Envoy's `x-envoy-auth-headers-to-remove`.
// Deny answers with the decision's status, headers and body; error with its 5xx status.

import type { IncomingMessage, ServerResponse } from "node:http";
import { type Decider, failOpen, RateLimitedLog } from "../decider.ts";
import type { DelayTimers } from "../delay-timers.ts";
import type { CheckAttributes, Decision, DenyDecision, HeaderValue } from "../engine/types.ts";
import type { Logger } from "../observability/logger.ts";
import type { AuthzMetrics, CheckOutcome } from "../observability/metrics.ts";
import { hostWithoutPort, namespaceFromSpiffe, peersFromXfcc } from "../request-attributes.ts";
import { ANSWER_HEADER, isAnswerInPlace } from "./answer-in-place.ts";

export const HTTP_FLAVORS = ["auto", "envoy", "nginx", "caddy", "traefik"] as const;
export type HttpFlavor = (typeof HTTP_FLAVORS)[number];

/** Request header a proxy config can set to announce itself (only nginx changes behaviour). */
export const PROXY_HINT_HEADER = "x-token-chaos-proxy";
export const REMOVE_HEADER = "x-token-chaos-remove";
export const ENVOY_REMOVE_HEADER = "x-envoy-auth-headers-to-remove";
/** Under nginx: the status the decision wanted when it had to be mapped to 401/403. */
export const ORIGINAL_STATUS_HEADER = "x-token-chaos-status";

export interface ForwardAuthOptions {
  flavor: HttpFlavor;
  /** Envoy http_service path_prefix, stripped from the request path. */
  pathPrefix: string;
  maxBodyBytes: number;
}

export interface ForwardAuthDeps {
  decider: Decider;
  metrics: AuthzMetrics;
  logger: Logger;
  delays: DelayTimers;
}

function first(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v[0] : v;
}

/** The original request as the proxy describes it. */
export function attributesFromHttp(
  req: IncomingMessage,
  pathPrefix: string,
  body: string | undefined,
): CheckAttributes {
  const h = req.headers;
  const headers: Record<string, string> = Object.create(null);
  for (const key of Object.keys(h)) {
    const v = h[key];
    if (v === undefined) continue;
    headers[key] = Array.isArray(v) ? v.join(",") : v;
  }
  const method = (
    first(h["x-forwarded-method"]) ??
    first(h["x-original-method"]) ??
    req.method ??
    "GET"
  ).toUpperCase();
  let path = first(h["x-forwarded-uri"]) ?? first(h["x-original-uri"]);
  if (path === undefined) {
    path = req.url ?? "/";
    if (pathPrefix !== "" && path.startsWith(pathPrefix)) {
      path = path.slice(pathPrefix.length);
      if (!path.startsWith("/")) path = `/${path}`;
    }
  }
  const host = hostWithoutPort(
    first(h["x-forwarded-host"]) ?? first(h["x-original-host"]) ?? h.host ?? "",
  );
  const attrs: CheckAttributes = { method, host, path, headers };
  const requestId = first(h["x-request-id"]);
  if (requestId !== undefined) attrs.requestId = requestId;
  // Peer identities, when the proxy forwards the client certificate details (Envoy, Istio).
  const peers = peersFromXfcc(first(h["x-forwarded-client-cert"]));
  if (peers.source !== undefined) attrs.sourcePrincipal = peers.source;
  const ns = namespaceFromSpiffe(peers.destination);
  if (ns !== undefined) attrs.destinationNamespace = ns;
  if (body !== undefined && body !== "") attrs.body = body;
  return attrs;
}

/**
 * nginx's auth_request passes only 401 and 403 to the client cleanly (anything else but 2xx
 * becomes a 500). A denial with another 4xx is therefore sent as 401 when it carries a
 * WWW-Authenticate challenge and 403 otherwise; 5xx stays 5xx (it is an auth-service failure).
 */
export function nginxStatus(d: DenyDecision): number {
  if (d.status === 401 || d.status === 403 || d.status >= 500) return d.status;
  if (isAnswerInPlace(d.status)) return d.status;
  const challenged = d.headers.some((x) => x.name.toLowerCase() === "www-authenticate");
  return challenged ? 401 : 403;
}

type HeaderBag = Record<string, string | string[]>;

function addHeader(bag: HeaderBag, name: string, value: string): void {
  const key = name.toLowerCase();
  const prev = bag[key];
  if (prev === undefined) bag[key] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else bag[key] = [prev, value];
}

function allowHeaders(
  d: Extract<Decision, { kind: "allow" }>,
  reqAuthorization: string | undefined,
): HeaderBag {
  const bag: HeaderBag = Object.create(null);
  for (const x of d.setHeaders) bag[x.name.toLowerCase()] = x.value;
  if (d.removeHeaders.length > 0) {
    const list = d.removeHeaders.join(", ");
    bag[REMOVE_HEADER] = list;
    bag[ENVOY_REMOVE_HEADER] = list;
  }
  const removed = d.removeHeaders.some((n) => n.toLowerCase() === "authorization");
  if (reqAuthorization !== undefined && !removed && bag.authorization === undefined) {
    bag.authorization = reqAuthorization;
  }
  for (const x of d.responseHeaders) addHeader(bag, x.name, x.value);
  return bag;
}

function headerBag(headers: readonly HeaderValue[]): HeaderBag {
  const bag: HeaderBag = Object.create(null);
  for (const x of headers) addHeader(bag, x.name, x.value);
  return bag;
}

function isNginx(flavor: HttpFlavor, req: IncomingMessage): boolean {
  return flavor === "nginx" || first(req.headers[PROXY_HINT_HEADER])?.toLowerCase() === "nginx";
}

/** The decision's status when it is an error status (normally 5xx), else 503. */
function errorStatus(s: number): number {
  return Number.isInteger(s) && s >= 400 && s <= 599 ? s : 503;
}

interface Reply {
  status: number;
  headers: HeaderBag;
  body: string;
  outcome: CheckOutcome;
}

function replyFor(d: Decision, req: IncomingMessage, flavor: HttpFlavor): Reply {
  if (d.kind === "allow") {
    const plain =
      d.setHeaders.length === 0 && d.removeHeaders.length === 0 && d.responseHeaders.length === 0;
    return {
      status: 200,
      headers: allowHeaders(d, first(req.headers.authorization)),
      body: "",
      outcome: plain ? "allow" : "mutate",
    };
  }
  if (d.kind === "deny") {
    const headers = headerBag(d.headers);
    if (isAnswerInPlace(d.status)) headers[ANSWER_HEADER] = d.reason.fault;
    let status = d.status;
    if (isNginx(flavor, req)) {
      status = nginxStatus(d);
      if (status !== d.status) headers[ORIGINAL_STATUS_HEADER] = String(d.status);
    }
    return { status, headers, body: d.body, outcome: "deny" };
  }
  return {
    status: errorStatus(d.httpStatus),
    headers: { "content-type": "text/plain; charset=utf-8" },
    body: d.message || "authorization service unavailable (injected)",
    outcome: "error",
  };
}

function send(res: ServerResponse, status: number, headers: HeaderBag, body: string): void {
  if (res.destroyed || res.writableEnded) return;
  // An explicit length (no chunking): some auth clients read nothing past the headers.
  headers["content-length"] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(body);
}

/** Fail open: 200, echoing the caller's authorization so copy-style proxies keep it. */
function sendFailOpen(req: IncomingMessage, res: ServerResponse): void {
  try {
    const auth = first(req.headers.authorization);
    send(res, 200, auth === undefined ? {} : { authorization: auth }, "");
  } catch {
    if (!res.headersSent) send(res, 200, {}, "");
  }
}

function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  const hasBody =
    req.headers["transfer-encoding"] !== undefined ||
    (req.headers["content-length"] !== undefined && req.headers["content-length"] !== "0");
  if (!hasBody) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      if (size >= max) return; // keep reading so the connection stays usable, drop the rest
      const room = max - size;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(part);
      size += part.length;
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(undefined));
  });
}

export function createForwardAuthHandler(
  deps: ForwardAuthDeps,
  opts: ForwardAuthOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { decider, metrics, logger, delays } = deps;
  const errorLog = new RateLimitedLog();

  const handle = (req: IncomingMessage, res: ServerResponse, body: string | undefined): void => {
    const t0 = performance.now();
    let reply: Reply;
    let decision: Decision;
    try {
      const attrs = attributesFromHttp(req, opts.pathPrefix, body);
      decision = decider(attrs, "http");
      reply = replyFor(decision, req, opts.flavor);
    } catch (err) {
      failOpen(
        metrics,
        logger,
        errorLog,
        "translate",
        err,
        first(req.headers["x-request-id"]),
        "http",
      );
      metrics.countCheck("http", "fail_open");
      sendFailOpen(req, res);
      return;
    }
    const elapsedMs = performance.now() - t0;
    metrics.observeCheckDuration("http", elapsedMs / 1000);
    metrics.countCheck("http", reply.outcome);
    const answer = (): void => {
      try {
        send(res, reply.status, reply.headers, reply.body);
      } catch (err) {
        // A header value the response cannot carry: still fail open.
        failOpen(
          metrics,
          logger,
          errorLog,
          "respond",
          err,
          first(req.headers["x-request-id"]),
          "http",
        );
        sendFailOpen(req, res);
      }
    };
    if (decision.delayMs > 0) {
      metrics.observeInjectedDelay(decision.reason?.fault ?? "delay", decision.delayMs / 1000);
      const cancel = delays.schedule(decision.delayMs - elapsedMs, answer);
      res.on("close", cancel);
    } else {
      answer();
    }
  };

  return (req, res) => {
    readBody(req, opts.maxBodyBytes).then(
      (body) => handle(req, res, body),
      () => handle(req, res, undefined),
    );
  };
}
