// Property over the wire: random CheckRequests (empty, Envoy-shaped, oversized, bytes that are
// not UTF-8), encoded with Envoy's own protos and sent over gRPC to the running server, always
// get a valid CheckResponse (explicit status; ok_response or denied_response), or the gRPC
// error the `error` experiment asks for; never anything else, and the server keeps serving.
// Which outcomes a random run happens to reach is chance, so the property only asserts that every
// answer is one of the valid ones; a second test drives each outcome on purpose, so the checks of
// each kind of answer always run.

import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { type RunningServer, startAuthzServer } from "../../../authz-server/server.ts";
import { checkRequestArbitrary } from "../../support/check-request-arbitrary.ts";
import {
  type CheckResult,
  type EnvoyAuthzClient,
  envoyAuthzClient,
  envoyCheckRequest,
} from "../../support/envoy-authz-client.ts";

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

type Outcome = "ok" | "denied" | "error";

/** Asserts the answer is valid and says which kind it is. */
function outcomeOf(r: CheckResult): Outcome {
  if (r.error !== undefined) {
    assert.equal(r.error.code, 14, `unexpected gRPC error ${r.error.code} ${r.error.details}`);
    return "error";
  }
  const res = r.response;
  assert.ok(res?.status !== undefined, "explicit status");
  const code = res.status.code ?? 0;
  if (code === 0) {
    assert.equal(res.http_response, "ok_response");
    return "ok";
  }
  assert.equal(code, 7);
  assert.equal(res.http_response, "denied_response");
  assert.ok(res.denied_response?.status?.code !== undefined);
  return "denied";
}

it("random CheckRequests always get a valid answer", async () => {
  const kinds = new Set<Outcome>();
  await fc.assert(
    fc.asyncProperty(checkRequestArbitrary, async (req) => {
      kinds.add(outcomeOf(await client.check(req, 10_000)));
    }),
    { numRuns: 150 },
  );
  // A subset of the valid outcomes; each one is reached on purpose in the next test.
  assert.ok(kinds.size > 0);
  for (const k of kinds) assert.ok(["ok", "denied", "error"].includes(k), k);
  assert.equal(await server.metrics.internalErrors(), 0);
});

it("each kind of answer is reached and valid", async () => {
  const cases: { host: string; path: string; want: Outcome }[] = [
    { host: "other.test", path: "/", want: "ok" },
    { host: "api.shop.test", path: "/nothing-here", want: "ok" },
    { host: "api.shop.test", path: "/deny", want: "denied" },
    { host: "API.SHOP.TEST:8443", path: "/deny/x", want: "denied" },
    { host: "api.shop.test", path: "/error/e", want: "error" },
  ];
  for (const c of cases) {
    const r = await client.check(envoyCheckRequest({ host: c.host, path: c.path }), 10_000);
    assert.equal(outcomeOf(r), c.want, `${c.host}${c.path}`);
  }
  assert.equal(await server.metrics.internalErrors(), 0);
});
