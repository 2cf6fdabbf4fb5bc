// The demo shop API that sits behind the proxies: a catalog, the caller's account and a
// three-step checkout flow (create cart -> add item -> pay), each endpoint needing its own scope, so a token that breaks
// half-way through a transaction shows as later steps failing. Test scaffolding, not product code.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { JWTPayload } from "jose";
import { authenticate, type Verifier } from "./bearer-auth.ts";
import { closeServer, readBody, sendJson } from "./issuer.ts";
import { createKeyCache, type KeyCacheOptions } from "./key-cache.ts";

export interface DemoApiOptions {
  issuer: string;
  audience: string;
  keys: KeyCacheOptions;
  /** Skip signature verification (the finding the tamper fault exists to catch). */
  careless?: boolean;
  port?: number;
}

export interface DemoApi {
  url: string;
  port: number;
  /** Key set fetches so far (shows refetching vs. trusting the cache). */
  keyFetches(): number;
  close(): Promise<void>;
}

interface Route {
  method: string;
  path: string;
  scope: string;
  run(
    sub: string,
    body: Record<string, unknown>,
    claims: JWTPayload,
  ): { status: number; body: unknown };
}

interface Cart {
  owner: string;
  items: { sku: string; qty: number }[];
}

const MAX_CARTS = 10_000;

export async function startDemoApi(opts: DemoApiOptions): Promise<DemoApi> {
  const keys = createKeyCache(opts.keys);
  const verifier: Verifier = {
    issuer: opts.issuer,
    audience: opts.audience,
    getKey: keys.getKey,
    careless: opts.careless === true,
  };
  const carts = new Map<string, Cart>();
  const routes = shopRoutes(carts);

  const server = createServer((req, res) => {
    handle(req, res).catch(() => sendJson(res, 500, { error: "internal" }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      sendJson(res, 200, { ok: true });
      return;
    }
    const route = routes.find((r) => r.path === path);
    if (route === undefined) {
      sendJson(res, 404, { error: "not_found" });
      return;
    }
    if (route.method !== req.method) {
      sendJson(res, 405, { error: "method_not_allowed" }, { allow: route.method });
      return;
    }
    const auth = await authenticate(req.headers.authorization, route.scope, verifier);
    if (!auth.ok) {
      const headers: Record<string, string> = auth.challenge
        ? { "www-authenticate": auth.challenge }
        : {};
      sendJson(
        res,
        auth.status,
        { error: auth.error, error_description: auth.description },
        headers,
      );
      return;
    }
    const body = req.method === "POST" ? parseJson(await readBody(req)) : {};
    const sub = typeof auth.claims.sub === "string" ? auth.claims.sub : "";
    const out = route.run(sub, body, auth.claims);
    // The subject the service believed: makes a tampered identity visible to the client.
    sendJson(res, out.status, { sub, ...(out.body as object) });
  }

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    keyFetches: keys.fetches,
    close: () => closeServer(server),
  };
}

function shopRoutes(carts: Map<string, Cart>): Route[] {
  const ownCart = (sub: string, body: Record<string, unknown>): Cart | undefined => {
    const cart = typeof body.cartId === "string" ? carts.get(body.cartId) : undefined;
    return cart?.owner === sub ? cart : undefined;
  };
  return [
    {
      method: "GET",
      path: "/api/catalog",
      scope: "catalog:read",
      run: () => ({
        status: 200,
        body: {
          items: [
            { sku: "tea-001", name: "Green tea", price: 4.5 },
            { sku: "mug-002", name: "Mug", price: 9 },
          ],
        },
      }),
    },
    {
      // The caller's own account, as the token says who the caller is: a forged sub or role
      // shows here as another user's account, or admin rights.
      method: "GET",
      path: "/api/account",
      scope: "account:read",
      run: (sub, _body, claims) => ({
        status: 200,
        body: {
          account: { id: sub, role: typeof claims.role === "string" ? claims.role : "customer" },
        },
      }),
    },
    {
      method: "POST",
      path: "/api/cart",
      scope: "cart:write",
      run: (sub) => {
        if (carts.size >= MAX_CARTS) {
          const oldest = carts.keys().next().value;
          if (oldest !== undefined) carts.delete(oldest);
        }
        const cartId = randomUUID();
        carts.set(cartId, { owner: sub, items: [] });
        return { status: 201, body: { cartId } };
      },
    },
    {
      method: "POST",
      path: "/api/cart/items",
      scope: "cart:write",
      run: (sub, body) => {
        const cart = ownCart(sub, body);
        if (cart === undefined) return { status: 404, body: { error: "no_such_cart" } };
        const sku = typeof body.sku === "string" ? body.sku : "tea-001";
        const qty = typeof body.qty === "number" ? body.qty : 1;
        cart.items.push({ sku, qty });
        return { status: 200, body: { cartId: body.cartId, items: cart.items.length } };
      },
    },
    {
      method: "POST",
      path: "/api/orders/pay",
      scope: "payments:write",
      run: (sub, body) => {
        const cart = ownCart(sub, body);
        if (cart === undefined) return { status: 404, body: { error: "no_such_cart" } };
        if (cart.items.length === 0) return { status: 409, body: { error: "empty_cart" } };
        carts.delete(body.cartId as string);
        return { status: 201, body: { orderId: randomUUID(), items: cart.items.length } };
      },
    },
  ];
}

function parseJson(text: string): Record<string, unknown> {
  if (text === "") return {};
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
