// Wires the authz-server together: plan source -> plan state -> decider -> gRPC and HTTP front
// ends, plus the metrics port. `startAuthzServer` is what the CLI runs and what tests and the
// demo start in-process.

import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server as GrpcServer, ServerCredentials } from "@grpc/grpc-js";
import type { DestinationStream } from "pino";
import { PLAN_CONFIGMAP } from "../api/plan/codec.ts";
import type { CompiledPlan } from "../api/plan/types.ts";
import { createDecider } from "./decider.ts";
import { DelayTimers } from "./delay-timers.ts";
import type { Random } from "./engine/types.ts";
import { defaultEngine, type Engine } from "./engine-api.ts";
import {
  authorizationImplementation,
  byteTolerantDefinition,
} from "./grpc/authorization-service.ts";
import { HealthStatus, NOT_SERVING } from "./grpc/health-service.ts";
import { loadServices } from "./grpc/protos.ts";
import { createAdminHandler } from "./http/admin-server.ts";
import { createForwardAuthHandler, type HttpFlavor } from "./http/forward-auth.ts";
import { JwksFetcher } from "./jwks-fetcher.ts";
import { createLogger, type Logger, type LogLevel } from "./observability/logger.ts";
import { type AuthzMetrics, createMetrics } from "./observability/metrics.ts";
import type { KubeConfigLike } from "./plan-source/kube-http.ts";
import type { PlanSink, PlanSource } from "./plan-source/plan-source.ts";
import { YamlFilesSource } from "./plan-source/yaml-files.ts";
import { PlanState } from "./plan-state.ts";

export interface AuthzServerOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** gRPC ext_authz port; 0 picks a free one. */
  grpcPort: number;
  /** HTTP mode port; 0 picks a free one; undefined disables HTTP mode. */
  httpPort?: number;
  /** /metrics, /healthz, /readyz port; 0 picks a free one; undefined disables it. */
  metricsPort?: number;
  /** Standalone: a TokenChaosExperiment YAML file or folder. */
  experiments?: string;
  /** Kubernetes: the ConfigMap the operator publishes the plan to. */
  planConfigMap?: { namespace: string; name?: string };
  /**
   * Credentials for planConfigMap: a client-node KubeConfig (its current cluster and user are
   * read, the library itself is not loaded here); default: $KUBECONFIG, ~/.kube/config, or the
   * pod's ServiceAccount.
   */
  kubeConfig?: KubeConfigLike;
  /** Any other source (tests, embedding). */
  planSource?: PlanSource;
  logger?: Logger;
  logLevel?: LogLevel;
  logDestination?: DestinationStream;
  httpFlavor?: HttpFlavor;
  httpPathPrefix?: string;
  /** Bound on the graceful drain at close(); then in-flight calls are cancelled. Default 10 s. */
  drainTimeoutMs?: number;
  engine?: Engine;
  now?: () => number;
  random?: Random;
  /** Standalone source tuning. */
  pollMs?: number;
  recompileMs?: number;
}

export interface RunningServer {
  host: string;
  grpcPort: number;
  httpPort: number | undefined;
  metricsPort: number | undefined;
  metrics: AuthzMetrics;
  planState: PlanState;
  planSource: PlanSource;
  logger: Logger;
  /** Graceful: NOT_SERVING, stop accepting, finish in-flight checks within the drain bound. */
  close(): Promise<void>;
}

