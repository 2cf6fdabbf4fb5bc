// discovery: the OpenID Provider configuration (/.well-known/openid-configuration) fails
// (see key-set.ts for the behaviours; `staleKeys` holds the stale document).

import type { FaultCompiler } from "../fault-runner.ts";
import { compileKeySet } from "./key-set.ts";

export const DISCOVERY_DOCUMENTS = { empty: "{}", truncated: '{"issuer":"' };

export const compileDiscovery: FaultCompiler = (fault, base) =>
  compileKeySet(fault.discovery ?? {}, base, DISCOVERY_DOCUMENTS);
