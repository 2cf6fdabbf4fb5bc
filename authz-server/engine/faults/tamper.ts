// tamper (upstream only): the chosen claims are set or removed, header and signature segments
// left byte for byte, so only a validator that checks the signature notices.

import { skippedAllow, withAuthorization } from "../decisions.ts";
import type { FaultCompiler } from "../fault-runner.ts";
import { withPayload } from "../token.ts";

export const compileTamper: FaultCompiler = (fault, base) => {
  const claims = fault.tamper?.claims ?? [];
  const skip = skippedAllow(base);
  return ({ view }) => {
    const auth = view.authorization;
    if (auth.kind !== "jwt") return skip;
    const payload = { ...auth.payload };
    for (const c of claims) {
      if (c.remove === true) delete payload[c.name];
      else payload[c.name] = c.value ?? null;
    }
    return withAuthorization(base, auth.scheme, withPayload(auth.segments, payload));
  };
};
