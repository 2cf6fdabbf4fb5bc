// `token-chaos operator`: runs the operator until SIGINT or SIGTERM, then releases the lease.

import { setFlagsFromString } from "node:v8";
import type { CliIo, Subcommand } from "../cli/main.ts";
import { OPERATOR_USAGE, parseOperatorArgs } from "./options.ts";

/**
 * A controller allocates in small bursts around each reconcile; V8's default young generation
 * (up to 16 MB semi-spaces) and speed-tuned heuristics hold on to far more memory than that
 * needs. These flags keep the operator well inside its memory budget at 1,000 experiments.
 * They must be set before the Kubernetes client is loaded (its module graph is most of the
 * heap), hence the dynamic imports below. TOKEN_CHAOS_V8_FLAGS overrides them ("" disables).
 */
export const LEAN_V8_FLAGS = "--max-semi-space-size=1 --optimize-for-size";

async function run(args: string[], io: CliIo): Promise<number> {
  const flags = parseOperatorArgs(args);
  if ("error" in flags) {
    io.stderr.write(`token-chaos operator: ${flags.error}\n\n${OPERATOR_USAGE}`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(OPERATOR_USAGE);
    return 0;
  }
  const v8Flags = io.env.TOKEN_CHAOS_V8_FLAGS ?? LEAN_V8_FLAGS;
  if (v8Flags.trim() !== "") setFlagsFromString(v8Flags);
  const { loadKubeConfig, operatorNamespace } = await import("./kube-config.ts");
  const { createLogger } = await import("./observability/log.ts");
  const { startOperator } = await import("./start.ts");
  let kc: ReturnType<typeof loadKubeConfig>;
  try {
    kc = loadKubeConfig(flags.kubeconfig, io.env);
  } catch (err) {
    io.stderr.write(`token-chaos operator: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const log = createLogger(flags.logLevel);
  let handle: Awaited<ReturnType<typeof startOperator>>;
  try {
    handle = await startOperator({
      kubeConfig: kc,
      namespace: flags.namespace,
      operatorNamespace: operatorNamespace(flags.operatorNamespace, io.env),
      leaderElect: flags.leaderElect,
      identity: flags.identity,
      metricsPort: flags.metricsPort,
      metricsHost: flags.metricsHost,
      prometheusUrl: flags.prometheusUrl,
      authzService: flags.authzService,
      allowCrossNamespace: flags.allowCrossNamespace,
      crossNamespaceAllowed: flags.crossNamespaceAllowed,
      workers: flags.workers,
      logger: log,
    });
  } catch (err) {
    io.stderr.write(`token-chaos operator: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  log.info({ signal }, "shutting down");
  await handle.stop();
  return 0;
}

export const operatorCommand: Subcommand = {
  summary: "run the operator: reconcile experiments into the published plan",
  run,
};
