// expire. Edge: 401 invalid_token "The access token expired". Upstream: `exp` set to
// now - `by` (default 1h; added when the token had none), header and signature left as they were.

import { parseDuration } from "../../../api/plan/schedule.ts";
import { skippedAllow, withAuthorization } from "../decisions.ts";
import type { FaultCompiler } from "../fault-runner.ts";
import { bearerErrorDeny } from "../rfc6750.ts";
import { withPayload } from "../token.ts";

export const EXPIRED_DESCRIPTION = "The access token expired";
export const DEFAULT_EXPIRE_BY_MS = 3_600_000;

export const compileExpire: FaultCompiler = (fault, base) => {
  if (base.form === "edge") {
    const deny = bearerErrorDeny(base, "invalid_token", EXPIRED_DESCRIPTION);
    return () => deny;
  }
  const by = fault.expire?.by;
  const byMs = (by === undefined ? undefined : parseDuration(by)) ?? DEFAULT_EXPIRE_BY_MS;
  const skip = skippedAllow(base);
  return ({ view, now }) => {
    const auth = view.authorization;
    if (auth.kind !== "jwt") return skip;
    const payload = { ...auth.payload, exp: Math.floor((now - byMs) / 1000) };
    return withAuthorization(base, auth.scheme, withPayload(auth.segments, payload));
  };
};
