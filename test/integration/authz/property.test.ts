// Property over the wire: random CheckRequests (empty, Envoy-shaped, oversized, bytes that are
// not UTF-8), encoded with Envoy's own protos and sent over gRPC to the running server, always
// get a valid CheckResponse (explicit status; ok_response or denied_response), or the gRPC
// error the `error` experiment asks for; never anything else, and the server keeps serving.

import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { type RunningServer, startAuthzServer } from "../../../authz-server/server.ts";
import { checkRequestArbitrary } from "../../support/check-request-arbitrary.ts";
import { type EnvoyAuthzClient, envoyAuthzClient } from "../../support/envoy-authz-client.ts";

const FIXTURES = fileURLToPath(new URL("../../fixtures/authz/experiments/", import.meta.url));

let server: RunningServer;
let client: EnvoyAuthzClient;

before(async () => {
  server = await startAuthzServer({ grpcPort: 0, experiments: FIXTURES, logLevel: "silent" });
  client = envoyAuthzClient(`127.0.0.1:${server.grpcPort}`);
});

after(async () => {
  client.close();
  await server.close();
});

it("random CheckRequests always get a valid answer", async () => {
  const kinds = new Set<string>();
  await fc.assert(
    fc.asyncProperty(checkRequestArbitrary, async (req) => {
      const r = await client.check(req, 10_000);
      if (r.error !== undefined) {
        assert.equal(r.error.code, 14, `unexpected gRPC error ${r.error.code} ${r.error.details}`);
        kinds.add("error");
        return;
      }
      const res = r.response;
      assert.ok(res?.status !== undefined, "explicit status");
      const code = res.status.code ?? 0;
      if (code === 0) {
        assert.equal(res.http_response, "ok_response");
        kinds.add("ok");
      } else {
        assert.equal(code, 7);
        assert.equal(res.http_response, "denied_response");
        assert.ok(res.denied_response?.status?.code !== undefined);
        kinds.add("denied");
      }
    }),
    { numRuns: 150 },
  );
  assert.deepEqual([...kinds].sort(), ["denied", "error", "ok"]);
  assert.equal(await server.metrics.internalErrors(), 0);
});
