// pino JSON logs for the authz-server. Two layers keep credentials out of the output:
// every argument of every log call goes through redactValue (secret keys such as
// authorization and cookie are blanked, token-like strings scrubbed), and every finished line
// is scrubbed once more for token-like text, which also covers child-logger bindings.

import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import { redactString, redactValue } from "./redact.ts";

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
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => redactValue(a)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
      streamWrite: (line) => redactString(line),
    },
  };
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination);
}

export type { Logger };
