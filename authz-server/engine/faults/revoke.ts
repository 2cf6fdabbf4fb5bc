// revoke (edge only). Each sampled token is allowed for its first `afterRequests` requests and/or
// `afterSeconds` seconds from its first request in the window, then answered with
// 401 invalid_token "The access token has been revoked" for the rest of the window (whichever
// limit is reached first; with neither set the token is revoked at once). While a token is still
// allowed the fault declines, so the experiment's next fault may apply.
// Tokens are keyed by `jti` or `sub` when the JWT has one (key: jti|sub), otherwise by a digest
// of the Authorization value (key: hash, or any credential that is not a JWT).

import type { RevokeKey } from "../../../api/v1alpha1/types.ts";
import { skippedAllow } from "../decisions.ts";
import type { FaultCompiler } from "../fault-runner.ts";
import { digest64 } from "../hash.ts";
import { bearerErrorDeny } from "../rfc6750.ts";
import type { ParsedAuthorization } from "../token.ts";

export const REVOKED_DESCRIPTION = "The access token has been revoked";

const MAX_CLAIM_KEY = 256;

export function revokeKey(auth: ParsedAuthorization, raw: string, key: RevokeKey): string {
  if (auth.kind === "jwt" && key !== "hash") {
    const v = auth.payload[key];
    if (typeof v === "string" && v.length > 0 && v.length <= MAX_CLAIM_KEY) {
      return `${key === "jti" ? "j" : "s"}:${v}`;
    }
  }
  return `h:${digest64(raw)}`;
}

export const compileRevoke: FaultCompiler = (fault, base) => {
  const params = fault.revoke ?? {};
  const key = params.key ?? "jti";
  const afterRequests = params.afterRequests;
  const afterMs = params.afterSeconds === undefined ? undefined : params.afterSeconds * 1000;
  const deny = bearerErrorDeny(base, "invalid_token", REVOKED_DESCRIPTION);
  const skip = skippedAllow(base);
  return ({ view, state, window, bucket, now }) => {
    const raw = view.rawAuthorization;
    if (raw === undefined) return skip;
    const entry = state.revoke.touch(
      bucket,
      window.end,
      revokeKey(view.authorization, raw, key),
      now,
    );
    const revoked =
      (afterRequests === undefined && afterMs === undefined) ||
      (afterRequests !== undefined && entry.count > afterRequests) ||
      (afterMs !== undefined && now - entry.firstSeen >= afterMs);
    return revoked ? deny : undefined;
  };
};
