// Wires the operator together: caches, queue, reconciler, plan publisher, leader election,
// safety monitors and the metrics endpoint. startOperator() is what the CLI and the tests call.

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { isDeepStrictEqual } from "node:util";
import type { KubeConfig, V1ConfigMap } from "@kubernetes/client-node";
import type { Injections, TokenChaosExperiment } from "../api/v1alpha1/types.ts";
import { ExperimentEvaluator } from "./controllers/evaluate.ts";
import { ExperimentReconciler } from "./controllers/experiment-reconciler.ts";
import { EventRecorder } from "./events/recorder.ts";
import { type AuthzService, InjectionCollector } from "./injections/injection-collector.ts";
import { PooledKubeConfig } from "./kube-client.ts";
import { LeaderElector } from "./leader/elector.ts";
import { DEFAULT_LEADER_TIMING, type LeaderTiming } from "./leader/lease-decision.ts";
import { CONTROLLER_NAME, HALT_CONFIGMAP, LEASE_NAME } from "./names.ts";
import { startHttpServer } from "./observability/http-server.ts";
import { createLogger, type Logger } from "./observability/log.ts";
import { OperatorMetrics } from "./observability/metrics.ts";
import { ConfigMapPlanStore } from "./plan/configmap-store.ts";
import { PlanPublisher } from "./plan/publisher.ts";
import { WorkQueue } from "./queue/work-queue.ts";
import { GuardMonitor } from "./safety/guard-monitor.ts";
import { RecoveryMonitor } from "./safety/recovery-monitor.ts";
import { errText, ListWatcher } from "./watch/list-watcher.ts";
import { experimentSource, namedConfigMapSource } from "./watch/sources.ts";

export interface OperatorTiming {
  leader: LeaderTiming;
  /** How often running guards are queried. */
  guardIntervalMs: number;
  recoveryIntervalMs: number;
  injectionsIntervalMs: number;
  publishDebounceMs: number;
  publishMaxDelayMs: number;
  pendingGraceMs: number;
  watchStallMs: number;
}

export const DEFAULT_TIMING: OperatorTiming = {
  leader: DEFAULT_LEADER_TIMING,
  guardIntervalMs: 500,
  recoveryIntervalMs: 2000,
  injectionsIntervalMs: 10_000,
  publishDebounceMs: 5,
  publishMaxDelayMs: 50,
  pendingGraceMs: 2000,
  watchStallMs: 120_000,
};

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  /** Watch only this namespace; all namespaces when absent. */
  namespace?: string;
  /** Where the plan, the halt ConfigMap and the Lease live. */
  operatorNamespace: string;
  leaderElect?: boolean;
  identity?: string;
  /** Port for /metrics, /healthz, /readyz; 0 picks a free one; absent: no HTTP server. */
  metricsPort?: number;
  metricsHost?: string;
  prometheusUrl?: string;
  authzService?: AuthzService;
  allowCrossNamespace?: boolean;
  crossNamespaceAllowed?: string[];
  workers?: number;
  logger?: Logger;
  logLevel?: string;
  timing?: Partial<OperatorTiming>;
}

export interface OperatorHandle {
  identity: string;
  metricsPort?: number;
  metrics: OperatorMetrics;
  isLeader(): boolean;
  /** Resolves once the experiment and halt caches have been listed. */
  ready: Promise<void>;
  stop(): Promise<void>;
}

/** Pod name (or host name), pid and a random suffix: unique even across restarts in one pod. */
export function defaultIdentity(): string {
  const base = process.env.POD_NAME || hostname();
  return `${base}_${process.pid}_${randomBytes(3).toString("hex")}`;
}

