// The engine's only mutable state, owned by the front end and passed to every decision:
// per-token revoke counters, parsed and re-signed tokens (so a token is decoded, and `rotate`
// signs it, once rather than per request), and the key sets the server fetched for takeovers.
// Tokens held here never leave the process.

import { BoundedCache } from "./bounded-cache.ts";
import type { SigningKeys } from "./keys.ts";
import { RevokeState } from "./revoke-state.ts";
import type { ParsedAuthorization } from "./token.ts";

export const DEFAULT_MAX_TRACKED_TOKENS = 50_000;
const ROTATED_TOKEN_CACHE = 1024;
const PARSED_TOKEN_CACHE = 1024;

export interface EngineState {
  readonly keys: SigningKeys;
  readonly revoke: RevokeState;
  /** Authorization value -> its parsed form (clients reuse a token for many requests). */
  readonly parsed: BoundedCache<ParsedAuthorization>;
  /** "<alg> <token>" -> re-signed token. */
  readonly rotated: BoundedCache<string>;
  /** JWKS URL -> the takeover body (real keys + the engine's public keys), set by the server. */
  readonly takeoverJwks: Map<string, string>;
}

export function createEngineState(opts: {
  keys: SigningKeys;
  maxTrackedTokens?: number;
}): EngineState {
  return {
    keys: opts.keys,
    revoke: new RevokeState(opts.maxTrackedTokens ?? DEFAULT_MAX_TRACKED_TOKENS),
    parsed: new BoundedCache(PARSED_TOKEN_CACHE),
    rotated: new BoundedCache(ROTATED_TOKEN_CACHE),
    takeoverJwks: new Map(),
  };
}
