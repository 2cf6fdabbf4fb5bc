// Specs the schema accepts but this operator cannot honour as written. Reported as Invalid with
// a message saying what to change, instead of running an experiment that would silently do
// something else (or nothing, or something unsafe).

import type { FaultType, TokenChaosExperiment } from "../../api/v1alpha1/types.ts";
import type { PhaseProblem } from "./derive-phase.ts";

/** Identity-provider faults answer the provider's own endpoints, which carry no Bearer JWT. */
const NO_BEARER_JWT: readonly FaultType[] = [
  "token-endpoint",
  "introspection",
  "jwks",
  "discovery",
];

export function honourProblems(
  obj: TokenChaosExperiment,
  env: { prometheusConfigured: boolean },
): PhaseProblem[] {
  const problems: PhaseProblem[] = [];
  const spec = obj.spec;
  if (spec === undefined || spec === null) return problems;
  const claims = spec.target?.claims;
  if (Array.isArray(claims) && claims.length > 0 && Array.isArray(spec.faults)) {
    spec.faults.forEach((f, i) => {
      if (NO_BEARER_JWT.includes(f?.type)) {
        problems.push({
          path: `spec.faults[${i}].type`,
          message: `fault "${f.type}" answers the identity provider's endpoint, whose requests carry no Bearer JWT, so spec.target.claims can never match; remove the claims matchers or put this fault in its own experiment`,
        });
      }
    });
  }
  if (spec.guard !== undefined && !env.prometheusConfigured) {
    problems.push({
      path: "spec.guard",
      message:
        "a guard needs Prometheus, but the operator runs without --prometheus-url; the experiment would run unguarded, so it is not started",
    });
  }
  return problems;
}
