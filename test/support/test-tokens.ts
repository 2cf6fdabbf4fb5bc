// Real signed JWTs for tests (RS256, generated key), and helpers to look inside them.

import { type CryptoKey, generateKeyPair, type JWTPayload, SignJWT } from "jose";

let keyPair: Promise<{ privateKey: CryptoKey }> | undefined;

export const TEST_KID = "test-key-1";

/** An RS256 JWT with the given claims (iat/exp default to now / now + 1h). */
export async function signedToken(claims: JWTPayload = {}): Promise<string> {
  keyPair ??= generateKeyPair("RS256");
  const { privateKey } = await keyPair;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + 3600, ...claims })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: TEST_KID })
    .sign(privateKey);
}

export interface TokenParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
  signingInput: string;
}

/** Splits a compact JWS without verifying it. */
export function tokenParts(token: string): TokenParts {
  const [h, p, s] = token.split(".");
  if (h === undefined || p === undefined || s === undefined) throw new Error("not a JWS");
  const json = (seg: string) => JSON.parse(Buffer.from(seg, "base64url").toString("utf8"));
  return { header: json(h), payload: json(p), signature: s, signingInput: `${h}.${p}` };
}

/** The token in an Authorization header value ("Bearer x.y.z" -> "x.y.z"). */
export function bearer(value: string | undefined): string | undefined {
  const m = value?.match(/^Bearer\s+(\S+)$/);
  return m?.[1];
}
