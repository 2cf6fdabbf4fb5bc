// token-endpoint: the identity provider's token endpoint fails as RFC 6749 section 5.2 says.
// `error` (default temporarily_unavailable unless `status` is given) picks the JSON error and its
// status (400; 401 + challenge for invalid_client; 503 / 500); `status` overrides the status, and
// `status` without `error` answers with the load balancer's outage page instead.
// `grantTypes` limits the fault to requests whose form body has one of those grant_type values;
// a request without a readable form body then does not match and the fault declines.

import type { FaultCompiler } from "../fault-runner.ts";
import { outagePageDeny } from "../outage-page.ts";
import { OAUTH_ERROR_DESCRIPTION, OAUTH_ERROR_STATUS, oauthErrorDeny } from "../rfc6749.ts";

function validStatus(s: number | undefined): number | undefined {
  return s !== undefined && Number.isInteger(s) && s >= 400 && s <= 599 ? s : undefined;
}

export const compileTokenEndpoint: FaultCompiler = (fault, base) => {
  const p = fault.tokenEndpoint ?? {};
  const grantTypes =
    p.grantTypes !== undefined && p.grantTypes.length > 0 ? new Set(p.grantTypes) : undefined;
  const status = validStatus(p.status);
  const error = p.error ?? (status === undefined ? "temporarily_unavailable" : undefined);
  const outage = error === undefined ? outagePageDeny(base, status ?? 503) : undefined;
  return ({ view }) => {
    if (grantTypes !== undefined) {
      const grant = view.formParam("grant_type");
      if (grant === undefined || !grantTypes.has(grant)) return undefined;
    }
    if (error === undefined) return outage;
    return oauthErrorDeny(
      base,
      view,
      error,
      p.description ?? OAUTH_ERROR_DESCRIPTION[error],
      status ?? OAUTH_ERROR_STATUS[error],
    );
  };
};
