// pino logger for the operator. Objects are logged by namespace/name only: specs may carry header
// values and claims, and status never carries tokens, so nothing token-like reaches the log.

import { type DestinationStream, type Logger, pino } from "pino";

export type { Logger };

export function createLogger(level = "info", destination?: DestinationStream): Logger {
  const opts = {
    level,
    base: { component: "operator" },
    redact: {
      paths: ["authorization", "*.authorization", "token", "*.token"],
      censor: "[redacted]",
    },
  };
  return destination === undefined ? pino(opts) : pino(opts, destination);
}
