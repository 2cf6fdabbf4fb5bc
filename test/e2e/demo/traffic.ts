// Bounded client traffic for one demo lane: a few virtual users, each running its flow again and
// again with a fresh token per flow, from a few seconds before the lane's window opens until a
// few seconds after it closes. Every response is kept as a sample for the screen and the report.

import { setTimeout as sleep } from "node:timers/promises";
import type { Issuer } from "../demo-api/issuer.ts";
import { type ClientResponse, field, send } from "../support/http-client.ts";
import { ALL_SCOPES } from "../support/stack.ts";
import type { LaneSpec } from "./lanes.ts";

export interface Sample {
  /** When the request was sent, epoch ms: what the authz-server's window compares with. */
  t: number;
  status: number;
  ms: number;
  /** The x-token-chaos correlation header, when the answer carried one. */
  fault?: string;
  /** The subject the API said it acted for, when it was not the token's own (a forgery). */
  forgedSub?: string;
}

export interface LaneTraffic {
  spec: LaneSpec;
  windowStart: number;
  windowEnd: number;
  /** Traffic runs from trafficStart to trafficEnd. */
  trafficStart: number;
  trafficEnd: number;
  samples: Sample[];
  done: Promise<void>;
}

export interface TrafficOptions {
  port: number;
  issuer: Issuer;
  windowStart: number;
  windowEnd: number;
  /** Traffic before the window opens and after it closes. */
  marginMs: number;
  users: number;
  thinkMs: number;
  /** Sent on every request when the example only touches requests that opt in. */
  optIn?: { name: string; value: string };
  /** Hard bound on requests for the lane. */
  maxRequests: number;
}

export function startLane(spec: LaneSpec, opts: TrafficOptions): LaneTraffic {
  const trafficStart = opts.windowStart - opts.marginMs;
  const trafficEnd = opts.windowEnd + opts.marginMs;
  const samples: Sample[] = [];
  let flows = 0;
  const headersFor = (token: string): Record<string, string> => {
    const h: Record<string, string> = { authorization: `Bearer ${token}` };
    if (opts.optIn !== undefined) h[opts.optIn.name] = opts.optIn.value;
    return h;
  };
  const request = async (
    token: string,
    sub: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ClientResponse | undefined> => {
    if (samples.length >= opts.maxRequests || Date.now() >= trafficEnd) return undefined;
    const sent = Date.now();
    const r = await send({
      port: opts.port,
      host: spec.host,
      method,
      path,
      headers: headersFor(token),
      body,
      timeoutMs: 5000,
    }).catch(() => undefined);
    const s: Sample = { t: sent, status: r?.status ?? 0, ms: r?.ms ?? 5000 };
    const fault = r?.headers["x-token-chaos"];
    if (fault !== undefined && fault !== "") s.fault = fault;
    const believed = r === undefined ? undefined : field(r, "sub");
    if (typeof believed === "string" && believed !== sub) {
      const account = field(r as ClientResponse, "account") as { role?: unknown } | undefined;
      s.forgedSub =
        typeof account?.role === "string" ? `${believed} (role ${account.role})` : believed;
    }
    samples.push(s);
    return r;
  };
  const ok = (r: ClientResponse | undefined): r is ClientResponse =>
    r !== undefined && r.status >= 200 && r.status < 300;

  const user = async (u: number): Promise<void> => {
    const wait = trafficStart - Date.now() + u * Math.floor(opts.thinkMs / opts.users);
    if (wait > 0) await sleep(wait);
    while (Date.now() < trafficEnd && samples.length < opts.maxRequests) {
      flows++;
      const sub = `user-${u}-${flows}`;
      const token = await opts.issuer.mint({
        sub,
        scope: [...ALL_SCOPES, ...(spec.extraScopes ?? [])],
        claims: spec.claims,
      });
      if (spec.flow === "browse") {
        await request(token, sub, "GET", "/api/catalog");
      } else if (spec.flow === "account") {
        await request(token, sub, "GET", "/api/account");
      } else {
        // A client stops its transaction at the first failure, as a real one would.
        const cart = await request(token, sub, "POST", "/api/cart", {});
        if (ok(cart)) {
          const cartId = field(cart, "cartId");
          const item = await request(token, sub, "POST", "/api/cart/items", {
            cartId,
            sku: "tea-001",
          });
          if (ok(item)) await request(token, sub, "POST", "/api/orders/pay", { cartId });
        }
      }
      await sleep(opts.thinkMs);
    }
  };

  const done = Promise.all(Array.from({ length: opts.users }, (_, u) => user(u))).then(() => {});
  return {
    spec,
    windowStart: opts.windowStart,
    windowEnd: opts.windowEnd,
    trafficStart,
    trafficEnd,
    samples,
    done,
  };
}
