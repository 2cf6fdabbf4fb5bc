// Building decisions. Decisions are read-only: the fixed answers of edge forms are built once
// when the plan is loaded, frozen, and returned as is for every request they answer.

import type { FaultBase } from "./fault-runner.ts";
import type { AllowDecision, DenyDecision, HeaderValue } from "./types.ts";

export const CORRELATION_HEADER = "x-token-chaos";

export function correlationHeaders(base: FaultBase): HeaderValue[] {
  return base.correlation ? [{ name: CORRELATION_HEADER, value: base.type }] : [];
}

function freezeHeaders(headers: HeaderValue[]): HeaderValue[] {
  return Object.freeze(headers.map((h) => Object.freeze({ ...h }))) as HeaderValue[];
}

/** A deny answer (correlation header appended when enabled), frozen for reuse. */
export function fixedDeny(
  base: FaultBase,
  status: number,
  headers: HeaderValue[],
  body: string,
): DenyDecision {
  return Object.freeze({
    kind: "deny",
    status,
    headers: freezeHeaders([...headers, ...correlationHeaders(base)]),
    body,
    delayMs: 0,
    reason: base.reason,
  });
}

/** A JSON deny answer with `content-type: application/json`. */
export function fixedJsonDeny(
  base: FaultBase,
  status: number,
  body: Record<string, unknown>,
  extraHeaders: HeaderValue[] = [],
): DenyDecision {
  return fixedDeny(
    base,
    status,
    [{ name: "content-type", value: "application/json" }, ...extraHeaders],
    JSON.stringify(body),
  );
}

/** Pass-through counted as skipped: the fault needed a JWT and the request carried none. */
export function skippedAllow(base: FaultBase): AllowDecision {
  return Object.freeze({
    kind: "allow",
    setHeaders: [],
    removeHeaders: [],
    responseHeaders: [],
    delayMs: 0,
    reason: base.skippedReason,
  }) as AllowDecision;
}

/** Forward the request with request headers set and/or removed (upstream forms). */
export function mutateAllow(
  base: FaultBase,
  setHeaders: HeaderValue[],
  removeHeaders: string[],
): AllowDecision {
  return {
    kind: "allow",
    setHeaders,
    removeHeaders,
    responseHeaders: correlationHeaders(base),
    delayMs: 0,
    reason: base.reason,
  };
}

/** Forward the request with its Authorization header replaced, keeping the client's scheme text. */
export function withAuthorization(base: FaultBase, scheme: string, token: string): AllowDecision {
  return mutateAllow(base, [{ name: "authorization", value: `${scheme} ${token}` }], []);
}
