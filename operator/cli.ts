// `token-chaos operator`: runs the operator until SIGINT or SIGTERM, then releases the lease.

import type { CliIo, Subcommand } from "../cli/main.ts";
import { loadKubeConfig, operatorNamespace } from "./kube-config.ts";
import { createLogger } from "./observability/log.ts";
import { OPERATOR_USAGE, parseOperatorArgs } from "./options.ts";
import { startOperator } from "./start.ts";

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
