// `make demo`: token-chaos on one machine, no cluster. Starts the authz-server in standalone
// mode with the example experiments (adapted to 20-second staggered windows, see lanes.ts), a
// token issuer, the demo shop API (careful, careless and cache-trusting variants), a stand-in
// for Envoy in front of them, and bounded client traffic per scenario; shows it live and ends
// with a report. Everything listens on 127.0.0.1 and stops by itself in about two minutes.

import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dumpYaml } from "@kubernetes/client-node";
import type { TokenChaosExperiment } from "../../../api/v1alpha1/types.ts";
import { type RunningServer, startAuthzServer } from "../../../authz-server/server.ts";
import { freePort } from "../../support/child-process.ts";
import { type DemoApi, startDemoApi } from "../demo-api/api.ts";
import { type Issuer, JWKS_PATH, startIssuer } from "../demo-api/issuer.ts";
import { tempDir } from "../support/child-process.ts";
import { type EnvoyLike, startEnvoyLike } from "../support/envoy-like.ts";
import { closeClient } from "../support/http-client.ts";
import { ALL_SCOPES, AUDIENCE, HOSTS, ISSUER, waitUntilPasses } from "../support/stack.ts";
import {
  type ApiVariant,
  adaptExample,
  LANES,
  type LaneSpec,
  loadExample,
  WINDOW_S,
} from "./lanes.ts";
import { faultSummary, printReport, type ReportLane } from "./report.ts";
import { type Row, Screen } from "./screen.ts";
import { type LaneTraffic, startLane } from "./traffic.ts";

/** Set-up time before the first window opens. */
const LEAD_MS = 6000;
const MARGIN_MS = 3000;
/** Hard stop, whatever happens. */
const DEADLINE_MS = 170_000;
const TRUST_CACHE_TTL_MS = 8000;

