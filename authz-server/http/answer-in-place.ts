// Answers given in place of the upstream: a denial with a 2xx status, such as the key set of a
// `rotate` JWKS takeover or an introspection `{"active": false}`. Over gRPC Envoy sends such a
// denied_response to the client as it is; over HTTP every proxy reads a 2xx from the auth
// service as "allow" and goes on to the real upstream. So in HTTP mode the answer carries
// X-Token-Chaos-Answer (naming the fault), which a proxy can match to send the auth response
// itself (Caddy: `handle_response` + `copy_response`, see test/e2e/proxies/Caddyfile.template).
// A proxy that cannot send an auth response body (nginx auth_request) just goes on to the real
// upstream: the takeover does not happen there, and nothing else breaks.

export const ANSWER_HEADER = "x-token-chaos-answer";

export function isAnswerInPlace(status: number): boolean {
  return status >= 200 && status < 300;
}
