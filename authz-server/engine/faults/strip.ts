// strip. Edge: 401 with a bare `WWW-Authenticate: Bearer` (a request without credentials gets no
// error code, RFC 6750 section 3.1) and an empty body. Upstream: the Authorization header is
// removed; a request without one passes through, counted as skipped.

import { mutateAllow, skippedAllow } from "../decisions.ts";
import type { FaultCompiler } from "../fault-runner.ts";
import { missingTokenDeny } from "../rfc6750.ts";

export const compileStrip: FaultCompiler = (_fault, base) => {
  if (base.form === "edge") {
    const deny = missingTokenDeny(base);
    return () => deny;
  }
  const skip = skippedAllow(base);
  return ({ view }) =>
    view.rawAuthorization === undefined ? skip : mutateAllow(base, [], ["authorization"]);
};
