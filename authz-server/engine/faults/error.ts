// error: the authorization call itself fails, so the proxy's failure mode (Envoy's
// failure_mode_allow / status_on_error, nginx's auth_request error handling) is exercised.
//   grpc     gRPC status `grpcCode` (default 14 UNAVAILABLE); the HTTP front end answers with
//            the conventional HTTP status for that code
//   http     HTTP status `httpStatus` (default 503); the gRPC front end uses the code gRPC maps
//            that status to
//   timeout  the call is held `timeoutMs` (default 5000, at most LIMITS.maxDelayMs) and then fails
//            with DEADLINE_EXCEEDED / 504, by which time the proxy has given up

import { LIMITS } from "../../../api/v1alpha1/types.ts";
import type { FaultCompiler } from "../fault-runner.ts";
import type { ErrorDecision } from "../types.ts";

export const DEFAULT_TIMEOUT_MS = 5000;

/** HTTP status conventionally used for each gRPC status code (1-16). */
const HTTP_FOR_GRPC = [
  200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401,
];

export function httpStatusForGrpc(code: number): number {
  return HTTP_FOR_GRPC[code] ?? 500;
}

/** gRPC's own mapping of HTTP statuses to codes (doc/http-grpc-status-mapping.md). */
export function grpcCodeForHttp(status: number): number {
  switch (status) {
    case 400:
      return 13;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return 12;
    case 429:
    case 502:
    case 503:
    case 504:
      return 14;
    default:
      return 2;
  }
}

function validGrpc(code: number | undefined, fallback: number): number {
  return code !== undefined && Number.isInteger(code) && code >= 1 && code <= 16 ? code : fallback;
}

function validHttp(status: number | undefined, fallback: number): number {
  return status !== undefined && Number.isInteger(status) && status >= 400 && status <= 599
    ? status
    : fallback;
}

export const compileError: FaultCompiler = (fault, base) => {
  const p = fault.error ?? {};
  let decision: ErrorDecision;
  switch (p.kind ?? "grpc") {
    case "http": {
      const httpStatus = validHttp(p.httpStatus, 503);
      decision = {
        kind: "error",
        grpcCode: grpcCodeForHttp(httpStatus),
        httpStatus,
        delayMs: 0,
        message: "token-chaos injected authorization service error",
        reason: base.reason,
      };
      break;
    }
    case "timeout": {
      const wanted = p.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      decision = {
        kind: "error",
        grpcCode: validGrpc(p.grpcCode, 4),
        httpStatus: validHttp(p.httpStatus, 504),
        delayMs: Math.round(
          Math.min(LIMITS.maxDelayMs, Math.max(0, Number.isFinite(wanted) ? wanted : 0)),
        ),
        message: "token-chaos injected authorization service timeout",
        reason: base.reason,
      };
      break;
    }
    default: {
      const grpcCode = validGrpc(p.grpcCode, 14);
      decision = {
        kind: "error",
        grpcCode,
        httpStatus: httpStatusForGrpc(grpcCode),
        delayMs: 0,
        message: "token-chaos injected authorization service error",
        reason: base.reason,
      };
    }
  }
  const frozen = Object.freeze(decision);
  return () => frozen;
};
