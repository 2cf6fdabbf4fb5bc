// The fault engine's contract with the front ends (gRPC and HTTP): build keys and state once,
// load each plan once, then call decide for every request. decide is synchronous, does no I/O,
// and its result is read-only. A front end wraps it in try/catch and allows on any throw.

export { decide } from "./decide.ts";
export { CORRELATION_HEADER } from "./decisions.ts";
export { jwksWithRotatedKeys, setTakeoverJwks } from "./jwks-takeover.ts";
export { createSigningKeys, type PublicJwk, type SigningKeys } from "./keys.ts";
export {
  type JwksTakeoverSource,
  type LoadedPlan,
  loadPlan,
  type PlanProblem,
} from "./load-plan.ts";
export { seededRandom } from "./seeded-random.ts";
export { createEngineState, type EngineState } from "./state.ts";
export * from "./types.ts";
