// Reading the credential of a request: the Authorization header is split and, when it carries a
// JWS-compact JWT, its header and payload are decoded (never verified). This runs at most once
// per request and only when a candidate experiment needs it.

export type JsonObject = Record<string, unknown>;

export type ParsedAuthorization =
  /** No Authorization header. */
  | { kind: "none" }
  /** A header that is not `Bearer <token>` (another scheme, or a broken value). */
  | { kind: "other"; value: string }
  /** A bearer token that is not a JWT (random string, reference token, ...). */
  | { kind: "opaque"; scheme: string; token: string }
  /** An encrypted token (JWE compact, five segments): the engine cannot read its claims. */
  | { kind: "jwe"; scheme: string; token: string }
  | {
      kind: "jwt";
      scheme: string;
      token: string;
      header: JsonObject;
      payload: JsonObject;
      /** The three compact segments exactly as received. */
      segments: readonly [string, string, string];
    };

/** Tokens longer than this are not decoded (bounds the work an attacker can ask for). */
export const MAX_DECODED_TOKEN_CHARS = 65_536;

const B64URL = /^[A-Za-z0-9_-]+$/;
const B64URL_OR_EMPTY = /^[A-Za-z0-9_-]*$/;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Decodes one base64url JSON segment into an object, or undefined. */
export function decodeJsonSegment(segment: string): JsonObject | undefined {
  if (!B64URL.test(segment)) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return isJsonObject(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function encodeJsonSegment(value: JsonObject): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url");
}

function classify(scheme: string, token: string): ParsedAuthorization {
  if (token.length > MAX_DECODED_TOKEN_CHARS) return { kind: "opaque", scheme, token };
  const parts = token.split(".");
  if (parts.length === 5) {
    const header = decodeJsonSegment(parts[0] ?? "");
    if (header !== undefined && typeof header.enc === "string") {
      return { kind: "jwe", scheme, token };
    }
    return { kind: "opaque", scheme, token };
  }
  if (parts.length !== 3) return { kind: "opaque", scheme, token };
  const [h = "", p = "", s = ""] = parts;
  if (!B64URL_OR_EMPTY.test(s)) return { kind: "opaque", scheme, token };
  const header = decodeJsonSegment(h);
  if (header === undefined || typeof header.alg !== "string") {
    return { kind: "opaque", scheme, token };
  }
  const payload = decodeJsonSegment(p);
  if (payload === undefined) return { kind: "opaque", scheme, token };
  return Object.freeze({
    kind: "jwt",
    scheme,
    token,
    header: Object.freeze(header),
    payload: Object.freeze(payload),
    segments: Object.freeze([h, p, s] as const),
  });
}

/**
 * Parses an Authorization header value. The scheme is matched case-insensitively (RFC 7235);
 * `Bearer`, one or more spaces, then a token without whitespace (RFC 6750 section 2.1).
 */
export function parseAuthorization(value: string | undefined): ParsedAuthorization {
  if (value === undefined) return { kind: "none" };
  const trimmed = value.trim();
  const sp = trimmed.indexOf(" ");
  if (sp <= 0) return { kind: "other", value };
  const scheme = trimmed.slice(0, sp);
  if (scheme.toLowerCase() !== "bearer") return { kind: "other", value };
  const token = trimmed.slice(sp + 1).replace(/^ +/, "");
  if (token.length === 0 || /\s/.test(token)) return { kind: "other", value };
  return classify(scheme, token);
}

/** The claim at `name`: an own property first, else a dotted path into nested objects. */
export function claimValue(payload: JsonObject, name: string): unknown {
  if (Object.hasOwn(payload, name)) return payload[name];
  if (!name.includes(".")) return undefined;
  let cur: unknown = payload;
  for (const part of name.split(".")) {
    if (!isJsonObject(cur) || !Object.hasOwn(cur, part)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** The compact token with its payload replaced; header and signature segments kept byte for byte. */
export function withPayload(
  segments: readonly [string, string, string],
  payload: JsonObject,
): string {
  return `${segments[0]}.${encodeJsonSegment(payload)}.${segments[2]}`;
}
