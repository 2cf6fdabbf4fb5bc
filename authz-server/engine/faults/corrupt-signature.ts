// corrupt-signature. Edge: 401 invalid_token "The access token signature is invalid".
// Upstream: the signature bytes are altered, header and payload kept:
//   flip     - the lowest bit of the first signature byte inverted
//   truncate - only the first half of the signature bytes kept
//   zero     - every signature byte set to 0, length kept
// An empty signature (alg "none") becomes one zero byte, so every method changes it.

import type { SignatureCorruption } from "../../../api/v1alpha1/types.ts";
import { skippedAllow, withAuthorization } from "../decisions.ts";
import type { FaultCompiler } from "../fault-runner.ts";
import { bearerErrorDeny } from "../rfc6750.ts";

export const BAD_SIGNATURE_DESCRIPTION = "The access token signature is invalid";

export function corruptSignature(signature: string, method: SignatureCorruption): string {
  const bytes = Buffer.from(signature, "base64url");
  if (bytes.length === 0) return "AA";
  switch (method) {
    case "flip": {
      const out = Buffer.from(bytes);
      out[0] = (out[0] ?? 0) ^ 0x01;
      return out.toString("base64url");
    }
    case "truncate":
      return bytes.subarray(0, Math.floor(bytes.length / 2)).toString("base64url");
    case "zero":
      return Buffer.alloc(bytes.length).toString("base64url");
  }
}

export const compileCorruptSignature: FaultCompiler = (fault, base) => {
  if (base.form === "edge") {
    const deny = bearerErrorDeny(base, "invalid_token", BAD_SIGNATURE_DESCRIPTION);
    return () => deny;
  }
  const method = fault.corruptSignature?.method ?? "flip";
  const skip = skippedAllow(base);
  return ({ view }) => {
    const auth = view.authorization;
    if (auth.kind !== "jwt") return skip;
    const [h, p, s] = auth.segments;
    return withAuthorization(base, auth.scheme, `${h}.${p}.${corruptSignature(s, method)}`);
  };
};
