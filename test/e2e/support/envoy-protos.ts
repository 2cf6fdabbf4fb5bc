// Envoy's own ext_authz v3 protos, as shipped by @grpc/grpc-js-xds (a dev dependency used only
// by tests and the demo), so the stand-in for Envoy speaks exactly Envoy's wire format rather
// than the project's copy of it.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  type Client,
  credentials,
  loadPackageDefinition,
  type ServiceClientConstructor,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

const require = createRequire(import.meta.url);

function depsDir(): string {
  return join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
}

let ctor: ServiceClientConstructor | undefined;

function authorizationService(): ServiceClientConstructor {
  if (ctor !== undefined) return ctor;
  const deps = depsDir();
  const def = loadSync("envoy/service/auth/v3/external_auth.proto", {
    // snake_case field names as on the wire; numbers for enums; oneof names reported.
    keepCase: true,
    longs: String,
    defaults: true,
    oneofs: true,
    includeDirs: [
      join(deps, "envoy-api"),
      join(deps, "xds"),
      join(deps, "googleapis"),
      join(deps, "protoc-gen-validate"),
    ],
  });
  const pkg = loadPackageDefinition(def) as unknown as {
    envoy: { service: { auth: { v3: { Authorization: ServiceClientConstructor } } } };
  };
  ctor = pkg.envoy.service.auth.v3.Authorization;
  return ctor;
}

export interface EnvoyHeaderValueOption {
  header: { key: string; value: string; raw_value?: Buffer } | null;
  append: { value: boolean } | null;
  append_action: number;
}

export interface EnvoyCheckResponse {
  status: { code: number; message: string } | null;
  http_response?: "denied_response" | "ok_response";
  denied_response?: {
    status: { code: number } | null;
    headers: EnvoyHeaderValueOption[];
    body: string;
  } | null;
  ok_response?: {
    headers: EnvoyHeaderValueOption[];
    headers_to_remove: string[];
    response_headers_to_add: EnvoyHeaderValueOption[];
    query_parameters_to_set: { key: string; value: string }[];
    query_parameters_to_remove: string[];
  } | null;
}

export interface EnvoyCheckRequest {
  attributes: {
    source?: {
      address: { socket_address: { address: string; port_value: number } };
      principal?: string;
    };
    destination?: { address: { socket_address: { address: string; port_value: number } } };
    request: {
      time: { seconds: string; nanos: number };
      http: {
        id: string;
        method: string;
        headers: Record<string, string>;
        path: string;
        host: string;
        scheme: string;
        protocol: string;
        size: string;
        body?: string;
      };
    };
    context_extensions?: Record<string, string>;
  };
}

export interface AuthorizationClient {
  check(req: EnvoyCheckRequest, timeoutMs: number): Promise<EnvoyCheckResponse>;
  close(): void;
}

export function authorizationClient(target: string): AuthorizationClient {
  const Ctor = authorizationService();
  const client = new Ctor(target, credentials.createInsecure()) as unknown as Client & {
    Check(
      req: EnvoyCheckRequest,
      opts: { deadline: Date },
      cb: (err: Error | null, res: EnvoyCheckResponse) => void,
    ): void;
  };
  return {
    check: (req, timeoutMs) =>
      new Promise((resolve, reject) => {
        client.Check(req, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) =>
          err ? reject(err) : resolve(res),
        );
      }),
    close: () => client.close(),
  };
}
