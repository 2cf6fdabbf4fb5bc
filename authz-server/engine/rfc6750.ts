// Bearer token error answers as resource servers and gateways send them (RFC 6750 section 3):
// a `WWW-Authenticate: Bearer` challenge with error, error_description and scope attributes,
// and the same error as a JSON body.

import { fixedDeny, fixedJsonDeny } from "./decisions.ts";
import type { FaultBase } from "./fault-runner.ts";
import type { DenyDecision } from "./types.ts";

export type BearerError = "invalid_request" | "invalid_token" | "insufficient_scope";

const STATUS: Record<BearerError, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
};

/** RFC 6750 permits only %x20-21 / %x23-5B / %x5D-7E in these attributes: drop anything else. */
function attr(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, "");
}

export function bearerChallenge(error?: BearerError, description?: string, scope?: string): string {
  const params: string[] = [];
  if (error !== undefined) params.push(`error="${error}"`);
  if (description !== undefined) params.push(`error_description="${attr(description)}"`);
  if (scope !== undefined && scope !== "") params.push(`scope="${attr(scope)}"`);
  return params.length === 0 ? "Bearer" : `Bearer ${params.join(", ")}`;
}

/** The full error answer: status by error code, challenge header, JSON body. */
export function bearerErrorDeny(
  base: FaultBase,
  error: BearerError,
  description: string,
  options: { scope?: string; challengeDescription?: boolean } = {},
): DenyDecision {
  const inChallenge = options.challengeDescription ?? true;
  return fixedJsonDeny(base, STATUS[error], { error, error_description: description }, [
    {
      name: "www-authenticate",
      value: bearerChallenge(error, inChallenge ? description : undefined, options.scope),
    },
  ]);
}

/** A request with no credentials: 401 and a bare `Bearer` challenge, no error details (3.1). */
export function missingTokenDeny(base: FaultBase): DenyDecision {
  return fixedDeny(base, 401, [{ name: "www-authenticate", value: "Bearer" }], "");
}
