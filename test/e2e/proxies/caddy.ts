// Starts the system's real Caddy (Debian's caddy package) on a free loopback port, configured
// from Caddyfile.template, with HOME and the XDG dirs in a temp dir so it writes nothing
// elsewhere. The admin API is off; Caddy is stopped by its pid.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freePort } from "../../support/child-process.ts";
import { portOpen, startChild, tempDir } from "../support/child-process.ts";
import type { RunningProxy } from "./nginx.ts";
import { type ProxyRoutes, renderTemplate } from "./render.ts";

export const CADDY_BIN = process.env.TOKEN_CHAOS_CADDY ?? "/usr/bin/caddy";

export interface CaddyOptions {
  authzPort: number;
  /** Path on the authz-server that answers checks (original request in X-Forwarded-*). */
  authPath: string;
  routes: ProxyRoutes;
  /** Listen port; default a free one. */
  port?: number;
  /** response_header_timeout of the check, default "1s". */
  authTimeout?: string;
}

export async function startCaddy(opts: CaddyOptions): Promise<RunningProxy> {
  const dir = await tempDir("caddy");
  const port = opts.port ?? (await freePort());
  const routes = Object.entries(opts.routes.byHost ?? {})
    .map(([host, p], i) => `\t\t@host${i} host ${host}\n\t\treverse_proxy @host${i} 127.0.0.1:${p}`)
    .join("\n");
  const conf = await renderTemplate(new URL("./Caddyfile.template", import.meta.url), {
    PORT: String(port),
    AUTHZ_PORT: String(opts.authzPort),
    AUTH_PATH: opts.authPath,
    AUTH_TIMEOUT: opts.authTimeout ?? "1s",
    DEFAULT_UPSTREAM: String(opts.routes.defaultPort),
    HOST_ROUTES: routes,
  });
  const confPath = join(dir, "Caddyfile");
  await writeFile(confPath, conf);
  const child = await startChild({
    name: "caddy",
    command: CADDY_BIN,
    args: ["run", "--config", confPath, "--adapter", "caddyfile"],
    dir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dir,
      XDG_DATA_HOME: join(dir, "data"),
      XDG_CONFIG_HOME: join(dir, "config"),
    },
    stopSignal: "SIGTERM",
    ready: () => portOpen(port),
  });
  return { name: "caddy", port, logs: child.logs, stop: child.stop };
}
