// The metrics port: /metrics (Prometheus text), /healthz (the process is alive) and /readyz
// (a plan source has delivered and the server is not shutting down).

import type { IncomingMessage, ServerResponse } from "node:http";
import type { Registry } from "prom-client";
import type { Logger } from "../observability/logger.ts";

export interface AdminDeps {
  registry: Registry;
  logger: Logger;
  ready: () => boolean;
  shuttingDown: () => boolean;
}

function text(res: ServerResponse, status: number, body: string, type = "text/plain"): void {
  res.writeHead(status, { "content-type": `${type}; charset=utf-8` });
  res.end(body);
}

export function createAdminHandler(
  deps: AdminDeps,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      text(res, 405, "method not allowed\n");
      return;
    }
    switch (path) {
      case "/healthz":
        text(res, 200, "ok\n");
        return;
      case "/readyz":
        if (deps.shuttingDown()) text(res, 503, "shutting down\n");
        else if (!deps.ready()) text(res, 503, "waiting for the first plan\n");
        else text(res, 200, "ready\n");
        return;
      case "/metrics":
        deps.registry.metrics().then(
          (body) => {
            res.writeHead(200, { "content-type": deps.registry.contentType });
            res.end(body);
          },
          (err: unknown) => {
            deps.logger.error({ err }, "metrics collection failed");
            text(res, 500, "metrics collection failed\n");
          },
        );
        return;
      default:
        text(res, 404, "not found: try /metrics, /healthz or /readyz\n");
    }
  };
}
