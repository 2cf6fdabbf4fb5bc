// How the demo API authenticates a request, the way a careful resource server does (RFC 6750):
// a Bearer token in the Authorization header, a JWT verified against the issuer's keys, with
// issuer, audience and expiry checked, then the scope the endpoint needs. Each failure maps to
// the status and WWW-Authenticate challenge RFC 6750 section 3 prescribes.
// The careless variant decodes the token without verifying its signature: it exists so the
// tests can show what the tamper fault catches.

import { decodeJwt, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";

export const REALM = "shop";

export interface AuthOk {
  ok: true;
  claims: JWTPayload;
  scopes: string[];
}

export interface AuthFailure {
  ok: false;
  status: number;
  /** The WWW-Authenticate value, or undefined when the failure is not an auth challenge. */
  challenge?: string;
  error: string;
  description: string;
}

export type AuthResult = AuthOk | AuthFailure;

export interface Verifier {
  issuer: string;
  audience: string;
  getKey: JWTVerifyGetKey;
  careless: boolean;
}

// RFC 6750 section 2.1: credentials = "Bearer" 1*SP b64token; the scheme is case-insensitive
// (RFC 9110 section 11.1). One space only: anything else is a malformed request.
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

export async function authenticate(
  header: string | undefined,
  required: string,
  v: Verifier,
): Promise<AuthResult> {
  if (header === undefined || header === "") return challenge(401);
  const scheme = header.split(" ", 1)[0] ?? "";
  // Another scheme (Basic, Token, ...) means no Bearer credentials at all: a bare challenge.
  if (scheme.toLowerCase() !== "bearer") return challenge(401);
  const m = BEARER.exec(header);
  if (m === null) {
    return challenge(400, "invalid_request", "The Authorization header is not a Bearer token");
  }
  const token = m[1] as string;
  let claims: JWTPayload;
  try {
    claims = v.careless ? decodeCarelessly(token, v) : (await verify(token, v)).payload;
  } catch (err) {
    return tokenFailure(err);
  }
  const scopes = scopesOf(claims);
  if (!scopes.includes(required)) {
    return challenge(403, "insufficient_scope", `This endpoint needs ${required}`, required);
  }
  return { ok: true, claims, scopes };
}

function verify(token: string, v: Verifier) {
  return jwtVerify(token, v.getKey, {
    issuer: v.issuer,
    audience: v.audience,
    algorithms: ["RS256", "PS256", "ES256", "EdDSA"],
    requiredClaims: ["exp", "sub"],
  });
}

/** What a careless service does: trusts the payload, checks only what it can read. */
function decodeCarelessly(token: string, v: Verifier): JWTPayload {
  const claims = decodeJwt(token);
  if (typeof claims.exp !== "number" || claims.exp * 1000 <= Date.now()) {
    throw new errors.JWTExpired("expired", claims, "exp", "check_failed");
  }
  if (claims.iss !== v.issuer) {
    throw new errors.JWTClaimValidationFailed("bad iss", claims, "iss", "check_failed");
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(v.audience)) {
    throw new errors.JWTClaimValidationFailed("bad aud", claims, "aud", "check_failed");
  }
  return claims;
}

function tokenFailure(err: unknown): AuthFailure {
  if (err instanceof errors.JWTExpired) return invalidToken("The access token expired");
  if (err instanceof errors.JWKSNoMatchingKey) return invalidToken("unknown key");
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return invalidToken("The access token signature is invalid");
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    return invalidToken(`The ${err.claim} claim is invalid`);
  }
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSEAlgNotAllowed ||
    err instanceof errors.JOSENotSupported ||
    err instanceof SyntaxError ||
    err instanceof TypeError
  ) {
    return invalidToken("The access token is malformed");
  }
  // The key set could not be fetched or read: the service cannot decide, so it says so
  // instead of blaming the client's token.
  return {
    ok: false,
    status: 503,
    error: "temporarily_unavailable",
    description: "The signing keys are unavailable",
  };
}

function invalidToken(description: string): AuthFailure {
  return challenge(401, "invalid_token", description);
}

function challenge(
  status: number,
  error?: string,
  description?: string,
  scope?: string,
): AuthFailure {
  const parts = [`realm="${REALM}"`];
  if (error !== undefined) parts.push(`error="${error}"`);
  if (description !== undefined) parts.push(`error_description="${description}"`);
  if (scope !== undefined) parts.push(`scope="${scope}"`);
  return {
    ok: false,
    status,
    challenge: `Bearer ${parts.join(", ")}`,
    error: error ?? "unauthorized",
    description: description ?? "A Bearer token is required",
  };
}

function scopesOf(claims: JWTPayload): string[] {
  const raw = claims.scope ?? claims.scp;
  if (typeof raw === "string") return raw.split(" ").filter((s) => s !== "");
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === "string");
  return [];
}
