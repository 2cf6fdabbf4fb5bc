// pino JSON logs for the authz-server. Every argument of every log call goes through
// redactValue, so authorization headers, cookies and token-like strings never reach output,
// whichever field or message they arrive in.

import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import { redactValue } from "./redact.ts";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

export function createLogger(
  opts: { level?: LogLevel; destination?: DestinationStream; name?: string } = {},
): Logger {
  const options: LoggerOptions = {
    name: opts.name ?? "token-chaos-authz",
    level: opts.level ?? "info",
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      // Child-logger bindings bypass logMethod; scrub them too.
      bindings: (bindings) => redactValue(bindings) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => redactValue(a)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
  };
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination);
}

export type { Logger };
