// JWKS takeover for `rotate`: while the experiment's window is open, requests for the identity
// provider's key set are answered with the real keys plus the engine's public keys, so a
// validator that refetches on an unknown `kid` finds the new key. Fetching the real key set is
// I/O and belongs to the server: it fetches each URL in LoadedPlan.jwksTakeovers and hands the
// result to setTakeoverJwks; until it has, takeover requests pass through to the real endpoint.

import type { SigningKeys } from "./keys.ts";
import type { EngineState } from "./state.ts";
import { isJsonObject } from "./token.ts";

/** The real key set with the engine's public keys appended (real keys with a clashing kid dropped). */
export function jwksWithRotatedKeys(realJwks: unknown, keys: SigningKeys): object {
  const ours = new Set(keys.publicJwks.map((k) => k.kid));
  const base = isJsonObject(realJwks) ? realJwks : {};
  const real = Array.isArray(base.keys)
    ? base.keys.filter((k) => isJsonObject(k) && !(typeof k.kid === "string" && ours.has(k.kid)))
    : [];
  return { ...base, keys: [...real, ...keys.publicJwks] };
}

/** Stores the takeover answer for a JWKS URL (called by the server after each fetch). */
export function setTakeoverJwks(state: EngineState, url: string, realJwks: unknown): void {
  state.takeoverJwks.set(url, JSON.stringify(jwksWithRotatedKeys(realJwks, state.keys)));
}
