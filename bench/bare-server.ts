// The benchmark's baseline: a grpc-js server for envoy.service.auth.v3.Authorization/Check
// that answers OK without any logic. It decodes each request with the same protos and the
// same proto-loader options as the authz-server and sends the same pre-encoded OK bytes, so
// the difference measured is exactly the authz-server's own work (translation, decision,
// metrics), not a different codec.
// Run: node bench/bare-server.ts [port]   (prints {"listening":{"grpc":PORT}})

import { Server, ServerCredentials, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { byteTolerantDefinition } from "../authz-server/grpc/authorization-service.ts";
import { OK_RESPONSE } from "../authz-server/grpc/check-response.ts";
import { loadServices } from "../authz-server/grpc/protos.ts";

const port = Number(process.argv[2] ?? "0");
const { definition, encode } = byteTolerantDefinition(loadServices().authorization);
const ok = encode(OK_RESPONSE);
const impl: UntypedServiceImplementation = {
  Check: (_call: unknown, callback: (err: null, value: Buffer) => void) => callback(null, ok),
};

// The same server options as the authz-server.
const server = new Server({ "grpc.keepalive_permit_without_calls": 1 });
server.addService(definition, impl);
server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err, bound) => {
  if (err !== null) {
    process.stderr.write(`bare-server: ${err.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ listening: { grpc: bound } })}\n`);
});
process.on("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
process.on("SIGINT", () => server.tryShutdown(() => process.exit(0)));
