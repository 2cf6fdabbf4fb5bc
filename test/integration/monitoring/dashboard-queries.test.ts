// Every dashboard query and every alert expression, run on a real Prometheus that scrapes a real
// authz-server (standalone, examples loaded, under a bounded load of Check calls on loopback) and
// a real operator (against the test cluster, reconciling an example).
// token-chaos queries must return data; Istio/Envoy queries cannot get data here but must parse
// and evaluate; every alert rule is loaded by Prometheus and evaluated without error.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { CustomObjectsApi } from "@kubernetes/client-node";
import type { TokenChaosExperiment } from "../../../api/v1alpha1/types.ts";
import { defaultEngine, type Engine } from "../../../authz-server/engine-api.ts";
import { type RunningServer, startAuthzServer } from "../../../authz-server/server.ts";
import { allAlerts } from "../../../monitoring/alerts.ts";
import { allQueries, expandVariables } from "../../../monitoring/queries.ts";
import { type AuthorizationClient, authorizationClient } from "../../e2e/support/envoy-protos.ts";
import { adminKubeConfig, createTestNamespace } from "../../support/cluster.ts";
import { installCrd } from "../../support/crd.ts";
import { parseYaml } from "../../support/raw-yaml.ts";
import { until } from "../../support/until.ts";
import { REPO_ROOT } from "../helm/helm.ts";
import { type RunningTokenChaos, startOperatorProcess } from "../helm/token-chaos-process.ts";
import { type RunningPrometheus, startPrometheus } from "./prometheus.ts";

const RULES_FILE = join(REPO_ROOT, "monitoring/token-chaos.rules.yaml");
/** What the test puts in for Grafana's $__rate_interval: several 1 s scrapes, all under load. */
const RATE_INTERVAL = "20s";
/** Load bounds: at most this many Check calls, this many in flight, for at most this long. */
const MAX_CALLS = 2500;
const CONCURRENCY = 8;
const LOAD_MS = 12_000;

const STARTING_EXAMPLES = [
  "missing-token.yaml",
  "expired-token-under-load.yaml",
  "slow-validation.yaml",
];
/** Added mid-load so the number of active experiments changes (the window annotations). */
const LATE_EXAMPLE = "invalid-signature.yaml";

// JWT-shaped tokens, a different one per call: experiments are sticky (a token keeps its
// verdict), so one token for all calls would be either always or never faulted. The faults under
// load act at the edge, strip or delay, so the signature is never verified.
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const tokenFor = (i: number) =>
  `${b64({ alg: "RS256", typ: "JWT", kid: "test" })}.${b64({ sub: `user-${i % 300}`, jti: `call-${i}`, exp: 4102444800 })}.c2lnbmF0dXJl`;
/** Every FAIL_EVERY-th call asks the wrapped engine to throw, so the fail-open path is taken. */
const FAIL_EVERY = 40;
const FAIL_HEADER = "x-test-engine-throws";

/** Requests shaped as Envoy sends them, for the example experiments' targets and for none. */
const SHAPES = [
  { host: "cart.shop.svc.cluster.local", method: "GET", path: "/api/cart/42" },
  { host: "checkout.shop.svc.cluster.local", method: "POST", path: "/api/orders" },
  { host: "catalog.shop.svc.cluster.local", method: "GET", path: "/api/search?q=tea" },
  { host: "inventory.shop.svc.cluster.local", method: "GET", path: "/api/stock/7" },
  { host: "unrelated.example.com", method: "GET", path: "/" },
];