export async function startOperator(opts: OperatorOptions): Promise<OperatorHandle> {
  const timing: OperatorTiming = { ...DEFAULT_TIMING, ...opts.timing };
  const log = opts.logger ?? createLogger(opts.logLevel ?? "info");
  const identity = opts.identity ?? defaultIdentity();
  const metrics = new OperatorMetrics();
  const kc = PooledKubeConfig.from(opts.kubeConfig);
  let leader = opts.leaderElect !== true;
  let elector: LeaderElector | undefined;
  const isLeader = () => (elector === undefined ? leader : elector.isLeader());

  const queue = new WorkQueue({ metrics: metrics.queueMetrics(CONTROLLER_NAME) });
  let synced = false;
  let injections: Map<string, Injections> | undefined;

  const evaluator = new ExperimentEvaluator({
    policy: {
      allowAll: opts.allowCrossNamespace === true,
      allowed: new Set(opts.crossNamespaceAllowed ?? []),
    },
    prometheusConfigured: opts.prometheusUrl !== undefined,
  });

  const relisted = (resource: string) => (reason: string) =>
    metrics.relists.inc({ resource, reason });
  const experiments: ListWatcher<TokenChaosExperiment> = new ListWatcher(
    kc,
    experimentSource(kc, opts.namespace),
    (e) => {
      if (e.type === "DELETED") reconciler.forget(e.key);
      else reconciler.observed(e.key, e.obj);
      metrics.cached.set({ resource: "tokenchaosexperiments" }, experiments.size);
      queue.add(e.key);
      publisher.request();
    },
    { log, stallMs: timing.watchStallMs, onRelist: relisted("tokenchaosexperiments") },
  );
  const halt: ListWatcher<V1ConfigMap> = new ListWatcher(
    kc,
    namedConfigMapSource(kc, opts.operatorNamespace, HALT_CONFIGMAP),
    (e) => {
      log.warn(
        { halted: e.type !== "DELETED" },
        e.type === "DELETED" ? "global halt lifted" : "global halt in force",
      );
      publisher.request();
      for (const key of experiments.keys()) queue.add(key);
    },
    { log, stallMs: timing.watchStallMs, onRelist: relisted("halt") },
  );
  const halted = () => halt.size > 0;

  const publisher: PlanPublisher = new PlanPublisher({
    store: new ConfigMapPlanStore(kc, opts.operatorNamespace),
    log,
    metrics,
    // Never publish from a partial cache: an empty plan would stop every running experiment.
    isLeader: () => isLeader() && synced,
    inputs: (nowMs) => {
      const ctx = reconciler.context(nowMs);
      const eligible = new Map<string, TokenChaosExperiment>();
      for (const [key, obj] of entries(experiments)) {
        if (evaluator.evaluate(key, obj, ctx).result.inPlan) eligible.set(key, obj);
      }
      return { experiments: eligible, halted: ctx.halted };
    },
    onPublished: (changed) => {
      for (const key of changed) queue.add(key);
    },
    debounceMs: timing.publishDebounceMs,
    maxDelayMs: timing.publishMaxDelayMs,
  });

  const recorder = new EventRecorder(kc, { identity, log, metrics });
  const reconciler: ExperimentReconciler = new ExperimentReconciler({
    kc,
    log,
    metrics,
    cache: experiments,
    evaluator,
    publisher,
    recorder,
    isLeader,
    halted,
    injections: () => injections,
    pendingGraceMs: timing.pendingGraceMs,
  });

  const enqueueAll = () => {
    for (const key of experiments.keys()) queue.add(key);
  };
  if (opts.leaderElect === true) {
    elector = new LeaderElector(kc, {
      namespace: opts.operatorNamespace,
      name: LEASE_NAME,
      identity,
      timing: timing.leader,
      log,
      metrics,
      onStartedLeading: () => {
        publisher.resetRemote();
        publisher.request();
        enqueueAll();
      },
      onStoppedLeading: () => {
        publisher.resetRemote();
        reconciler.resetPhases();
      },
    });
  } else {
    metrics.leader.set(1);
  }

  const guard =
    opts.prometheusUrl === undefined
      ? undefined
      : new GuardMonitor({
          prometheusUrl: opts.prometheusUrl,
          intervalMs: timing.guardIntervalMs,
          log,
          running: function* () {
            for (const [key, phase] of reconciler.phases) {
              if (phase !== "Running") continue;
              const obj = experiments.get(key);
              if (obj !== undefined) yield [key, obj];
            }
          },
          onBreach: (key, abort) => {
            if (!isLeader()) return;
            log.warn({ key, message: abort.message }, "guard breached: aborting");
            reconciler.aborts.set(key, abort);
            publisher.request();
            queue.add(key);
          },
        });
  const recovery =
    opts.prometheusUrl === undefined
      ? undefined
      : new RecoveryMonitor({
          prometheusUrl: opts.prometheusUrl,
          intervalMs: timing.recoveryIntervalMs,
          log,
          candidates: function* () {
            for (const [key, obj] of entries(experiments)) {
              if (obj.spec?.steadyState === undefined) continue;
              yield [key, { ...obj, status: reconciler.effectiveStatus(key, obj) }];
            }
          },
          onObservation: (key, uid, obs) => {
            reconciler.recoveries.set(key, { uid, obs });
            queue.add(key);
          },
        });
  const collector = new InjectionCollector({
    kc,
    log,
    authzService: opts.authzService,
    prometheusUrl: opts.prometheusUrl,
    intervalMs: timing.injectionsIntervalMs,
    onCounts: (counts) => {
      const before = injections ?? new Map<string, Injections>();
      injections = counts;
      for (const key of experiments.keys()) {
        if (!isDeepStrictEqual(before.get(key), counts.get(key)) && counts.has(key)) queue.add(key);
      }
    },
  });

  experiments.start();
  halt.start();
  const ready = Promise.all([experiments.waitForSync(), halt.waitForSync()]).then(() => {
    synced = true;
    log.info({ experiments: experiments.size, halted: halted() }, "caches synced");
    publisher.request();
  });

  const workersDone = ready.then(() =>
    queue.run(
      opts.workers ?? 8,
      async (key) => {
        const end = metrics.reconcileTime.startTimer({ controller: CONTROLLER_NAME });
        try {
          const r = await reconciler.reconcile(key);
          metrics.reconcileTotal.inc({
            controller: CONTROLLER_NAME,
            result: r?.requeueAfterMs !== undefined ? "requeue_after" : "success",
          });
          return r;
        } finally {
          end();
        }
      },
      (key, err) => {
        metrics.reconcileTotal.inc({ controller: CONTROLLER_NAME, result: "error" });
        metrics.reconcileErrors.inc({ controller: CONTROLLER_NAME });
        const [namespace, name] = key.split("/");
        log.error(
          { namespace, name, err: errText(err), retries: queue.failuresOf(key) },
          "reconcile failed",
        );
      },
    ),
  );

  elector?.start();
  guard?.start();
  recovery?.start();
  collector.start();

  let server: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  if (opts.metricsPort !== undefined) {
    server = await startHttpServer(
      opts.metricsHost ?? "0.0.0.0",
      opts.metricsPort,
      metrics.registry,
      {
        healthy: () => true,
        ready: () => synced,
      },
    );
    log.info(
      { port: server.port, identity, leaderElect: opts.leaderElect === true },
      "operator listening",
    );
  }

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      guard?.stop();
      recovery?.stop();
      collector.stop();
      await elector?.stop();
      leader = false;
      publisher.stop();
      queue.shutdown();
      await Promise.all([experiments.stop(), halt.stop()]);
      await workersDone.catch(() => undefined);
      if (server !== undefined) {
        server.server.closeAllConnections();
        await new Promise<void>((resolve) => server?.server.close(() => resolve()));
      }
      await recorder.stop();
      await kc.close();
      log.info({ identity }, "operator stopped");
    })();
    return stopping;
  };

  return {
    identity,
    metricsPort: server?.port,
    metrics,
    isLeader,
    ready,
    stop,
  };
}

function* entries<T>(w: ListWatcher<T & object>): Generator<[string, T]> {
  for (const key of w.keys()) {
    const v = w.get(key);
    if (v !== undefined) yield [key, v];
  }
}
