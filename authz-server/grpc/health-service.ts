// grpc.health.v1.Health: SERVING while the server answers checks, NOT_SERVING from the start
// of shutdown, so load balancers and Envoy's health checker stop sending new work before the
// listener closes. Watch streams get every change and are ended at shutdown.

import {
  status as GrpcStatus,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { AUTHORIZATION_SERVICE } from "./protos.ts";

export const SERVING = 1;
export const NOT_SERVING = 2;
export const SERVICE_UNKNOWN = 3;

interface HealthRequest {
  service?: string;
}
interface HealthResponse {
  status: number;
}

/** Services this server reports on: the overall server ("") and the Authorization service. */
const KNOWN = new Set(["", AUTHORIZATION_SERVICE]);

export class HealthStatus {
  #status = SERVING;
  /** Open Watch streams; false for streams about a service this server does not know. */
  #watchers = new Map<ServerWritableStream<HealthRequest, HealthResponse>, boolean>();

  get status(): number {
    return this.#status;
  }

  set(status: number): void {
    if (status === this.#status) return;
    this.#status = status;
    for (const [w, known] of this.#watchers) if (known) w.write({ status });
  }

  /** Ends every Watch stream (they would otherwise hold a graceful shutdown open). */
  endWatches(): void {
    for (const w of this.#watchers.keys()) w.end();
    this.#watchers.clear();
  }

  implementation(): UntypedServiceImplementation {
    const check: handleUnaryCall<HealthRequest, HealthResponse> = (call, callback) => {
      const service = call.request.service ?? "";
      if (!KNOWN.has(service)) {
        callback({ code: GrpcStatus.NOT_FOUND, details: `unknown service '${service}'` });
        return;
      }
      callback(null, { status: this.#status });
    };
    const watch: handleServerStreamingCall<HealthRequest, HealthResponse> = (call) => {
      const known = KNOWN.has(call.request.service ?? "");
      // Per the protocol an unknown service gets SERVICE_UNKNOWN and the stream stays open.
      call.write({ status: known ? this.#status : SERVICE_UNKNOWN });
      this.#watchers.set(call, known);
      call.on("cancelled", () => this.#watchers.delete(call));
      call.on("close", () => this.#watchers.delete(call));
    };
    return {
      Check: check as handleUnaryCall<unknown, unknown>,
      Watch: watch as handleServerStreamingCall<unknown, unknown>,
    };
  }
}
