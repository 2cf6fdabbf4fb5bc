// Starts the system's real nginx (Debian's nginx-light) on a free loopback port, configured from
// nginx.conf.template, in a temp prefix holding its config, pid, logs and temp files. It runs in
// the foreground (`daemon off`) as a child of the test and is stopped by its pid.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freePort } from "../../support/child-process.ts";
import { portOpen, type RunningChild, startChild, tempDir } from "../support/child-process.ts";
import { type ProxyRoutes, renderTemplate } from "./render.ts";

export const NGINX_BIN = process.env.TOKEN_CHAOS_NGINX ?? "/usr/sbin/nginx";

export interface NginxOptions {
  /** The authz-server's HTTP port. */
  authzPort: number;
  /** Path on the authz-server that answers checks (the original URI goes in X-Original-URI). */
  authPath: string;
  routes: ProxyRoutes;
  /** Listen port; default a free one. */
  port?: number;
  /** proxy_read_timeout of the check, default "1s". */
  authTimeout?: string;
  /** Fail open: when the check fails (500 from auth_request), serve the request anyway. */
  failOpen?: boolean;
}

export interface RunningProxy {
  name: string;
  port: number;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

export async function startNginx(opts: NginxOptions): Promise<RunningProxy> {
  const dir = await tempDir("nginx");
  const port = opts.port ?? (await freePort());
  const routes = Object.entries(opts.routes.byHost ?? {})
    .map(([host, p]) => `    ${host} 127.0.0.1:${p};`)
    .join("\n");
  const conf = await renderTemplate(new URL("./nginx.conf.template", import.meta.url), {
    // Workers of a root master would switch to `nobody`, who cannot use the private temp dir.
    USER_DIRECTIVE: process.getuid?.() === 0 ? "user root;" : "",
    DIR: dir,
    PORT: String(port),
    AUTHZ_PORT: String(opts.authzPort),
    AUTH_PATH: opts.authPath,
    AUTH_TIMEOUT: opts.authTimeout ?? "1s",
    DEFAULT_UPSTREAM: String(opts.routes.defaultPort),
    HOST_ROUTES: routes,
    FAIL_OPEN_NOTE: opts.failOpen
      ? "This config fails open instead: error_page 500 sends the request upstream."
      : "To fail open instead, add `error_page 500 = @token_chaos_fail_open;` (see failOpen).",
    FAIL_OPEN_ERROR_PAGE: opts.failOpen ? "      error_page 500 = @token_chaos_fail_open;" : "",
    FAIL_OPEN_LOCATION: opts.failOpen
      ? [
          "",
          "    # Only nginx's own 500 (a failed check) lands here: upstream errors are not",
          "    # intercepted, so this is the equivalent of Envoy's failure_mode_allow.",
          "    location @token_chaos_fail_open {",
          "      proxy_http_version 1.1;",
          '      proxy_set_header Connection "";',
          "      proxy_set_header Host $host;",
          "      proxy_pass http://$backend;",
          "    }",
        ].join("\n")
      : "",
  });
  const confPath = join(dir, "nginx.conf");
  await writeFile(confPath, conf);
  const child: RunningChild = await startChild({
    name: "nginx",
    command: NGINX_BIN,
    // -e: the error log before the config is read, so nginx never touches /var/log/nginx.
    args: ["-p", dir, "-c", confPath, "-e", join(dir, "error.log")],
    dir,
    stopSignal: "SIGQUIT",
    logFiles: ["error.log"],
    ready: () => portOpen(port),
  });
  return { name: "nginx", port, logs: child.logs, stop: child.stop };
}
