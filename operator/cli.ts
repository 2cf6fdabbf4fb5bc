// `token-chaos operator`: runs the operator until SIGINT or SIGTERM, then releases the lease.

import type { CliIo, Subcommand } from "../cli/main.ts";
import { OPERATOR_USAGE, parseOperatorArgs } from "./options.ts";

// The operator's V8 flags (OPERATOR_V8_FLAGS in cli/v8-flags.ts) are applied by the command's
// entry point, which restarts the process with them before anything is loaded.

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
