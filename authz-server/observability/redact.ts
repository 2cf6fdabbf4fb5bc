// Scrubs credentials out of anything about to be logged. Safety invariant: a token never
// reaches a log line, whatever field or message it hides in. Applied to every log call,
// so it must be cheap for the common case (short strings without secrets).

export const REDACTED = "[REDACTED]";

/** Keys whose values are always secrets, compared lower-case with '-' and '_' ignored. */
const SECRET_KEYS = new Set(
  [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "apikey",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "password",
    "secret",
    "jwt",
    "bearer",
    "x-auth-token",
    "x-access-token",
  ].map(normaliseKey),
);

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, "");
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(normaliseKey(key));
}

// A JWS/JWE compact serialisation: base64url of a JSON header ("eyJ") and 2-4 more segments.
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*){1,4}/g;
// Credentials after an auth scheme, e.g. in a quoted header value.
const SCHEME_CREDENTIAL = /\b(Bearer|Basic|Token|Digest|Negotiate|DPoP|MAC)\s+[^\s,;"'}]+/gi;
// key=value secrets in query strings and form bodies.
const KEY_VALUE_SECRET =
  /\b(access_token|refresh_token|id_token|token|client_secret|password|api_?key|code)=([^&\s"']+)/gi;
// Long runs that mix upper case, lower case and digits: opaque tokens and API keys.
const OPAQUE_RUN = /[A-Za-z0-9_+/=-]{32,}/g;

function looksOpaque(run: string): boolean {
  return /[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run);
}

/** Removes token-like substrings from a string. */
export function redactString(s: string): string {
  // Fast path: nothing long enough to be a credential.
  if (s.length < 16) return s;
  let out = s.replace(JWT_LIKE, REDACTED);
  out = out.replace(SCHEME_CREDENTIAL, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(KEY_VALUE_SECRET, (_m, key: string) => `${key}=${REDACTED}`);
  out = out.replace(OPAQUE_RUN, (run) => (looksOpaque(run) ? REDACTED : run));
  return out;
}

const MAX_DEPTH = 8;

/**
 * Returns a copy of `value` with secret keys blanked and token-like strings scrubbed.
 * Errors become plain objects (type, message, stack, code) so nothing escapes unscrubbed.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactString(value);
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_DEPTH) return "[depth limit]";
  if (value instanceof Error) {
    const err: Record<string, unknown> = {
      type: value.name,
      message: redactString(value.message),
    };
    if (value.stack !== undefined) err.stack = redactString(value.stack);
    const code = (value as { code?: unknown }).code;
    if (typeof code === "string" || typeof code === "number") err.code = code;
    return err;
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}
