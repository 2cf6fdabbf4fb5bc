// The two ways a resource server keeps its identity provider's keys, which behave differently
// when keys rotate:
// - refetch-on-unknown-kid: jose's createRemoteJWKSet, which refetches the key set when a token
//   names a kid it has not seen (at most once per cooldown). It recovers from a rotation at once.
// - trust-cache: fetches the key set, then trusts it for a TTL and never refetches early. A token
//   under a new kid fails until the TTL runs out.
// The key set is fetched with node:http so the request can carry the identity provider's Host
// header while going to a proxy on loopback (fetch() does not let a caller set Host).

import { request } from "node:http";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  customFetch,
  type FetchImplementation,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from "jose";

export const KEY_CACHE_KINDS = ["refetch-on-unknown-kid", "trust-cache"] as const;
export type KeyCacheKind = (typeof KEY_CACHE_KINDS)[number];

export interface KeyCacheOptions {
  kind: KeyCacheKind;
  /** Where the key set is fetched (often a proxy on loopback). */
  url: string;
  /** Host header to send, e.g. the identity provider's in-mesh name. */
  hostHeader?: string;
  /** How long a fetched key set is trusted (trust-cache) or considered fresh (refetch). */
  ttlMs: number;
  /** refetch-on-unknown-kid: minimum time between two fetches. */
  cooldownMs?: number;
}

export interface KeyCache {
  getKey: JWTVerifyGetKey;
  /** Successful and failed fetches so far. */
  fetches(): number;
}

export function createKeyCache(opts: KeyCacheOptions): KeyCache {
  let fetches = 0;
  const fetchImpl: FetchImplementation = async (url, init) => {
    fetches++;
    return hostFetch(url, opts.hostHeader, init.signal);
  };
  if (opts.kind === "refetch-on-unknown-kid") {
    const remote = createRemoteJWKSet(new URL(opts.url), {
      cooldownDuration: opts.cooldownMs ?? 500,
      cacheMaxAge: opts.ttlMs,
      timeoutDuration: 2000,
      [customFetch]: fetchImpl,
    });
    return { getKey: remote, fetches: () => fetches };
  }
  return { getKey: trustingCache(opts, fetchImpl), fetches: () => fetches };
}

function trustingCache(opts: KeyCacheOptions, fetchImpl: FetchImplementation): JWTVerifyGetKey {
  let local: JWTVerifyGetKey | undefined;
  let fetchedAt = 0;
  let pending: Promise<JWTVerifyGetKey> | undefined;
  const load = async (): Promise<JWTVerifyGetKey> => {
    const res = await fetchImpl(opts.url, {
      headers: new Headers({ accept: "application/json" }),
      method: "GET",
      redirect: "manual",
      signal: AbortSignal.timeout(2000),
    });
    if (res.status !== 200) throw new Error(`key set fetch answered ${res.status}`);
    const set = createLocalJWKSet((await res.json()) as JSONWebKeySet);
    local = set;
    fetchedAt = Date.now();
    return set;
  };
  return async (header, token) => {
    if (local === undefined || Date.now() - fetchedAt >= opts.ttlMs) {
      pending ??= load().finally(() => {
        pending = undefined;
      });
      return (await pending)(header, token);
    }
    // Deliberately no refetch on an unknown kid: that is the behaviour under test.
    return local(header, token);
  };
}

function hostFetch(url: string, host: string | undefined, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: "GET",
        headers: { accept: "application/json", ...(host ? { host } : {}) },
        signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (typeof v === "string") headers.set(k, v);
          }
          const status = res.statusCode ?? 502;
          // Response() refuses a body on null-body statuses; the key set is absent then anyway.
          const body = [204, 205, 304].includes(status) ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, headers }));
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}
