// The server's part of a `rotate` JWKS takeover: it fetches the identity provider's real key
// set (here a real HTTP server on loopback), hands it to the engine, and from then on a GET of
// the key set through the proxy is answered in the provider's place with the real keys plus the
// server's new one; before the first fetch succeeds the request passes to the real endpoint.

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { type RunningServer, startAuthzServer } from "../../../authz-server/server.ts";
import { envoyAuthzClient, headerIn } from "../../support/envoy-authz-client.ts";

const IDP_HOST = "idp.shop.test";
const JWKS_PATH = "/realms/shop/certs";
const REAL_KEYS = { keys: [{ kty: "RSA", kid: "real-2026", use: "sig", n: "sXch", e: "AQAB" }] };

let idp: Server;
let fetches = 0;
let server: RunningServer;
let dir: string;

before(async () => {
  idp = createServer((req, res) => {
    fetches++;
    if (req.url !== JWKS_PATH) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(REAL_KEYS));
  });
  await new Promise<void>((r) => idp.listen(0, "127.0.0.1", () => r()));
  const url = `http://127.0.0.1:${(idp.address() as AddressInfo).port}${JWKS_PATH}`;
  dir = await mkdtemp(join(tmpdir(), "token-chaos-jwks-"));
  await writeFile(
    join(dir, "rotate.yaml"),
    `apiVersion: chaos.tokenchaos.dev/v1alpha1
kind: TokenChaosExperiment
metadata: {name: rotate, namespace: shop}
spec:
  target: {hosts: [api.shop.test]}
  faults:
    - type: rotate
      at: upstream
      rotate:
        jwks: {url: "${url}", host: ${IDP_HOST}, path: ${JWKS_PATH}, cacheFor: 1m}
  schedule: {duration: 1h}
`,
  );
  server = await startAuthzServer({ grpcPort: 0, experiments: dir, logLevel: "silent" });
});

after(async () => {
  await server.close();
  idp.close();
  await rm(dir, { recursive: true, force: true });
});

it("answers the key set in the provider's place with the real keys plus the new one", async () => {
  const client = envoyAuthzClient(`127.0.0.1:${server.grpcPort}`);
  try {
    const ask = () => client.check({ host: IDP_HOST, path: JWKS_PATH, method: "GET", headers: {} });
    let r = await ask();
    for (let i = 0; i < 100 && r.response?.http_response !== "denied_response"; i++) {
      await sleep(20);
      r = await ask();
    }
    assert.ok(fetches >= 1, "the real key set was fetched");
    assert.equal(r.response?.http_response, "denied_response", "answered in place");
    const denied = r.response?.denied_response;
    assert.equal(denied?.status?.code, "OK");
    assert.equal(headerIn(denied?.headers, "content-type"), "application/json");
    const jwks = JSON.parse(denied?.body ?? "{}") as { keys: { kid: string }[] };
    const kids = jwks.keys.map((k) => k.kid);
    assert.ok(kids.includes("real-2026"), "the real key kept");
    assert.ok(kids.length > 1, "the server's new keys added");

    // Other paths on the provider, and POSTs, go to the real provider.
    const other = await client.check({ host: IDP_HOST, path: "/realms/shop/token", headers: {} });
    assert.equal(other.response?.status?.code, 0);
  } finally {
    client.close();
  }
});
