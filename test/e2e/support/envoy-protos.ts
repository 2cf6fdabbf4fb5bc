// Envoy's ext_authz v3 messages as the stand-in for Envoy reads them (from Envoy's own protos:
// enums as numbers, defaults filled in), and a client that sends them.

import { authorizationStub } from "../../support/envoy-authorization-stub.ts";

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
  // Enums as numbers, defaults filled in: the shape the Envoy stand-in reads.
  const client = authorizationStub<EnvoyCheckResponse>(target, {
    enumNames: false,
    defaults: true,
  });
  return {
    check: (req, timeoutMs) =>
      new Promise((resolve, reject) => {
        client.Check(req, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) =>
          err ? reject(err) : resolve(res as EnvoyCheckResponse),
        );
      }),
    close: () => client.close(),
  };
}