async function check(client: AuthorizationClient, i: number): Promise<void> {
  const shape = SHAPES[i % SHAPES.length] as (typeof SHAPES)[number];
  const id = randomUUID();
  const now = Date.now();
  await client
    .check(
      {
        attributes: {
          source: {
            address: { socket_address: { address: "10.0.0.7", port_value: 41000 + (i % 1000) } },
          },
          destination: { address: { socket_address: { address: "10.0.0.9", port_value: 8080 } } },
          request: {
            time: { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 },
            http: {
              id,
              method: shape.method,
              headers: {
                ":authority": shape.host,
                ":method": shape.method,
                ":path": shape.path,
                ":scheme": "http",
                authorization: `Bearer ${tokenFor(i)}`,
                "x-request-id": id,
                ...(i % FAIL_EVERY === 0 ? { [FAIL_HEADER]: "1" } : {}),
              },
              path: shape.path,
              host: shape.host,
              scheme: "http",
              protocol: "HTTP/1.1",
              size: "0",
            },
          },
        },
      },
      5000,
    )
    // The `error` faults answer with gRPC errors on purpose; the load only has to happen.
    .catch(() => undefined);
}

/**
 * Bounded load: CONCURRENCY workers until MAX_CALLS calls or LOAD_MS have passed. `midway` runs
 * at half of LOAD_MS by the clock, not from a worker: on a fast machine the calls can all be done
 * before then, and the change must happen anyway.
 */
async function runLoad(client: AuthorizationClient, midway: () => Promise<void>): Promise<number> {
  const end = Date.now() + LOAD_MS;
  const midwayDone = sleep(LOAD_MS / 2).then(midway);
  let issued = 0;
  const worker = async () => {
    while (issued < MAX_CALLS && Date.now() < end) {
      const i = issued++;
      await check(client, i);
      await sleep(5);
    }
  };
  await Promise.all([...Array.from({ length: CONCURRENCY }, worker), midwayDone]);
  return issued;
}

