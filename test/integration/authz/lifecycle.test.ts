// Health, readiness and graceful shutdown of the in-process server: gRPC health SERVING, then
// NOT_SERVING (Watch streams told, then ended) the moment shutdown starts; /readyz 503 while
// draining; in-flight checks (held by a delay fault) finish within the drain bound; past the
// bound they are cancelled and close() still returns.

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import {
  type Client,
  credentials,
  loadPackageDefinition,
  type ServiceClientConstructor,
  type ServiceError,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { startAuthzServer } from "../../../authz-server/server.ts";
import { envoyAuthzClient } from "../../support/envoy-authz-client.ts";

const FIXTURES = fileURLToPath(new URL("../../fixtures/authz/experiments/", import.meta.url));
const PROTO = fileURLToPath(new URL("../../../proto/", import.meta.url));

type HealthClient = Client & {
  Check(
    req: { service: string },
    cb: (err: ServiceError | null, res?: { status: string }) => void,
  ): void;
  Watch(req: { service: string }): NodeJS.EventEmitter;
};

function healthClient(port: number): HealthClient {
  const def = loadSync("grpc/health/v1/health.proto", { includeDirs: [PROTO], enums: String });
  const pkg = loadPackageDefinition(def) as unknown as {
    grpc: { health: { v1: { Health: ServiceClientConstructor } } };
  };
  return new pkg.grpc.health.v1.Health(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
  ) as unknown as HealthClient;
}

function healthCheck(c: HealthClient, service: string): Promise<string> {
  return new Promise((resolve, reject) =>
    c.Check({ service }, (err, res) => (err !== null ? reject(err) : resolve(res?.status ?? ""))),
  );
}

const delayed = { host: "api.shop.test", path: "/delay/x", headers: {} };

describe("health and shutdown", () => {
  it("SERVING, then NOT_SERVING and a drain that lets held checks finish", async () => {
    const server = await startAuthzServer({
      grpcPort: 0,
      httpPort: 0,
      metricsPort: 0,
      experiments: FIXTURES,
      logLevel: "warn",
      drainTimeoutMs: 5000,
    });
    const health = healthClient(server.grpcPort);
    const client = envoyAuthzClient(`127.0.0.1:${server.grpcPort}`);
    try {
      assert.equal(await healthCheck(health, ""), "SERVING");
      assert.equal(await healthCheck(health, "envoy.service.auth.v3.Authorization"), "SERVING");
      await assert.rejects(healthCheck(health, "no.such.Service"), /NOT_FOUND|unknown service/);

      const seen: string[] = [];
      const watch = health.Watch({ service: "" });
      const ended = new Promise<void>((resolve) => {
        watch.on("data", (m: { status: string }) => seen.push(m.status));
        watch.on("end", () => resolve());
        watch.on("error", () => resolve());
      });
      while (seen.length === 0) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(seen, ["SERVING"]);

      const ready = await fetch(`http://127.0.0.1:${server.metricsPort}/readyz`);
      assert.equal(ready.status, 200);
      await ready.text();

      // The client connects on its first call: connect now, so that the held check below is
      // surely on an established connection when shutdown stops accepting new ones.
      const first = await client.check({ host: "x", path: "/", headers: {} });
      assert.equal(first.response?.status?.code, 0);

      // A check held 150 ms by the delay fault is in flight when shutdown starts.
      const inFlight = client.check(delayed);
      await new Promise((r) => setTimeout(r, 30));
      const closing = server.close();
      const during = await fetch(`http://127.0.0.1:${server.metricsPort}/readyz`);
      assert.equal(during.status, 503, "not ready while draining");
      await during.text();

      const r = await inFlight;
      assert.equal(r.error, undefined, "the held check finished");
      assert.equal(r.response?.status?.code, 0);
      await closing;
      await ended;
      assert.deepEqual(seen, ["SERVING", "NOT_SERVING"]);

      const after = await client.check({ host: "x", path: "/", headers: {} }, 1000);
      assert.ok(after.error !== undefined, "no new checks after shutdown");
    } finally {
      health.close();
      client.close();
      await server.close();
    }
  });

  it("past the drain bound, held checks are cancelled and close() returns", async () => {
    const dir = await mkdtemp(join(tmpdir(), "token-chaos-drain-"));
    await writeFile(
      join(dir, "slow.yaml"),
      `apiVersion: chaos.tokenchaos.dev/v1alpha1
kind: TokenChaosExperiment
metadata: {name: slow, namespace: shop}
spec:
  target: {hosts: [slow.shop.test]}
  faults: [{type: delay, delay: {ms: 2000}}]
  schedule: {duration: 1h}
`,
    );
    const server = await startAuthzServer({
      grpcPort: 0,
      experiments: dir,
      logLevel: "silent",
      drainTimeoutMs: 40,
    });
    const client = envoyAuthzClient(`127.0.0.1:${server.grpcPort}`);
    try {
      const inFlight = client.check({ host: "slow.shop.test", path: "/", headers: {} }, 5000);
      await new Promise((r) => setTimeout(r, 100));
      const t0 = performance.now();
      await server.close();
      const took = performance.now() - t0;
      // Well before the 2 s delay would have answered the check.
      assert.ok(took < 1000, `close took ${took.toFixed(0)} ms, bound 40 ms`);
      const r = await inFlight;
      assert.ok(r.error !== undefined, "the held check was cancelled");
      assert.ok(r.ms < 1500, `the held check ended after ${r.ms.toFixed(0)} ms`);
    } finally {
      client.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
