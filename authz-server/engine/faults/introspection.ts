// introspection (RFC 7662). inactive (default): 200 application/json `{"active":false}`, the
// answer a resource server gets for a revoked or unknown token. error: `status` (default 503)
// with the RFC 6749 error JSON for that status (401 invalid_client with a challenge, 400
// invalid_request, 503 temporarily_unavailable, other 5xx server_error).
// Sticky sampling keys on the introspected token (form parameter `token`), so the same token
// stays inactive for the whole window.

import { fixedJsonDeny } from "../decisions.ts";
import type { FaultCompiler } from "../fault-runner.ts";
import { OAUTH_ERROR_DESCRIPTION, oauthErrorDeny, oauthErrorForStatus } from "../rfc6749.ts";

export const compileIntrospection: FaultCompiler = (fault, base) => {
  const p = fault.introspection ?? {};
  if ((p.behaviour ?? "inactive") === "inactive") {
    const deny = fixedJsonDeny(base, 200, { active: false });
    return () => deny;
  }
  const status =
    p.status !== undefined && Number.isInteger(p.status) && p.status >= 400 && p.status <= 599
      ? p.status
      : 503;
  const error = oauthErrorForStatus(status);
  return ({ view }) => oauthErrorDeny(base, view, error, OAUTH_ERROR_DESCRIPTION[error], status);
};
