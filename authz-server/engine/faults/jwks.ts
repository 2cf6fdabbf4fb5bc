// jwks: the identity provider's JWKS endpoint fails (see key-set.ts for the behaviours).

import type { FaultCompiler } from "../fault-runner.ts";
import { compileKeySet } from "./key-set.ts";

export const JWKS_DOCUMENTS = { empty: '{"keys":[]}', truncated: '{"keys":[{"kty":"RSA","kid":"' };

export const compileJwks: FaultCompiler = (fault, base) =>
  compileKeySet(fault.jwks ?? {}, base, JWKS_DOCUMENTS);
