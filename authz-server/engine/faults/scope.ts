// scope. Edge: 403 with `WWW-Authenticate: Bearer error="insufficient_scope", scope="<required>"`.
// Upstream: the named scopes (`remove`, else `require`, else all) are taken out of the
// space-separated `scope` claim and the `scp` claim (array or string); signature unchanged.

import { skippedAllow, withAuthorization } from "../decisions.ts";
import type { FaultCompiler } from "../fault-runner.ts";
import { bearerErrorDeny } from "../rfc6750.ts";
import { withPayload } from "../token.ts";

export const INSUFFICIENT_SCOPE_DESCRIPTION =
  "The request requires higher privileges than provided by the access token";

function splitScopes(s: string): string[] {
  return s.split(" ").filter((x) => x !== "");
}

export const compileScope: FaultCompiler = (fault, base) => {
  const params = fault.scope ?? {};
  if (base.form === "edge") {
    const deny = bearerErrorDeny(base, "insufficient_scope", INSUFFICIENT_SCOPE_DESCRIPTION, {
      scope: (params.require ?? []).join(" "),
      challengeDescription: false,
    });
    return () => deny;
  }
  const named = params.remove ?? params.require ?? [];
  const removeAll = named.length === 0;
  const remove = new Set(named);
  const keep = (s: unknown): boolean => !removeAll && !(typeof s === "string" && remove.has(s));
  const skip = skippedAllow(base);
  return ({ view }) => {
    const auth = view.authorization;
    if (auth.kind !== "jwt") return skip;
    const payload = { ...auth.payload };
    let touched = false;
    if (typeof payload.scope === "string") {
      payload.scope = splitScopes(payload.scope).filter(keep).join(" ");
      touched = true;
    }
    if (typeof payload.scp === "string") {
      payload.scp = splitScopes(payload.scp).filter(keep).join(" ");
      touched = true;
    } else if (Array.isArray(payload.scp)) {
      payload.scp = payload.scp.filter(keep);
      touched = true;
    }
    // A token with no scope claims has nothing to remove: pass it through, counted as skipped.
    if (!touched) return skip;
    return withAuthorization(base, auth.scheme, withPayload(auth.segments, payload));
  };
};
