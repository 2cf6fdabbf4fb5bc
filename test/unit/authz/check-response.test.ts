import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALLOW } from "../../../authz-server/engine/types.ts";
import {
  allowResponse,
  denyResponse,
  OK_RESPONSE,
  OVERWRITE_IF_EXISTS_OR_ADD,
} from "../../../authz-server/grpc/check-response.ts";

const reason = {
  experiment: "shop/x",
  namespace: "shop",
  fault: "expire",
  form: "edge",
  dryRun: false,
} as const;

describe("Decision -> CheckResponse", () => {
  it("pass-through is an explicit OK with an empty ok_response", () => {
    assert.deepEqual(allowResponse(ALLOW), { status: { code: 0 }, ok_response: {} });
    assert.equal(allowResponse(ALLOW), OK_RESPONSE);
  });

  it("mutations overwrite-or-add, removals go to headers_to_remove", () => {
    const r = allowResponse({
      kind: "allow",
      setHeaders: [{ name: "authorization", value: "Bearer new" }],
      removeHeaders: ["cookie"],
      responseHeaders: [{ name: "x-token-chaos", value: "expire" }],
      delayMs: 0,
      reason,
    });
    assert.equal(r.status.code, 0);
    assert.deepEqual(r.ok_response?.headers, [
      {
        header: { key: "authorization", value: "Bearer new" },
        append_action: OVERWRITE_IF_EXISTS_OR_ADD,
      },
    ]);
    assert.deepEqual(r.ok_response?.headers_to_remove, ["cookie"]);
    assert.equal(r.ok_response?.response_headers_to_add?.[0]?.header.key, "x-token-chaos");
    assert.equal(OVERWRITE_IF_EXISTS_OR_ADD, 2);
  });

  it("a denial is PERMISSION_DENIED with the HTTP status, headers and body", () => {
    const r = denyResponse({
      kind: "deny",
      status: 401,
      headers: [{ name: "www-authenticate", value: "Bearer" }],
      body: "{}",
      delayMs: 0,
      reason,
    });
    assert.equal(r.status.code, 7);
    assert.equal(r.ok_response, undefined);
    assert.equal(r.denied_response?.status.code, 401);
    assert.equal(r.denied_response?.body, "{}");
    assert.equal(r.denied_response?.headers?.[0]?.append_action, OVERWRITE_IF_EXISTS_OR_ADD);
  });
});
