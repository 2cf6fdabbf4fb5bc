// OAuth 2.0 error answers as an authorization server sends them (RFC 6749 section 5.2): a JSON
// body {"error","error_description"} with Cache-Control: no-store and Pragma: no-cache; 400 for
// request errors, 401 with a challenge for invalid_client, and the 5xx statuses providers use in
// practice for temporarily_unavailable (503) and server_error (500).

import type { TokenEndpointError } from "../../api/v1alpha1/types.ts";
import { correlationHeaders } from "./decisions.ts";
import type { FaultBase } from "./fault-runner.ts";
import type { RequestView } from "./request-view.ts";
import type { DenyDecision, HeaderValue } from "./types.ts";

export const OAUTH_ERROR_STATUS: Record<TokenEndpointError, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  temporarily_unavailable: 503,
  server_error: 500,
};

export const OAUTH_ERROR_DESCRIPTION: Record<TokenEndpointError, string> = {
  invalid_request: "The request is missing a required parameter or is otherwise malformed",
  invalid_client: "Client authentication failed",
  invalid_grant: "The provided authorization grant or refresh token is invalid, expired or revoked",
  unauthorized_client: "The client is not authorized to use this authorization grant type",
  unsupported_grant_type: "The authorization grant type is not supported",
  invalid_scope: "The requested scope is invalid, unknown or malformed",
  temporarily_unavailable: "The authorization server is temporarily unavailable",
  server_error: "The authorization server encountered an unexpected condition",
};

/** The error an authorization server names for a bare status. */
export function oauthErrorForStatus(status: number): TokenEndpointError {
  if (status === 401) return "invalid_client";
  if (status === 503) return "temporarily_unavailable";
  if (status >= 500) return "server_error";
  return "invalid_request";
}

/**
 * RFC 6749 5.2: a client that authenticated with the Authorization header gets a challenge in its
 * own scheme; otherwise Basic, the scheme every server must support (realm = the host asked).
 */
export function clientChallenge(view: RequestView): string {
  const raw = view.rawAuthorization?.trim() ?? "";
  const scheme = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*/.exec(raw)?.[0] ?? "Basic";
  const realm = view.attrs.host.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, "");
  return `${scheme} realm="${realm}"`;
}

const NO_STORE: readonly HeaderValue[] = [
  { name: "cache-control", value: "no-store" },
  { name: "pragma", value: "no-cache" },
];

export function oauthErrorDeny(
  base: FaultBase,
  view: RequestView,
  error: TokenEndpointError,
  description: string,
  status: number,
): DenyDecision {
  const headers: HeaderValue[] = [{ name: "content-type", value: "application/json" }, ...NO_STORE];
  if (status === 401) headers.push({ name: "www-authenticate", value: clientChallenge(view) });
  headers.push(...correlationHeaders(base));
  return {
    kind: "deny",
    status,
    headers,
    body: JSON.stringify({ error, error_description: description }),
    delayMs: 0,
    reason: base.reason,
  };
}
