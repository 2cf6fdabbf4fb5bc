// malformed. Edge: 400 invalid_request. Upstream: the Authorization header value is rewritten
// into one named variant (token = the request's bearer token, scheme = its scheme as sent):
//   no-scheme         <token>
//   empty-token       <scheme>                 (nothing after the scheme)
//   wrong-scheme      Basic <token>
//   lowercase-scheme  bearer <token>
//   extra-spaces      <scheme>  <token>        (two spaces)
//   two-segments      <scheme> <header>.<payload>             (JWT only)
//   bad-base64        <scheme> <header>.*<payload minus its first character>.<signature>
//                     (JWT only; "*" is outside base64url, and a lenient decoder that skips it
//                     decodes the rest shifted by six bits, so both kinds of decoder fail)
//   oversize          <scheme> <token>AAAA...  (value padded to 32 KiB: past the default header
//                     limits of nginx, Tomcat and Node.js, within Envoy's 60 KiB)

import type { MalformedVariant } from "../../../api/v1alpha1/types.ts";
import { mutateAllow, skippedAllow } from "../decisions.ts";
import type { FaultCompiler } from "../fault-runner.ts";
import { bearerErrorDeny } from "../rfc6750.ts";
import type { ParsedAuthorization } from "../token.ts";

export const MALFORMED_DESCRIPTION = "The Authorization header is malformed";
export const OVERSIZE_HEADER_BYTES = 32_768;

const PADDING = "A".repeat(OVERSIZE_HEADER_BYTES);

/** The rewritten header value, or undefined when the request has nothing to rewrite. */
export function malformedValue(
  auth: ParsedAuthorization,
  variant: MalformedVariant,
): string | undefined {
  if (auth.kind === "none" || auth.kind === "other") return undefined;
  const { scheme, token } = auth;
  switch (variant) {
    case "no-scheme":
      return token;
    case "empty-token":
      return scheme;
    case "wrong-scheme":
      return `Basic ${token}`;
    case "lowercase-scheme":
      return `bearer ${token}`;
    case "extra-spaces":
      return `${scheme}  ${token}`;
    case "two-segments":
      if (auth.kind !== "jwt") return undefined;
      return `${scheme} ${auth.segments[0]}.${auth.segments[1]}`;
    case "bad-base64": {
      if (auth.kind !== "jwt") return undefined;
      const [h, p, s] = auth.segments;
      return `${scheme} ${h}.*${p.slice(1)}.${s}`;
    }
    case "oversize": {
      const value = `${scheme} ${token}`;
      const pad = OVERSIZE_HEADER_BYTES - value.length;
      return pad > 0 ? value + PADDING.slice(0, pad) : value + PADDING.slice(0, 1);
    }
  }
}

export const compileMalformed: FaultCompiler = (fault, base) => {
  if (base.form === "edge") {
    const deny = bearerErrorDeny(base, "invalid_request", MALFORMED_DESCRIPTION);
    return () => deny;
  }
  const variant = fault.malformed?.variant ?? "no-scheme";
  const skip = skippedAllow(base);
  return ({ view }) => {
    const value = malformedValue(view.authorization, variant);
    if (value === undefined) return skip;
    return mutateAllow(base, [{ name: "authorization", value }], []);
  };
};
