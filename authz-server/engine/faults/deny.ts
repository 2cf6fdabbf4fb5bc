// deny: answer with the given status (default 403), headers and body. A non-empty body without a
// content-type header is sent as text/plain. Header names are lower-cased; the body is cut to
// LIMITS.maxDenyBodyBytes.

import { LIMITS } from "../../../api/v1alpha1/types.ts";
import { fixedDeny } from "../decisions.ts";
import type { FaultCompiler } from "../fault-runner.ts";

export const compileDeny: FaultCompiler = (fault, base) => {
  const p = fault.deny ?? {};
  const status =
    p.status !== undefined && Number.isInteger(p.status) && p.status >= 100 && p.status <= 599
      ? p.status
      : 403;
  const headers = (p.headers ?? []).map((h) => ({ name: h.name.toLowerCase(), value: h.value }));
  let body = p.body ?? "";
  if (Buffer.byteLength(body) > LIMITS.maxDenyBodyBytes) {
    body = Buffer.from(body).subarray(0, LIMITS.maxDenyBodyBytes).toString("utf8");
  }
  if (body !== "" && !headers.some((h) => h.name === "content-type")) {
    headers.push({ name: "content-type", value: "text/plain; charset=utf-8" });
  }
  const deny = fixedDeny(base, status, headers, body);
  return () => deny;
};
