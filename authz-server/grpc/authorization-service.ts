// envoy.service.auth.v3.Authorization/Check. The pass-through answer is encoded once at start
// and sent as bytes, so a check that matches nothing costs decoding, one decide call and a
// buffer write. Every response is serialised here, inside the fail-open guard, so even a
// response that cannot be encoded still answers OK.

import {
  status as GrpcStatus,
  type handleUnaryCall,
  type MethodDefinition,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { type Decider, failOpen, RateLimitedLog } from "../decider.ts";
import type { DelayTimers } from "../delay-timers.ts";
import type { CheckAttributes, Decision } from "../engine/types.ts";
import type { Logger } from "../observability/logger.ts";
import type { AuthzMetrics, CheckOutcome } from "../observability/metrics.ts";
import { attributesFromCheckRequest, type DecodedCheckRequest } from "./check-request.ts";
import {
  allowResponse,
  type CheckResponseMessage,
  denyResponse,
  isPlainAllow,
  OK_RESPONSE,
} from "./check-response.ts";

export interface AuthorizationDeps {
  decider: Decider;
  metrics: AuthzMetrics;
  logger: Logger;
  delays: DelayTimers;
}

type CheckMethod = MethodDefinition<DecodedCheckRequest, CheckResponseMessage>;

/** The service definition with a serializer that passes pre-encoded bytes through untouched. */
export function byteTolerantDefinition(def: ServiceDefinition): {
  definition: ServiceDefinition;
  encode: (msg: CheckResponseMessage) => Buffer;
} {
  const check = def.Check as CheckMethod | undefined;
  if (check === undefined) throw new Error("Authorization service definition has no Check method");
  const encode = (msg: CheckResponseMessage): Buffer => check.responseSerialize(msg);
  const patched = {
    ...check,
    responseSerialize: (value: CheckResponseMessage | Buffer): Buffer =>
      Buffer.isBuffer(value) ? value : encode(value),
  };
  return { definition: { ...def, Check: patched } as ServiceDefinition, encode };
}

function outcomeOf(d: Decision): CheckOutcome {
  if (d.kind === "allow") return isPlainAllow(d) ? "allow" : "mutate";
  return d.kind;
}

/** A gRPC status code for the error fault; 0 (OK) or out of range falls back to UNAVAILABLE. */
function errorCode(code: number): number {
  return Number.isInteger(code) && code >= 1 && code <= 16 ? code : GrpcStatus.UNAVAILABLE;
}

export function authorizationImplementation(
  deps: AuthorizationDeps,
  encode: (msg: CheckResponseMessage) => Buffer,
): UntypedServiceImplementation {
  const { decider, metrics, logger, delays } = deps;
  const okBytes = encode(OK_RESPONSE);
  // The encoder builds its code per message type on first use; do it now, not on the first
  // injection (where it would show as a latency spike at the start of a window).
  const warm = [{ name: "x-warm", value: "1" }];
  encode(
    denyResponse({
      kind: "deny",
      status: 401,
      headers: warm,
      body: "",
      delayMs: 0,
      reason: { experiment: "", namespace: "", fault: "deny", form: "edge", dryRun: false },
    }),
  );
  encode(
    allowResponse({
      kind: "allow",
      setHeaders: warm,
      removeHeaders: ["x-warm"],
      responseHeaders: warm,
      delayMs: 0,
    }),
  );
  const errorLog = new RateLimitedLog();

  const check: handleUnaryCall<DecodedCheckRequest, Buffer> = (call, callback) => {
    const t0 = performance.now();
    let attrs: CheckAttributes;
    try {
      attrs = attributesFromCheckRequest(call.request);
    } catch (err) {
      failOpen(metrics, logger, errorLog, "translate", err, undefined, "grpc");
      metrics.countCheck("grpc", "fail_open");
      callback(null, okBytes);
      return;
    }
    const decision = decider(attrs, "grpc");
    let bytes: Buffer | undefined;
    let outcome: CheckOutcome;
    try {
      outcome = outcomeOf(decision);
      if (decision.kind === "allow") {
        bytes = isPlainAllow(decision) ? okBytes : encode(allowResponse(decision));
      } else if (decision.kind === "deny") {
        bytes = encode(denyResponse(decision));
      }
    } catch (err) {
      failOpen(metrics, logger, errorLog, "respond", err, attrs.requestId, "grpc");
      metrics.countCheck("grpc", "fail_open");
      callback(null, okBytes);
      return;
    }
    const elapsedMs = performance.now() - t0;
    metrics.observeCheckDuration("grpc", elapsedMs / 1000);
    metrics.countCheck("grpc", outcome);

    // The common case answers at once, without building a closure for later.
    if (decision.delayMs <= 0 && decision.kind !== "error") {
      callback(null, bytes ?? okBytes);
      return;
    }
    const answer =
      decision.kind === "error"
        ? () =>
            callback({
              code: errorCode(decision.grpcCode),
              details: decision.message || "injected",
            })
        : () => callback(null, bytes ?? okBytes);
    if (decision.delayMs > 0) {
      metrics.observeInjectedDelay(decision.reason?.fault ?? "delay", decision.delayMs / 1000);
      // The delay counts from arrival: time already spent deciding is not added on top.
      const cancel = delays.schedule(decision.delayMs - elapsedMs, answer);
      call.on("cancelled", cancel);
    } else {
      answer();
    }
  };
  return { Check: check as handleUnaryCall<unknown, unknown> };
}
