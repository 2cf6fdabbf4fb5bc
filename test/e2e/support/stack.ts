// The pieces every end-to-end test and the demo start: the authz-server in standalone mode
// (in-process, gRPC + HTTP mode), the token issuer, the demo API (careful and careless variants),
// and a front (real nginx, real Caddy, or the Envoy stand-in) in front of them.

import {
  type AuthzServerOptions,
  type RunningServer,
  startAuthzServer,
} from "../../../authz-server/server.ts";
import { type DemoApi, startDemoApi } from "../demo-api/api.ts";
import { type Issuer, JWKS_PATH, startIssuer } from "../demo-api/issuer.ts";
import type { KeyCacheOptions } from "../demo-api/key-cache.ts";
import { startCaddy } from "../proxies/caddy.ts";
import { startNginx } from "../proxies/nginx.ts";
import type { ProxyRoutes } from "../proxies/render.ts";
import { startEnvoyLike } from "./envoy-like.ts";
import { send } from "./http-client.ts";

export const NAMESPACE = "shop";
export const ISSUER = "https://idp.shop.svc.cluster.local";
export const AUDIENCE = "shop-api";
export const ALL_SCOPES = ["catalog:read", "cart:write", "payments:write"];
export const HOSTS = {
  /** Targeted by no test experiment: the baseline. */
  control: "checkout.shop.svc.cluster.local",
  /** Served by the careless API variant (no signature check). */
  careless: "careless.shop.svc.cluster.local",
  /** Also the careless variant, targeted by the upstream scope experiment. */
  carelessScope: "careless-scope.shop.svc.cluster.local",
  /** The identity provider, for key sets fetched through the proxy. */
  idp: "idp.shop.svc.cluster.local",
};

/** The in-mesh host of a test scenario: its experiment targets only this host. */
export function scenarioHost(name: string): string {
  return `${name}.${NAMESPACE}.svc.cluster.local`;
}

export interface Stack {
  authz: RunningServer;
  issuer: Issuer;
  /** The careful demo API (verifies signatures, refetches keys on an unknown kid). */
  api: DemoApi;
  careless: DemoApi;
  routes: ProxyRoutes;
  close(): Promise<void>;
}

export interface StackOptions {
  /** A TokenChaosExperiment file or folder (standalone mode). */
  experiments: string;
  authz?: Partial<AuthzServerOptions>;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const issuer = await startIssuer({
    issuer: ISSUER,
    audience: AUDIENCE,
    clients: { "shop-frontend": { secret: "demo-secret", scopes: ALL_SCOPES } },
  });
  const keys: KeyCacheOptions = {
    kind: "refetch-on-unknown-kid",
    url: `${issuer.url}${JWKS_PATH}`,
    ttlMs: 600_000,
    cooldownMs: 500,
  };
  const api = await startDemoApi({ issuer: ISSUER, audience: AUDIENCE, keys });
  const careless = await startDemoApi({ issuer: ISSUER, audience: AUDIENCE, keys, careless: true });
  const authz = await startAuthzServer({
    grpcPort: 0,
    httpPort: 0,
    experiments: opts.experiments,
    logLevel: e2eLogLevel(),
    ...opts.authz,
  });
  const routes: ProxyRoutes = {
    defaultPort: api.port,
    byHost: {
      [HOSTS.careless]: careless.port,
      [HOSTS.carelessScope]: careless.port,
      [HOSTS.idp]: issuer.port,
    },
  };
  return {
    authz,
    issuer,
    api,
    careless,
    routes,
    close: async () => {
      await authz.close();
      await Promise.all([api.close(), careless.close(), issuer.close()]);
    },
  };
}

/** The authz-server's own logs stay quiet unless TOKEN_CHAOS_E2E_LOG names a level. */
export function e2eLogLevel(): "silent" | "error" | "warn" | "info" | "debug" {
  const v = process.env.TOKEN_CHAOS_E2E_LOG;
  return v === "error" || v === "warn" || v === "info" || v === "debug" ? v : "silent";
}

export const FRONT_KINDS = ["nginx", "caddy", "envoy"] as const;
export type FrontKind = (typeof FRONT_KINDS)[number];

export interface Front {
  kind: FrontKind;
  /** Fails open when the authorization call fails (Envoy failure_mode_allow, nginx error_page). */
  failOpen: boolean;
  port: number;
  logs(): Promise<string>;
  close(): Promise<void>;
}

/** How long every front waits for a check before treating the call as failed. */
export const CHECK_TIMEOUT_MS = 1000;

/** Path the proxies call on the authz-server's HTTP port (any path works; this one reads well). */
export const AUTH_PATH = "/check";

export async function startFront(
  kind: FrontKind,
  authz: { httpPort?: number; grpcPort: number },
  routes: ProxyRoutes,
  opts: { failOpen?: boolean; port?: number } = {},
): Promise<Front> {
  const failOpen = opts.failOpen === true;
  if (kind === "envoy") {
    const byHost = routes.byHost ?? {};
    const envoy = await startEnvoyLike({
      authz: `127.0.0.1:${authz.grpcPort}`,
      upstreams: { ...byHost, default: routes.defaultPort },
      failureModeAllow: failOpen,
      port: opts.port,
      // grpc_service.timeout: 1 s like the nginx and Caddy configs here, rather than Envoy's
      // 200 ms default, so a busy test machine does not turn slow checks into failures.
      timeoutMs: CHECK_TIMEOUT_MS,
    });
    const front: Front = {
      kind,
      failOpen,
      port: envoy.port,
      logs: async () => JSON.stringify(envoy.outcomes()),
      close: envoy.close,
    };
    return warmUp(front);
  }
  const httpPort = authz.httpPort;
  if (httpPort === undefined) throw new Error("the authz-server was started without HTTP mode");
  const proxy =
    kind === "nginx"
      ? await startNginx({
          authzPort: httpPort,
          authPath: AUTH_PATH,
          routes,
          failOpen,
          port: opts.port,
        })
      : await startCaddy({ authzPort: httpPort, authPath: AUTH_PATH, routes, port: opts.port });
  return warmUp({ kind, failOpen, port: proxy.port, logs: proxy.logs, close: proxy.stop });
}

/**
 * Requests through a front until one passes (bounded: 10 s), before the real traffic: the
 * connections to the authz-server are up and the path works. The first gRPC call pays for the
 * channel's connection, which on a busy machine can exceed the check timeout. Returns the last
 * failure, or undefined once a request passed.
 */
export async function waitUntilPasses(port: number): Promise<string | undefined> {
  const deadline = Date.now() + 10_000;
  let last = "no attempt";
  while (Date.now() < deadline) {
    const r = await send({ port, host: HOSTS.control, path: "/healthz" }).catch((err: unknown) => ({
      status: 0,
      text: String(err),
    }));
    if (r.status === 200) return undefined;
    last = `${r.status} ${r.text}`;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return last;
}

async function warmUp(front: Front): Promise<Front> {
  const failure = await waitUntilPasses(front.port);
  if (failure === undefined) return front;
  const logs = await front.logs();
  await front.close();
  throw new Error(`${front.kind} does not pass requests: ${failure}\n${logs}`);
}