describe("dashboard queries and alert expressions on a real Prometheus", () => {
  let dir: string;
  let authz: RunningServer;
  let operator: RunningTokenChaos | undefined;
  let prometheus: RunningPrometheus | undefined;
  let client: AuthorizationClient | undefined;
  let calls = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "tc-dashboard-experiments-"));
    for (const f of STARTING_EXAMPLES) await copyFile(join(REPO_ROOT, "examples", f), join(dir, f));
    // The real engine, except that decide throws on requests marked by the load generator:
    // the server must answer those with allow and count them, which the internal-error panel
    // and alert read.
    const real = await defaultEngine();
    const engine: Engine = {
      ...real,
      decide(attrs, plan, now, rng, state) {
        if (attrs.headers[FAIL_HEADER] !== undefined) throw new Error("engine failure on purpose");
        return real.decide(attrs, plan, now, rng, state);
      },
    };
    authz = await startAuthzServer({
      engine,
      host: "127.0.0.1",
      grpcPort: 0,
      httpPort: 0,
      metricsPort: 0,
      experiments: dir,
      // The engine failures on purpose would log an error line each.
      logLevel: "silent",
      pollMs: 200,
    });

    // The operator against the test cluster, in a namespace of its own, with an example applied.
    const ns = await createTestNamespace("dashboard");
    await installCrd();
    operator = await startOperatorProcess(ns, adminKubeConfig());
    const experiment = parseYaml(
      readFileSync(join(REPO_ROOT, "examples/missing-token.yaml"), "utf8").replaceAll(
        ".shop.svc",
        `.${ns}.svc`,
      ),
    ) as TokenChaosExperiment;
    experiment.metadata.namespace = ns;
    await adminKubeConfig().makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: "chaos.tokenchaos.dev",
      version: "v1alpha1",
      namespace: ns,
      plural: "tokenchaosexperiments",
      body: experiment,
    });

    prometheus = await startPrometheus({
      ruleFiles: [RULES_FILE],
      targets: [
        // Target labels as the ServiceMonitor's Kubernetes discovery adds them; the authz-server's
        // own `namespace` label (the experiment's) becomes exported_namespace, as in a cluster.
        {
          job: "authz-server",
          port: authz.metricsPort ?? 0,
          labels: { namespace: "token-chaos-system", pod: "authz-0" },
        },
        {
          job: "operator",
          port: operator.metricsPort,
          labels: { namespace: "token-chaos-system", pod: "operator-0" },
        },
      ],
    });
    const prom = prometheus;
    await until("both targets up", 20_000, async () => {
      const r = await prom.query("sum(up)");
      return r.ok && Number(r.samples[0]?.value[1]) === 2 ? true : undefined;
    });

    // The window annotation needs Prometheus to see the number of active experiments change:
    // first the starting count scraped, then the count with the late example added.
    const activeScraped = (n: number) =>
      until(`Prometheus to scrape ${n} active experiments`, 10_000, async () => {
        const r = await prom.query("max(token_chaos_active_experiments)");
        return r.ok && Number(r.samples[0]?.value[1]) === n ? true : undefined;
      });
    await activeScraped(STARTING_EXAMPLES.length);

    client = authorizationClient(`127.0.0.1:${authz.grpcPort}`);
    calls = await runLoad(client, () =>
      copyFile(join(REPO_ROOT, "examples", LATE_EXAMPLE), join(dir, LATE_EXAMPLE)),
    );
    await activeScraped(STARTING_EXAMPLES.length + 1);
    // A few more scrapes so the last of the load is in Prometheus.
    await sleep(2500);
  });

  after(async () => {
    client?.close();
    await prometheus?.stop();
    await operator?.stop();
    await authz?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("put a bounded load through the authz-server", async () => {
    assert.ok(calls > 200 && calls <= MAX_CALLS, `${calls} Check calls`);
    const r = await (prometheus as RunningPrometheus).query("sum(token_chaos_checks_total)");
    assert.ok(r.ok && Number(r.samples[0]?.value[1]) > 200, JSON.stringify(r));
  });

  for (const q of allQueries()) {
    const exempt = q.source === "istio" || q.source === "envoy";
    it(`${q.where}: ${exempt ? "parses and evaluates" : "returns data"}`, async () => {
      const expr = expandVariables(q.expr, RATE_INTERVAL);
      const prom = prometheus as RunningPrometheus;
      // Data can trail the load by a scrape; retry briefly before calling it empty.
      const r = await until(`data for ${expr}`, exempt ? 2000 : 8000, async () => {
        const res = await prom.query(expr);
        if (!res.ok) return res;
        if (exempt) return res;
        const finite = res.samples.some((s) => Number.isFinite(Number(s.value[1])));
        return finite ? res : undefined;
      }).catch(async (err: unknown) => {
        const last = await prom.query(expr);
        throw new Error(`${String(err)}\nlast answer: ${JSON.stringify(last)}\n${prom.output()}`);
      });
      assert.ok(r.ok, `${expr}: ${r.ok ? "" : `${r.errorType}: ${r.error}`}`);
      if (exempt) assert.deepEqual(r.samples, [], "a mesh query found data it cannot have here");
    });
  }

  for (const a of allAlerts()) {
    it(`alert ${a.alert} evaluates`, async () => {
      const r = await (prometheus as RunningPrometheus).query(a.expr);
      assert.ok(r.ok, `${a.expr}: ${r.ok ? "" : `${r.errorType}: ${r.error}`}`);
    });
  }

  it("loads every alert rule and evaluates each without error", async () => {
    const prom = prometheus as RunningPrometheus;
    interface RuleState {
      name: string;
      health: string;
      lastError?: string;
      lastEvaluation: string;
    }
    const rules = await until("every rule evaluated", 10_000, async () => {
      const data = (await prom.api("/api/v1/rules?type=alert")) as {
        groups: Array<{ rules: RuleState[] }>;
      };
      const all = data.groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((r) => !r.lastEvaluation.startsWith("0001-"))
        ? all
        : undefined;
    });
    assert.deepEqual(
      rules.map((r) => r.name).sort(),
      allAlerts()
        .map((a) => a.alert)
        .sort(),
    );
    for (const r of rules) {
      assert.equal(r.health, "ok", `${r.name}: ${r.lastError ?? ""}`);
    }
  });
});
