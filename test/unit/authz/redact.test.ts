import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createLogger } from "../../../authz-server/observability/logger.ts";
import { REDACTED, redactString, redactValue } from "../../../authz-server/observability/redact.ts";

const JWT =
  "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTQyIiwic2NvcGUiOiJhIGIifQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtMTIzNDU2Nzg5MA";
const OPAQUE = "gho_16C7e42F292c6912E7710c838347Ae178B4a";

describe("redactString", () => {
  it("removes JWTs wherever they appear", () => {
    const out = redactString(`token ${JWT} in a message`);
    assert.ok(!out.includes(JWT.split(".")[1] ?? "x"));
    assert.ok(out.includes(REDACTED));
  });

  it("removes scheme credentials, key=value secrets and opaque tokens", () => {
    assert.equal(
      redactString("Authorization: Bearer abc.def"),
      `Authorization: Bearer ${REDACTED}`,
    );
    assert.equal(redactString("Basic dXNlcjpwYXNz"), `Basic ${REDACTED}`);
    assert.equal(
      redactString("/cb?code=xyz123&state=1&access_token=secretvalue"),
      `/cb?code=${REDACTED}&state=1&access_token=${REDACTED}`,
    );
    assert.equal(redactString(`key ${OPAQUE}`), `key ${REDACTED}`);
  });

  it("leaves ordinary text alone: names, ids, paths", () => {
    for (const s of [
      "shop/expired-token-under-load",
      "5f0c8a52-1c2e-4a5b-9d7e-0b1a2c3d4e5f",
      "/api/orders/12345/items?limit=20",
      "plan applied",
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    ]) {
      assert.equal(redactString(s), s);
    }
  });
});

describe("redactValue", () => {
  it("blanks secret keys at any depth and scrubs strings, without touching the input", () => {
    const input = {
      headers: { Authorization: "Bearer x", cookie: "a=b", "set-cookie": ["s=1"], host: "h" },
      nested: [{ "proxy-authorization": "Basic y", note: `see ${JWT}` }],
      access_token: "t",
      count: 3,
    };
    const out = redactValue(input) as typeof input;
    assert.equal(out.headers.Authorization, REDACTED);
    assert.equal(out.headers.cookie, REDACTED);
    assert.equal(out.headers["set-cookie"] as unknown, REDACTED);
    assert.equal(out.headers.host, "h");
    assert.equal(out.nested[0]?.["proxy-authorization"], REDACTED);
    assert.ok(!out.nested[0]?.note.includes("eyJ"));
    assert.equal(out.access_token, REDACTED);
    assert.equal(out.count, 3);
    assert.equal(input.headers.Authorization, "Bearer x");
  });

  it("turns errors into scrubbed plain objects", () => {
    const out = redactValue(new Error(`bad token ${JWT}`)) as { message: string; stack: string };
    assert.ok(!out.message.includes("eyJ"));
    assert.ok(!out.stack.includes("eyJ"));
  });
});

describe("logger", () => {
  it("never writes a token, whatever field or message carries it", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const log = createLogger({ level: "trace", destination: sink });
    log.info({ headers: { authorization: `Bearer ${JWT}` } }, "request");
    log.warn(`failed for ${JWT}`);
    log.error({ err: new Error(`token ${OPAQUE} rejected`) }, "boom");
    log.child({ token: JWT }).info({ cookie: "session=abc" }, "child");
    log.debug({ body: `grant_type=refresh_token&refresh_token=${OPAQUE}` }, "form");
    const out = lines.join("");
    assert.equal(lines.length, 5);
    for (const secret of [JWT, ...JWT.split("."), OPAQUE, "session=abc"]) {
      assert.ok(!out.includes(secret), `leaked ${secret.slice(0, 12)}...`);
    }
    assert.ok(out.includes(REDACTED));
  });
});
