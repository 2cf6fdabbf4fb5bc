// Loads the ext_authz and health protos under proto/ (the wire-compatible subset) into
// grpc-js service definitions.

import { fileURLToPath } from "node:url";
import type { ServiceDefinition } from "@grpc/grpc-js";
import { loadSync, type Options } from "@grpc/proto-loader";

export const PROTO_DIR = fileURLToPath(new URL("../../proto/", import.meta.url));

export const AUTHORIZATION_SERVICE = "envoy.service.auth.v3.Authorization";
export const HEALTH_SERVICE = "grpc.health.v1.Health";

/** Decoding as the handlers expect it: proto field names, int64 as strings, enums as numbers. */
export const LOADER_OPTIONS: Options = {
  keepCase: true,
  longs: String,
  enums: Number,
  defaults: false,
  oneofs: true,
};

export interface LoadedServices {
  authorization: ServiceDefinition;
  health: ServiceDefinition;
}

export function loadServices(): LoadedServices {
  const def = loadSync(
    ["envoy/service/auth/v3/external_auth.proto", "grpc/health/v1/health.proto"],
    {
      ...LOADER_OPTIONS,
      includeDirs: [PROTO_DIR],
    },
  );
  return {
    authorization: def[AUTHORIZATION_SERVICE] as ServiceDefinition,
    health: def[HEALTH_SERVICE] as ServiceDefinition,
  };
}
