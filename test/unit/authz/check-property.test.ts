// Property: whatever CheckRequest arrives (empty, oversized, bytes that are not UTF-8, header
// names like __proto__), the Check handler never throws and always answers with a valid
// CheckResponse as Envoy decodes it (explicit status; OK with ok_response, or non-OK with a
// denied_response carrying an HTTP status), or with the gRPC error an `error` fault asks for.
// The request goes through the real wire path: encoded with Envoy's protos, decoded with ours.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { MethodDefinition, ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import fc from "fast-check";
import { compilePlan } from "../../../api/plan/compile.ts";
import type { TokenChaosExperiment } from "../../../api/v1alpha1/types.ts";
import { createDecider } from "../../../authz-server/decider.ts";
import { DelayTimers } from "../../../authz-server/delay-timers.ts";
import * as engine from "../../../authz-server/engine/engine.ts";
import {
  authorizationImplementation,
  byteTolerantDefinition,
} from "../../../authz-server/grpc/authorization-service.ts";
import { loadServices } from "../../../authz-server/grpc/protos.ts";
import { createLogger } from "../../../authz-server/observability/logger.ts";
import { createMetrics } from "../../../authz-server/observability/metrics.ts";
import { PlanState } from "../../../authz-server/plan-state.ts";
import { checkRequestArbitrary } from "../../support/check-request-arbitrary.ts";

const deps = fileURLToPath(
  new URL("../../../node_modules/@grpc/grpc-js-xds/deps/", import.meta.url),
);
const canonical = loadSync("envoy/service/auth/v3/external_auth.proto", {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
  includeDirs: ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) => deps + d),
});
const envoy = (
  canonical["envoy.service.auth.v3.Authorization"] as unknown as Record<
    string,
    MethodDefinition<unknown, unknown>
  >
).Check;
assert.ok(envoy !== undefined);

function experiment(
  name: string,
  faults: TokenChaosExperiment["spec"]["faults"],
): TokenChaosExperiment {
  return {
    apiVersion: "chaos.tokenchaos.dev/v1alpha1",
    kind: "TokenChaosExperiment",
    metadata: { name, namespace: "shop" },
    spec: {
      target: { hosts: ["api.shop.test"], paths: [{ prefix: `/${name}` }] },
      faults,
      schedule: { duration: "1h" },
    },
  };
}

async function handler() {
  const now = Date.now();
  const { plan, problems } = compilePlan(
    [
      experiment("expire-edge", [{ type: "expire" }]),
      experiment("expire-upstream", [{ type: "expire", at: "upstream" }]),
      experiment("strip-upstream", [{ type: "strip", at: "upstream" }]),
      experiment("malformed", [
        { type: "malformed", at: "upstream", malformed: { variant: "oversize" } },
      ]),
      experiment("tamper", [
        { type: "tamper", tamper: { claims: [{ name: "role", value: "admin" }] } },
      ]),
      experiment("scope-edge", [{ type: "scope", scope: { require: ["a:b"] } }]),
      experiment("revoke", [{ type: "revoke", revoke: { afterRequests: 1 } }]),
      experiment("deny", [{ type: "deny", deny: { status: 418, body: "x" } }]),
      experiment("error", [{ type: "error" }]),
    ],
    { nowMs: now, version: 1 },
  );
  assert.equal(problems.size, 0, JSON.stringify([...problems]));
  const planState = new PlanState(engine);
  planState.offer(plan);
  const engineState = engine.createEngineState({ keys: await engine.createSigningKeys() });
  const metrics = createMetrics(planState);
  const logger = createLogger({ level: "silent" });
  const decider = createDecider({
    engine,
    engineState,
    planState,
    metrics,
    logger,
    now: Date.now,
    random: Math.random,
  });
  const services = loadServices();
  const { definition, encode } = byteTolerantDefinition(services.authorization);
  const impl = authorizationImplementation(
    { decider, metrics, logger, delays: new DelayTimers() },
    encode,
  );
  const mine = definition.Check as MethodDefinition<unknown, unknown>;
  return { impl, mine, metrics };
}

type Answer = { err: ServiceError | null; value: unknown };

describe("Check handler property", () => {
  it("never throws; always a valid CheckResponse or an injected gRPC error", async () => {
    const { impl, mine, metrics } = await handler();
    const check = impl.Check as unknown as (
      call: { request: unknown; on: () => void },
      cb: (err: ServiceError | null, value?: unknown) => void,
    ) => void;
    await fc.assert(
      fc.property(checkRequestArbitrary, (req) => {
        // The wire path grpc-js takes: Envoy's encoder, our decoder.
        const decoded = mine.requestDeserialize(envoy.requestSerialize(req));
        let answer: Answer | undefined;
        check({ request: decoded, on: () => {} }, (err, value) => {
          answer = { err, value };
        });
        assert.ok(answer !== undefined, "answered synchronously (no delay faults in this plan)");
        if (answer.err !== null) {
          assert.equal(answer.err.code, 14, "only the error fault fails the call");
          return;
        }
        assert.ok(Buffer.isBuffer(answer.value));
        const res = envoy.responseDeserialize(mine.responseSerialize(answer.value)) as {
          status?: { code?: number };
          http_response?: string;
          denied_response?: { status?: { code?: unknown } };
        };
        assert.ok(res.status !== undefined, "status is always set");
        const code = res.status.code ?? 0;
        if (code === 0) {
          assert.equal(res.http_response, "ok_response");
        } else {
          assert.equal(code, 7);
          assert.equal(res.http_response, "denied_response");
          assert.ok(res.denied_response?.status?.code !== undefined);
        }
      }),
      { numRuns: 400 },
    );
    assert.equal(await metrics.internalErrors(), 0, "no request needed the fail-open path");
    // The generator reached the experiments: every kind of answer was exercised.
    const counted = await metrics.registry.getSingleMetric("token_chaos_checks_total")?.get();
    const outcomes = new Set(
      counted?.values.filter((v) => v.value > 0).map((v) => v.labels.outcome),
    );
    for (const o of ["allow", "mutate", "deny", "error"]) assert.ok(outcomes.has(o), `saw ${o}`);
  });

  it("a decide that throws still answers OK (fail open) and counts it", async () => {
    const { metrics } = await handler();
    const planState = new PlanState(engine);
    const logger = createLogger({ level: "silent" });
    const decider = createDecider({
      engine: {
        ...engine,
        decide: () => {
          throw new Error("engine bug");
        },
      },
      engineState: engine.createEngineState({ keys: await engine.createSigningKeys() }),
      planState,
      metrics,
      logger,
      now: Date.now,
      random: Math.random,
    });
    const { encode } = byteTolerantDefinition(loadServices().authorization);
    const impl = authorizationImplementation(
      { decider, metrics, logger, delays: new DelayTimers() },
      encode,
    );
    const check = impl.Check as unknown as (
      call: { request: unknown; on: () => void },
      cb: (err: ServiceError | null, value?: unknown) => void,
    ) => void;
    let value: unknown;
    check({ request: {}, on: () => {} }, (err, v) => {
      assert.equal(err, null);
      value = v;
    });
    const res = envoy.responseDeserialize(value as Buffer) as { status?: { code?: number } };
    assert.equal(res.status?.code ?? 0, 0);
    assert.equal(await metrics.internalErrors(), 1);
  });
});
