// Which module compiles which fault.

import type { FaultType } from "../../../api/v1alpha1/types.ts";
import type { FaultCompiler } from "../fault-runner.ts";
import { compileCorruptSignature } from "./corrupt-signature.ts";
import { compileDelay } from "./delay.ts";
import { compileDeny } from "./deny.ts";
import { compileDiscovery } from "./discovery.ts";
import { compileError } from "./error.ts";
import { compileExpire } from "./expire.ts";
import { compileIntrospection } from "./introspection.ts";
import { compileJwks } from "./jwks.ts";
import { compileMalformed } from "./malformed.ts";
import { compileRevoke } from "./revoke.ts";
import { compileRotate } from "./rotate.ts";
import { compileScope } from "./scope.ts";
import { compileStrip } from "./strip.ts";
import { compileTamper } from "./tamper.ts";
import { compileTokenEndpoint } from "./token-endpoint.ts";

export const FAULT_COMPILERS: Readonly<Record<FaultType, FaultCompiler>> = {
  expire: compileExpire,
  revoke: compileRevoke,
  scope: compileScope,
  tamper: compileTamper,
  "corrupt-signature": compileCorruptSignature,
  rotate: compileRotate,
  malformed: compileMalformed,
  strip: compileStrip,
  delay: compileDelay,
  error: compileError,
  deny: compileDeny,
  "token-endpoint": compileTokenEndpoint,
  introspection: compileIntrospection,
  jwks: compileJwks,
  discovery: compileDiscovery,
};