/** A listen failure that names the option at fault, so the CLI can say which flag. */
export class ListenError extends Error {
  readonly option: string;
  readonly port: number;
  readonly inUse: boolean;
  constructor(option: string, host: string, port: number, cause: unknown) {
    const inUse = /EADDRINUSE|address already in use/i.test(String(cause));
    super(
      inUse
        ? `port ${port} on ${host} is already in use (${option})`
        : `cannot listen on ${host}:${port} (${option}): ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = "ListenError";
    this.option = option;
    this.port = port;
    this.inUse = inUse;
  }
}

function sourceKind(origin: string): string {
  const i = origin.indexOf(":");
  return i === -1 ? origin : origin.slice(0, i);
}

async function makeSource(opts: AuthzServerOptions, logger: Logger): Promise<PlanSource> {
  if (opts.planSource !== undefined) return opts.planSource;
  if (opts.experiments !== undefined) {
    return new YamlFilesSource({
      path: opts.experiments,
      logger,
      now: opts.now,
      pollMs: opts.pollMs,
      recompileMs: opts.recompileMs,
    });
  }
  if (opts.planConfigMap !== undefined) {
    // Loaded only here: the standalone mode never needs the Kubernetes transport.
    const [kube, { ConfigMapSource }] = await Promise.all([
      import("./plan-source/kube-http.ts"),
      import("./plan-source/configmap.ts"),
    ]);
    const access =
      opts.kubeConfig === undefined
        ? await kube.defaultKubeAccess()
        : await kube.materialize(kube.specFromKubeConfig(opts.kubeConfig));
    return new ConfigMapSource({
      access,
      namespace: opts.planConfigMap.namespace,
      name: opts.planConfigMap.name ?? PLAN_CONFIGMAP,
      logger,
    });
  }
  throw new Error("no plan source: give experiments (standalone) or planConfigMap (Kubernetes)");
}

function listenHttp(
  server: HttpServer,
  host: string,
  port: number,
  option: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(new ListenError(option, host, port, err));
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function bindGrpc(server: GrpcServer, host: string, port: number): Promise<number> {
  // IPv6 literals need brackets in a gRPC target.
  const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return new Promise((resolve, reject) => {
    server.bindAsync(target, ServerCredentials.createInsecure(), (err, bound) => {
      if (err !== null) reject(new ListenError("--grpc-port", host, port, err));
      else resolve(bound);
    });
  });
}

function closeHttp(server: HttpServer | undefined): Promise<void> {
  if (server === undefined || !server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

export async function startAuthzServer(opts: AuthzServerOptions): Promise<RunningServer> {
  const host = opts.host ?? "127.0.0.1";
  const logger =
    opts.logger ?? createLogger({ level: opts.logLevel, destination: opts.logDestination });
  const now = opts.now ?? Date.now;
  const engine = opts.engine ?? (await defaultEngine());
  const planState = new PlanState(engine);
  const metrics = createMetrics(planState, now);
  const engineState = engine.createEngineState({ keys: await engine.createSigningKeys() });
  const jwks = new JwksFetcher(engineState, logger);
  const delays = new DelayTimers();
  const decider = createDecider({
    engine,
    engineState,
    planState,
    metrics,
    logger,
    now,
    random: opts.random ?? Math.random,
  });
  const health = new HealthStatus();
  let shuttingDown = false;

  // gRPC: Authorization + Health.
  const services = loadServices();
  const { definition, encode } = byteTolerantDefinition(services.authorization);
  const grpcServer = new GrpcServer({
    // Envoy keeps long-lived HTTP/2 connections; answer its keepalive pings.
    "grpc.keepalive_permit_without_calls": 1,
    // channelz stays on (the default): with it off, grpc-js 1.14 does not track sessions, and
    // forceShutdown can no longer cut held checks off at the end of the drain bound.
  });
  grpcServer.addService(
    definition,
    authorizationImplementation({ decider, metrics, logger, delays }, encode),
  );
  grpcServer.addService(services.health, health.implementation());

  const forwardAuth = createForwardAuthHandler(
    { decider, metrics, logger, delays },
    {
      flavor: opts.httpFlavor ?? "auto",
      pathPrefix: opts.httpPathPrefix ?? "",
      maxBodyBytes: 64 * 1024,
    },
  );
  const httpServer =
    opts.httpPort === undefined
      ? undefined
      : createServer({ keepAlive: true, maxHeaderSize: 64 * 1024 }, forwardAuth);
  if (httpServer !== undefined) {
    // Longer than the idle timeouts of the proxies that call us, so they close first.
    httpServer.keepAliveTimeout = 65_000;
    httpServer.headersTimeout = 66_000;
  }
  const adminServer =
    opts.metricsPort === undefined
      ? undefined
      : createServer(
          createAdminHandler({
            registry: metrics.registry,
            logger,
            ready: () => planState.ready,
            shuttingDown: () => shuttingDown,
          }),
        );

  let grpcPort: number;
  let httpPort: number | undefined;
  let metricsPort: number | undefined;
  try {
    grpcPort = await bindGrpc(grpcServer, host, opts.grpcPort);
    if (httpServer !== undefined && opts.httpPort !== undefined) {
      httpPort = await listenHttp(httpServer, host, opts.httpPort, "--http-port");
    }
    if (adminServer !== undefined && opts.metricsPort !== undefined) {
      metricsPort = await listenHttp(adminServer, host, opts.metricsPort, "--metrics-port");
    }
  } catch (err) {
    grpcServer.forceShutdown();
    await Promise.all([closeHttp(httpServer), closeHttp(adminServer)]);
    throw err;
  }

  const sink: PlanSink = {
    offer(plan: CompiledPlan, origin: string): boolean {
      const current = planState.version();
      try {
        if (planState.offer(plan) === "stale") {
          logger.info(
            { source: origin, version: plan.version, current },
            "plan ignored: not newer than the plan in force",
          );
          return false;
        }
      } catch (err) {
        metrics.countPlanError(sourceKind(origin));
        logger.error(
          { source: origin, version: plan.version, err },
          "plan rejected; the last good plan stays in force",
        );
        return false;
      }
      const loaded = planState.effective(now());
      logger.info(
        {
          source: origin,
          version: plan.version,
          experiments: plan.experiments.length,
          halted: plan.halted,
          validUntil: plan.validUntil,
        },
        plan.halted ? "plan applied: HALTED, nothing is injected" : "plan applied",
      );
      for (const p of loaded.problems) {
        metrics.countPlanError(sourceKind(origin));
        logger.error(
          { source: origin, experiment: p.experiment, problem: p.message },
          "experiment left out of the plan",
        );
      }
      jwks.update(loaded);
      return true;
    },
    problem(origin, message, details) {
      metrics.countPlanError(sourceKind(origin));
      logger.error({ source: origin, ...details, problem: message }, "plan source problem");
    },
    ready() {
      planState.markReady();
    },
  };

  let planSource: PlanSource;
  try {
    planSource = await makeSource(opts, logger);
    await planSource.start(sink);
  } catch (err) {
    grpcServer.forceShutdown();
    await Promise.all([closeHttp(httpServer), closeHttp(adminServer)]);
    throw err;
  }

  logger.info(
    { host, grpcPort, httpPort, metricsPort, source: planSource.description },
    "authz-server listening",
  );

  let closing: Promise<void> | undefined;
  const drainTimeoutMs = opts.drainTimeoutMs ?? 10_000;
  const close = (): Promise<void> => {
    if (closing !== undefined) return closing;
    closing = (async () => {
      shuttingDown = true;
      health.set(NOT_SERVING);
      health.endWatches();
      logger.info({ inFlightDelays: delays.pending, drainTimeoutMs }, "draining");
      await planSource.stop();
      jwks.stop();
      const drained = Promise.all([
        new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve())),
        closeHttp(httpServer),
      ]);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), drainTimeoutMs);
        }),
      ]);
      if (timer !== undefined) clearTimeout(timer);
      if (timedOut) {
        logger.warn({ inFlightDelays: delays.pending }, "drain bound reached; cancelling");
        delays.cancelAll();
        grpcServer.forceShutdown();
        httpServer?.closeAllConnections();
        await drained;
      }
      await closeHttp(adminServer);
      adminServer?.closeAllConnections();
      logger.info("stopped");
    })();
    return closing;
  };

  return {
    host,
    grpcPort,
    httpPort,
    metricsPort,
    metrics,
    planState,
    planSource,
    logger,
    close,
  };
}
