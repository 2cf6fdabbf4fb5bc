// A gRPC stub for envoy.service.auth.v3.Authorization built from Envoy's own ext_authz v3 protos,
// as shipped by @grpc/grpc-js-xds (a dev dependency used only by tests and the demo), so test
// clients speak exactly Envoy's wire format rather than the project's copy of it.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  type Client,
  credentials,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

/**
 * How responses are decoded: enum values as numbers or as names, and whether fields left at
 * their defaults are filled in. Field names stay snake_case as on the wire either way.
 */
export interface Decoding {
  enumNames: boolean;
  defaults: boolean;
}

export interface AuthorizationStub<Res> extends Client {
  Check(
    req: unknown,
    opts: { deadline: Date },
    cb: (err: ServiceError | null, res?: Res) => void,
  ): void;
}

const require = createRequire(import.meta.url);
const services = new Map<string, ServiceClientConstructor>();

function authorizationService(decoding: Decoding): ServiceClientConstructor {
  const key = `${decoding.enumNames}/${decoding.defaults}`;
  const known = services.get(key);
  if (known !== undefined) return known;
  const deps = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
  const def = loadSync("envoy/service/auth/v3/external_auth.proto", {
    keepCase: true,
    longs: String,
    ...(decoding.enumNames ? { enums: String } : {}),
    defaults: decoding.defaults,
    oneofs: true,
    includeDirs: ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) =>
      join(deps, d),
    ),
  });
  const pkg = loadPackageDefinition(def) as unknown as {
    envoy: { service: { auth: { v3: { Authorization: ServiceClientConstructor } } } };
  };
  const ctor = pkg.envoy.service.auth.v3.Authorization;
  services.set(key, ctor);
  return ctor;
}

/** An insecure (plaintext) stub for `target` (host:port); close it when done. */
export function authorizationStub<Res>(target: string, decoding: Decoding): AuthorizationStub<Res> {
  const Ctor = authorizationService(decoding);
  return new Ctor(target, credentials.createInsecure()) as unknown as AuthorizationStub<Res>;
}
