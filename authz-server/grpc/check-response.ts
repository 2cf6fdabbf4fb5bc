// Decision -> CheckResponse. Denials are normal responses (PERMISSION_DENIED plus a
// denied_response), never gRPC errors; only the `error` fault fails the call itself. `status`
// is always set explicitly so no proxy has to guess what an absent status means.

import type { AllowDecision, DenyDecision, HeaderValue } from "../engine/types.ts";

export const GRPC_OK = 0;
export const GRPC_PERMISSION_DENIED = 7;
/** envoy.config.core.v3.HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD */
export const OVERWRITE_IF_EXISTS_OR_ADD = 2;

export interface HeaderValueOptionMessage {
  header: { key: string; value: string };
  append_action: number;
}

export interface CheckResponseMessage {
  status: { code: number; message?: string };
  ok_response?: {
    headers?: HeaderValueOptionMessage[];
    headers_to_remove?: string[];
    response_headers_to_add?: HeaderValueOptionMessage[];
  };
  denied_response?: {
    status: { code: number };
    headers?: HeaderValueOptionMessage[];
    body?: string;
  };
}

function options(headers: readonly HeaderValue[]): HeaderValueOptionMessage[] {
  return headers.map((h) => ({
    header: { key: h.name, value: h.value },
    append_action: OVERWRITE_IF_EXISTS_OR_ADD,
  }));
}

/** The plain pass-through answer: OK with an empty ok_response. */
export const OK_RESPONSE: CheckResponseMessage = Object.freeze({
  status: { code: GRPC_OK },
  ok_response: {},
}) as CheckResponseMessage;

export function allowResponse(d: AllowDecision): CheckResponseMessage {
  if (d.setHeaders.length === 0 && d.removeHeaders.length === 0 && d.responseHeaders.length === 0) {
    return OK_RESPONSE;
  }
  const ok: NonNullable<CheckResponseMessage["ok_response"]> = {};
  if (d.setHeaders.length > 0) ok.headers = options(d.setHeaders);
  if (d.removeHeaders.length > 0) ok.headers_to_remove = [...d.removeHeaders];
  if (d.responseHeaders.length > 0) ok.response_headers_to_add = options(d.responseHeaders);
  return { status: { code: GRPC_OK }, ok_response: ok };
}

export function denyResponse(d: DenyDecision): CheckResponseMessage {
  return {
    status: { code: GRPC_PERMISSION_DENIED, message: `denied with HTTP ${d.status}` },
    denied_response: {
      status: { code: d.status },
      headers: options(d.headers),
      body: d.body,
    },
  };
}

/** True when the allow decision changes nothing: the pre-encoded OK bytes can be sent. */
export function isPlainAllow(d: AllowDecision): boolean {
  return (
    d.setHeaders.length === 0 && d.removeHeaders.length === 0 && d.responseHeaders.length === 0
  );
}