async function main(): Promise<number> {
  const tty = process.stdout.isTTY === true && process.env.TOKEN_CHAOS_DEMO_PLAIN === undefined;
  const began = Date.now();
  const t0 = began + LEAD_MS;
  const screen = new Screen(process.stdout, tty, t0);
  const hardStop = setTimeout(() => {
    screen.line("demo: deadline reached, stopping");
    process.exit(1);
  }, DEADLINE_MS);
  hardStop.unref();

  screen.line(screen.color("token-chaos demo", "bold"));
  screen.line(
    "Standalone mode, no cluster: the authz-server with the example experiments, a token",
  );
  screen.line("issuer, the demo shop API and bounded client traffic, all on 127.0.0.1.");
  for (const l of [
    "ENVOY STAND-IN: Envoy cannot be installed here, so a small stand-in sits in front of the API.",
    "It sends Envoy-shaped CheckRequests (Envoy's own protos) to the authz-server's gRPC port and",
    "applies each CheckResponse exactly as Envoy's ext_authz filter does: ok_response header",
    "mutations, denied_response status/headers/body, and failure_mode_allow / status_on_error",
    "when the Check fails or takes longer than its 1 s timeout.",
  ]) {
    screen.line(screen.color(l, "cyan"));
  }

  const dir = await tempDir("demo");
  const stoppers: (() => Promise<void>)[] = [];
  try {
    const issuer: Issuer = await startIssuer({
      issuer: ISSUER,
      audience: AUDIENCE,
      clients: { "shop-frontend": { secret: "demo-secret", scopes: ALL_SCOPES } },
    });
    stoppers.push(issuer.close);

    // The experiments: every example a lane uses, adapted (one file per example).
    const experimentsDir = join(dir, "experiments");
    await mkdir(experimentsDir);
    const byExample = new Map<string, LaneSpec[]>();
    for (const l of LANES) byExample.set(l.example, [...(byExample.get(l.example) ?? []), l]);
    const experiments = new Map<string, TokenChaosExperiment>();
    for (const [file, lanes] of byExample) {
      const adapted = adaptExample(await loadExample(file), lanes, t0, `${issuer.url}${JWKS_PATH}`);
      experiments.set(file, adapted);
      await writeFile(join(experimentsDir, file), dumpYaml(adapted));
    }

    // The APIs fetch their keys through the front, as in a mesh; pick its port first.
    const frontPort = await freePort();
    const keyUrl = `http://127.0.0.1:${frontPort}${JWKS_PATH}`;
    const careful = await startDemoApi({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { kind: "refetch-on-unknown-kid", url: keyUrl, hostHeader: HOSTS.idp, ttlMs: 600_000 },
    });
    const trustCache = await startDemoApi({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { kind: "trust-cache", url: keyUrl, hostHeader: HOSTS.idp, ttlMs: TRUST_CACHE_TTL_MS },
    });
    const careless = await startDemoApi({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: { kind: "refetch-on-unknown-kid", url: keyUrl, hostHeader: HOSTS.idp, ttlMs: 600_000 },
      careless: true,
    });
    stoppers.push(careful.close, trustCache.close, careless.close);
    const apis: Record<ApiVariant, DemoApi> = {
      careful,
      careless,
      "trust-cache": trustCache,
    };

    const authz: RunningServer = await startAuthzServer({
      grpcPort: 0,
      httpPort: 0,
      metricsPort: 0,
      experiments: experimentsDir,
      logLevel: "silent",
    });
    stoppers.push(authz.close);
    screen.line(
      `authz-server: gRPC :${authz.grpcPort}, HTTP mode :${authz.httpPort}, metrics http://127.0.0.1:${authz.metricsPort}/metrics`,
    );
    screen.line(
      `  (in-process; the same as token-chaos authz --experiments DIR --grpc-port ${authz.grpcPort} --http-port ${authz.httpPort} --metrics-port ${authz.metricsPort})`,
    );
    screen.line(
      `plan: ${authz.planState.plan.experiments.length} experiments from examples/, ${WINDOW_S} s windows 8 s apart (see test/e2e/demo/lanes.ts):`,
    );
    for (const [file, exp] of experiments) {
      const w = new Date(exp.spec.schedule.startAt ?? 0).getTime() - t0;
      screen.line(`  t+${String(w / 1000).padStart(3)}s  ${file.padEnd(32)} ${faultSummary(exp)}`);
    }

    const upstreams: Record<string, number> & { default: number } = {
      default: careful.port,
      [HOSTS.idp]: issuer.port,
    };
    for (const l of LANES) upstreams[l.host] = apis[l.api].port;
    const envoy: EnvoyLike = await startEnvoyLike({
      authz: `127.0.0.1:${authz.grpcPort}`,
      upstreams,
      port: frontPort,
      timeoutMs: 1000,
    });
    const envoyOpen: EnvoyLike = await startEnvoyLike({
      authz: `127.0.0.1:${authz.grpcPort}`,
      upstreams,
      failureModeAllow: true,
      timeoutMs: 1000,
    });
    stoppers.push(envoy.close, envoyOpen.close);
    for (const e of [envoy, envoyOpen]) {
      const failure = await waitUntilPasses(e.port);
      if (failure !== undefined)
        throw new Error(`the Envoy stand-in does not pass requests: ${failure}`);
    }
    screen.line(
      `Envoy stand-in: :${envoy.port} (failure_mode_allow: false), :${envoyOpen.port} (failure_mode_allow: true)`,
    );
    screen.line();

    const lanes: LaneTraffic[] = LANES.map((spec) => {
      const exp = experiments.get(spec.example) as TokenChaosExperiment;
      const windowStart = t0 + spec.offsetS * 1000;
      return startLane(spec, {
        port: spec.front === "envoy" ? envoy.port : envoyOpen.port,
        issuer,
        windowStart,
        windowEnd: windowStart + WINDOW_S * 1000,
        marginMs: MARGIN_MS,
        users: 2,
        thinkMs: 100,
        optIn: exp.spec.target.optInHeader,
        maxRequests: 3000,
      });
    });
    const rows: Row[] = lanes.map((lane) => ({ lane, injected: 0 }));
    const experimentOf = (l: LaneTraffic): string => {
      const e = experiments.get(l.spec.example) as TokenChaosExperiment;
      return `${e.metadata.namespace}/${e.metadata.name}`;
    };

    // Live loop: events at window edges, the table twice a second, metrics once a second.
    const announced = new Set<string>();
    const all = Promise.all(lanes.map((l) => l.done));
    let finished = false;
    void all.then(() => {
      finished = true;
    });
    let lastMetrics = 0;
    while (!finished) {
      const now = Date.now();
      for (const l of lanes) {
        const key = l.spec.example;
        const exp = experiments.get(key) as TokenChaosExperiment;
        if (now >= l.windowStart && !announced.has(`open:${key}`)) {
          announced.add(`open:${key}`);
          screen.event(
            now,
            screen.color(`window OPEN   ${key} (${faultSummary(exp)}) for ${WINDOW_S} s`, "yellow"),
          );
        }
        if (now >= l.windowEnd && !announced.has(`close:${key}`)) {
          announced.add(`close:${key}`);
          screen.event(now, screen.color(`window CLOSED ${key}`, "green"));
        }
      }
      if (now - lastMetrics >= 1000) {
        lastMetrics = now;
        const injected = await injectedByExperiment(authz);
        for (const r of rows) r.injected = injected.get(experimentOf(r.lane)) ?? 0;
      }
      screen.draw(rows, now);
      await new Promise((r) => setTimeout(r, 500));
    }
    const injected = await injectedByExperiment(authz);
    const report: ReportLane[] = lanes.map((lane) => ({
      lane,
      experiment: experiments.get(lane.spec.example) as TokenChaosExperiment,
      injected: injected.get(experimentOf(lane)) ?? 0,
    }));
    printReport(screen, report);
    screen.line();
    screen.line(`demo finished in ${((Date.now() - began) / 1000).toFixed(0)} s`);
    return 0;
  } finally {
    closeClient();
    for (const stop of stoppers.reverse()) await stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

/** token_chaos_injections_total{outcome="injected"} summed per experiment. */
async function injectedByExperiment(authz: RunningServer): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const metric = authz.metrics.registry.getSingleMetric("token_chaos_injections_total");
  if (metric === undefined) return out;
  const data = await metric.get();
  for (const v of data.values) {
    if (v.labels.outcome !== "injected") continue;
    const id = String(v.labels.experiment);
    out.set(id, (out.get(id) ?? 0) + v.value);
  }
  return out;
}

process.exitCode = await main();
