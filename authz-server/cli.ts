// `token-chaos authz`: runs the data plane until SIGTERM/SIGINT, then drains and exits 0.
// Exit 2 for a bad flag or environment value, 1 when the server cannot start (port in use).

import { stat } from "node:fs/promises";
import type { CliIo, Subcommand } from "../cli/main.ts";
import { AUTHZ_USAGE, parseAuthzArgs } from "./cli-options.ts";
import type { RunningServer } from "./server.ts";

function fail(io: CliIo, message: string, code: number): number {
  io.stderr.write(`token-chaos authz: ${message.split("\n").join("\ntoken-chaos authz: ")}\n`);
  if (code === 2) io.stderr.write("Run 'token-chaos authz --help' for the options.\n");
  return code;
}

export const authzCommand: Subcommand = {
  summary:
    "Run the ext_authz data plane (gRPC, HTTP mode, metrics) from YAML or the operator's plan",
  async run(args: string[], io: CliIo): Promise<number> {
    const parsed = parseAuthzArgs(args, io.env);
    if (!parsed.ok) {
      if (parsed.help === true) {
        io.stdout.write(AUTHZ_USAGE);
        return 0;
      }
      return fail(io, parsed.error, 2);
    }
    const opts = parsed.options;
    if (opts.experiments !== undefined) {
      try {
        await stat(opts.experiments);
      } catch {
        return fail(io, `--experiments: '${opts.experiments}' does not exist or cannot be read`, 2);
      }
    }

    // Loaded only now: a flag error is reported without paying for gRPC and the logger.
    const [{ setLogger }, { pino }, { createLogger }, { ListenError, startAuthzServer }] =
      await Promise.all([
        import("@grpc/grpc-js"),
        import("pino"),
        import("./observability/logger.ts"),
        import("./server.ts"),
      ]);
    // On the real stdout, an asynchronous writer with a bounded buffer: when whatever reads
    // the logs falls behind (a burst of fault decisions), lines are dropped rather than
    // queued without limit in the memory of a process that sits on the request path.
    const out =
      io.stdout === process.stdout
        ? pino.destination({ dest: 1, sync: false, maxLength: 16 * 1024 * 1024 })
        : io.stdout;
    const logger = createLogger({ level: opts.logLevel, destination: out });
    // grpc-js reports through console by default; route it into the JSON log instead.
    setLogger({
      error: (...a: unknown[]) => logger.warn({ component: "grpc-js" }, a.map(String).join(" ")),
      info: (...a: unknown[]) => logger.debug({ component: "grpc-js" }, a.map(String).join(" ")),
      debug: (...a: unknown[]) => logger.trace({ component: "grpc-js" }, a.map(String).join(" ")),
    });
    // The chaos tool must not become the outage: a stray async failure is logged, not fatal.
    process.on("unhandledRejection", (err) => logger.error({ err }, "unhandled rejection"));

    // A signal that arrives while the servers are still starting (a pod deleted at once) is
    // remembered and honoured as soon as they are up, instead of killing the process mid-start.
    let signalled: string | undefined;
    const early = (signal: string) => () => {
      signalled ??= signal;
    };
    const earlyTerm = early("SIGTERM");
    const earlyInt = early("SIGINT");
    process.on("SIGTERM", earlyTerm);
    process.on("SIGINT", earlyInt);

    let running: RunningServer;
    try {
      running = await startAuthzServer({
        host: opts.host,
        grpcPort: opts.grpcPort,
        httpPort: opts.httpPort,
        metricsPort: opts.metricsPort,
        experiments: opts.experiments,
        planConfigMap: opts.planConfigMap,
        logger,
        httpFlavor: opts.httpFlavor,
        httpPathPrefix: opts.httpPathPrefix,
        drainTimeoutMs: opts.drainTimeoutMs,
      });
    } catch (err) {
      if (err instanceof ListenError) return fail(io, err.message, 1);
      return fail(io, `cannot start: ${err instanceof Error ? err.message : String(err)}`, 1);
    }
    out.write(
      `${JSON.stringify({
        listening: {
          host: running.host,
          grpc: running.grpcPort,
          http: running.httpPort,
          metrics: running.metricsPort,
        },
      })}\n`,
    );

    return new Promise<number>((resolve) => {
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) {
          logger.warn({ signal }, "second signal during drain; exiting now");
          process.exit(0);
        }
        stopping = true;
        logger.info({ signal }, "shutting down");
        running.close().then(
          () => {
            logger.flush();
            resolve(0);
            // Anything still holding the event loop (a keep-alive agent) must not block exit.
            setTimeout(() => process.exit(0), 2000).unref();
          },
          (err: unknown) => {
            logger.error({ err }, "shutdown failed");
            resolve(0);
          },
        );
      };
      process.on("SIGTERM", () => stop("SIGTERM"));
      process.on("SIGINT", () => stop("SIGINT"));
      process.off("SIGTERM", earlyTerm);
      process.off("SIGINT", earlyInt);
      if (signalled !== undefined) stop(signalled);
    });
  },
};
