// temporary: in-process cost of the authz pipeline vs decode only
import { readFileSync } from "node:fs";
import { compilePlan } from "./api/plan/compile.ts";
import type { TokenChaosExperiment } from "./api/v1alpha1/types.ts";
import { loadYamlDocuments } from "./api/yaml.ts";
import { createDecider } from "./authz-server/decider.ts";
import { DelayTimers } from "./authz-server/delay-timers.ts";
import { defaultEngine } from "./authz-server/engine-api.ts";
import { authorizationImplementation, byteTolerantDefinition } from "./authz-server/grpc/authorization-service.ts";
import { loadServices } from "./authz-server/grpc/protos.ts";
import { createLogger } from "./authz-server/observability/logger.ts";
import { createMetrics } from "./authz-server/observability/metrics.ts";
import { PlanState } from "./authz-server/plan-state.ts";

const { definition, encode } = byteTolerantDefinition(loadServices().authorization);
const check = definition.Check as unknown as { requestDeserialize(b: Buffer): unknown; requestSerialize(m: unknown): Buffer };
const req = JSON.parse(readFileSync("/tmp/memfx/requests.json", "utf8"))["pass-through"];
const bytes = check.requestSerialize(req);
const engine = await defaultEngine();
const planState = new PlanState(engine);
const docs = loadYamlDocuments(readFileSync("/tmp/memfx/exp-1000/experiments.yaml", "utf8")) as TokenChaosExperiment[];
const now = Date.now();
planState.offer(compilePlan(docs, { nowMs: now, version: 1 }).plan);
const metrics = createMetrics(planState);
const logger = createLogger({ level: "info" });
const engineState = engine.createEngineState({ keys: await engine.createSigningKeys() });
const decider = createDecider({ engine, engineState, planState, metrics, logger, now: Date.now, random: Math.random });
const impl = authorizationImplementation({ decider, metrics, logger, delays: new DelayTimers() }, encode) as unknown as { Check(call: unknown, cb: (e: unknown, v: unknown) => void): void };
const N = 200_000;
let sink = 0;
const cb = (_e: unknown, v: unknown) => { if (v !== undefined) sink++; };
for (let round = 0; round < 4; round++) {
  let t = performance.now();
  for (let i = 0; i < N; i++) { const m = check.requestDeserialize(bytes); if (m !== undefined) sink++; }
  const dec = ((performance.now() - t) * 1000) / N;
  t = performance.now();
  for (let i = 0; i < N; i++) { const m = check.requestDeserialize(bytes); impl.Check({ request: m, on() {} }, cb); }
  const full = ((performance.now() - t) * 1000) / N;
  console.log(`decode ${dec.toFixed(2)} us, decode+authz ${full.toFixed(2)} us, authz own ${(full - dec).toFixed(2)} us`);
}
console.log(sink > 0);
