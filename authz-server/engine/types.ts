// The one small interface between the front ends (gRPC, HTTP) and the fault engine:
// request attributes in, a decision out. Front ends translate their protocol to
// CheckAttributes and a Decision back to their protocol; they never look at faults.

import type { FaultForm, FaultType } from "../../api/v1alpha1/types.ts";

/** What the engine sees of a request, protocol-neutral. */
export interface CheckAttributes {
  /** Upper-case HTTP method. */
  method: string;
  /** Host without port, lower-case (from :authority / Host / X-Forwarded-Host). */
  host: string;
  /** Path including the query string, as received. */
  path: string;
  /** Request headers with lower-case names. Multi-valued headers are joined with ",". */
  headers: Readonly<Record<string, string>>;
  /** SPIFFE id or other principal of the calling workload, when the proxy supplies one. */
  sourcePrincipal?: string;
  /** Namespace of the destination workload, when known (limits experiments to their namespace). */
  destinationNamespace?: string;
  /** Request body as text, when the proxy forwards it (used by identity-provider faults). */
  body?: string;
  requestId?: string;
}

/** Why a decision was taken: bounded values only, safe for metric labels and logs. */
export interface DecisionReason {
  /** namespace/name of the experiment */
  experiment: string;
  namespace: string;
  fault: FaultType;
  form: FaultForm;
  /** True when the experiment is in dryRun: the decision is reported but not applied. */
  dryRun: boolean;
  /** True when the fault needed a JWT and the token was not one (passed through untouched). */
  skipped?: boolean;
  /** True when a delay fault of the same experiment also hit (its delay is in delayMs). */
  delayed?: boolean;
}

/** In dryRun: what enforce would have done, without header values (they may hold tokens). */
export interface DryRunOutcome {
  kind: "allow" | "deny" | "error";
  /** Deny status, or the HTTP status of an error. */
  status?: number;
  grpcCode?: number;
  delayMs: number;
  /** Names of the request headers enforce would have set / removed. */
  setHeaders: string[];
  removeHeaders: string[];
}

export interface HeaderValue {
  name: string;
  value: string;
}

/** Let the request through, optionally with rewritten request headers (upstream forms). */
export interface AllowDecision {
  kind: "allow";
  /** Request headers to set (overwrite if present, add otherwise). */
  setHeaders: HeaderValue[];
  /** Request headers to remove. */
  removeHeaders: string[];
  /** Headers for the response to the client (e.g. x-token-chaos correlation). */
  responseHeaders: HeaderValue[];
  delayMs: number;
  reason?: DecisionReason;
  /** Set in dryRun when a fault hit: what enforce would have answered instead. */
  wouldHave?: DryRunOutcome;
}

/** Answer the client directly with this response. */
export interface DenyDecision {
  kind: "deny";
  status: number;
  headers: HeaderValue[];
  body: string;
  delayMs: number;
  reason: DecisionReason;
}

/** Make the authorization call itself fail, so the proxy's failure mode is exercised. */
export interface ErrorDecision {
  kind: "error";
  /** gRPC status code for the gRPC front end. */
  grpcCode: number;
  /** HTTP status for the HTTP front end. */
  httpStatus: number;
  /** Hold the call this long before failing (a timeout past the proxy's limit). */
  delayMs: number;
  message: string;
  reason: DecisionReason;
}

export type Decision = AllowDecision | DenyDecision | ErrorDecision;

/** Source of randomness in [0, 1); injected so decisions are reproducible in tests. */
export type Random = () => number;

/** The plain pass-through answer. Shared, frozen: the hot path allocates nothing for it. */
export const ALLOW: AllowDecision = Object.freeze({
  kind: "allow",
  setHeaders: [],
  removeHeaders: [],
  responseHeaders: [],
  delayMs: 0,
}) as AllowDecision;
