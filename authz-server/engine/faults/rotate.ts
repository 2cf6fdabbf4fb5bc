// rotate. Edge: 401 invalid_token, the key is unknown. Upstream: the token is re-signed with the
// engine's start-up key under that key's new `kid`; the payload segment is kept byte for byte.
// With algorithm "auto" the token keeps its own family: RS*/PS* -> RSA (same alg), ES* -> ES256
// on P-256, EdDSA/Ed25519 -> Ed25519, HS* -> the engine's random HMAC secret (same alg); any
// other alg (e.g. "none") becomes RS256. Header members naming the old key (x5c, x5t, x5t#S256,
// jwk) are dropped. Each distinct token is signed once and then served from a bounded cache.

import type { RotateAlgorithm } from "../../../api/v1alpha1/types.ts";
import { skippedAllow, withAuthorization } from "../decisions.ts";
import type { FaultCompiler } from "../fault-runner.ts";
import { familyOf, type SigningKeys, signJws } from "../keys.ts";
import { bearerErrorDeny } from "../rfc6750.ts";
import { encodeJsonSegment, type JsonObject } from "../token.ts";

export const UNKNOWN_KEY_DESCRIPTION = "The access token is signed with an unknown key";

const DROPPED_HEADER_MEMBERS = ["x5c", "x5t", "x5t#S256", "jwk"];

export function rotationAlgorithm(tokenAlg: unknown, requested: RotateAlgorithm): string {
  if (requested !== "auto") return requested;
  if (typeof tokenAlg !== "string") return "RS256";
  if (/^ES(256|384|512)$/.test(tokenAlg)) return "ES256";
  return familyOf(tokenAlg) !== undefined ? tokenAlg : "RS256";
}

/** Re-signs a JWS-compact token; undefined when the algorithm cannot be signed. */
export function resign(
  keys: SigningKeys,
  header: JsonObject,
  payloadSegment: string,
  alg: string,
): string | undefined {
  const family = familyOf(alg);
  if (family === undefined) return undefined;
  const newHeader: JsonObject = { ...header, alg, kid: keys.kids[family] };
  for (const m of DROPPED_HEADER_MEMBERS) delete newHeader[m];
  const input = `${encodeJsonSegment(newHeader)}.${payloadSegment}`;
  const signature = signJws(keys, alg, input);
  return signature === undefined ? undefined : `${input}.${signature}`;
}

export const compileRotate: FaultCompiler = (fault, base) => {
  if (base.form === "edge") {
    const deny = bearerErrorDeny(base, "invalid_token", UNKNOWN_KEY_DESCRIPTION);
    return () => deny;
  }
  const requested = fault.rotate?.algorithm ?? "auto";
  const skip = skippedAllow(base);
  return ({ view, state }) => {
    const auth = view.authorization;
    if (auth.kind !== "jwt") return skip;
    const alg = rotationAlgorithm(auth.header.alg, requested);
    const cacheKey = `${alg} ${auth.token}`;
    let token = state.rotated.get(cacheKey);
    if (token === undefined) {
      token = resign(state.keys, auth.header, auth.segments[1], alg);
      if (token === undefined) return skip;
      state.rotated.set(cacheKey, token);
    }
    return withAuthorization(base, auth.scheme, token);
  };
};
