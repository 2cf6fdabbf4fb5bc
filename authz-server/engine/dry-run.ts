// dryRun: the request goes through untouched, and the decision says what enforce would have
// done (as a token-free summary: kinds, statuses, header names, never header values).

import type { AllowDecision, Decision, DecisionReason, DryRunOutcome } from "./types.ts";

export function summarize(d: Decision): DryRunOutcome {
  switch (d.kind) {
    case "allow":
      return {
        kind: "allow",
        delayMs: d.delayMs,
        setHeaders: d.setHeaders.map((h) => h.name),
        removeHeaders: [...d.removeHeaders],
      };
    case "deny":
      return {
        kind: "deny",
        status: d.status,
        delayMs: d.delayMs,
        setHeaders: [],
        removeHeaders: [],
      };
    case "error":
      return {
        kind: "error",
        status: d.httpStatus,
        grpcCode: d.grpcCode,
        delayMs: d.delayMs,
        setHeaders: [],
        removeHeaders: [],
      };
  }
}

export function dryRunAllow(enforced: Decision, reason: DecisionReason): AllowDecision {
  return {
    kind: "allow",
    setHeaders: [],
    removeHeaders: [],
    responseHeaders: [],
    delayMs: 0,
    reason,
    wouldHave: summarize(enforced),
  };
}
