// The nginx and Caddy configurations shipped in examples/integrations/, run as they are (only
// addresses and ports rewritten for loopback) with the real nginx and Caddy in front of a real
// authz-server in HTTP mode: pass-through, an upstream token rewrite, the `strip` removal, edge
// denials with their RFC 6750 challenge, and what each proxy does when the authz-server is gone.

import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type RunningServer, startAuthzServer } from "../../../authz-server/server.ts";
import { freePort, type RunningProcess, startProcess } from "../../support/child-process.ts";
import { REPO_ROOT } from "../helm/helm.ts";

const NGINX_BIN = process.env.TOKEN_CHAOS_NGINX ?? "/usr/sbin/nginx";
const CADDY_BIN = process.env.TOKEN_CHAOS_CADDY ?? "/usr/bin/caddy";

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const TOKEN = `${b64({ alg: "RS256", typ: "JWT", kid: "k1" })}.${b64({ sub: "alice", exp: 4102444800, scope: "orders:read" })}.c2lnbmF0dXJl`;

function experiment(name: string, host: string, fault: string): string {
  return `apiVersion: chaos.tokenchaos.dev/v1alpha1
kind: TokenChaosExperiment
metadata: {name: ${name}, namespace: proxies}
spec:
  target: {hosts: [${host}]}
  faults:
${fault}
  schedule: {duration: 1h}
`;
}

const EXPERIMENTS: Record<string, string> = {
  "strip.yaml": experiment("strip", "strip.test", "    - {type: strip, at: upstream}"),
  "rewrite.yaml": experiment("rewrite", "rewrite.test", "    - {type: expire, at: upstream}"),
  "expired.yaml": experiment("expired", "expired.test", "    - {type: expire, at: edge}"),
  "scope.yaml": experiment(
    "scope",
    "scope.test",
    "    - {type: scope, at: edge, scope: {require: [orders:write]}}",
  ),
};

interface Upstream {
  port: number;
  /** Authorization header of the last request that reached the upstream, null when absent. */
  lastAuthorization(): string | null | undefined;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  let last: string | null | undefined;
  const server: Server = createServer((req, res) => {
    last = req.headers.authorization ?? null;
    res.writeHead(200, { "content-type": "text/plain" }).end("upstream ok\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    lastAuthorization: () => last,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** GET with a chosen Host header (fetch does not let a caller set Host). */
function get(port: number, host: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/api/orders",
        headers: { host, authorization: `Bearer ${TOKEN}` },
        timeout: 5000,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (d: string) => {
          body += d;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end();
  });
}

function header(r: Reply, name: string): string {
  const v = r.headers[name];
  return Array.isArray(v) ? v.join(", ") : (v ?? "");
}

interface Proxy {
  name: string;
  port: number;
  process: RunningProcess;
  dir: string;
}

async function startNginx(authzPort: number, upstreamPort: number): Promise<Proxy> {
  const dir = await mkdtemp(join(tmpdir(), "tc-nginx-example-"));
  const port = await freePort();
  const example = (
    await readFile(join(REPO_ROOT, "examples/integrations/nginx/token-chaos.conf"), "utf8")
  )
    .replaceAll(
      "token-chaos-authz.token-chaos-system.svc.cluster.local:9002",
      `127.0.0.1:${authzPort}`,
    )
    .replace("server 127.0.0.1:8000;", `server 127.0.0.1:${upstreamPort};`)
    .replace("listen 8080;", `listen 127.0.0.1:${port};`);
  assert.ok(example.includes(`127.0.0.1:${authzPort}`) && example.includes(`127.0.0.1:${port}`));
  await writeFile(join(dir, "token-chaos.conf"), example);
  const paths = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
    .map((p) => `  ${p}_temp_path ${join(dir, p)};`)
    .join("\n");
  // The example is an http{} include; this is the smallest nginx.conf around it.
  await writeFile(
    join(dir, "nginx.conf"),
    `${process.getuid?.() === 0 ? "user root;\n" : ""}daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 128; }
http {
  access_log off;
${paths}
  include ${join(dir, "token-chaos.conf")};
}
`,
  );
  const process_ = await startProcess({
    name: "nginx",
    command: NGINX_BIN,
    args: ["-c", join(dir, "nginx.conf"), "-p", dir],
    cwd: dir,
    env: { PATH: process.env.PATH ?? "" },
    ready: async () => (await get(port, "ready.test").then((r) => r.status)) > 0,
  });
  return { name: "nginx", port, process: process_, dir };
}

async function startCaddy(authzPort: number, upstreamPort: number): Promise<Proxy> {
  const dir = await mkdtemp(join(tmpdir(), "tc-caddy-example-"));
  const port = await freePort();
  const example = (await readFile(join(REPO_ROOT, "examples/integrations/caddy/Caddyfile"), "utf8"))
    .replaceAll(
      "token-chaos-authz.token-chaos-system.svc.cluster.local:9002",
      `127.0.0.1:${authzPort}`,
    )
    .replace("reverse_proxy 127.0.0.1:8000", `reverse_proxy 127.0.0.1:${upstreamPort}`)
    .replace(":8080 {", `http://:${port} {\n\tbind 127.0.0.1`);
  assert.ok(example.includes(`127.0.0.1:${authzPort}`) && example.includes(`:${port} {`));
  await writeFile(join(dir, "Caddyfile"), example);
  const process_ = await startProcess({
    name: "caddy",
    command: CADDY_BIN,
    args: ["run", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"],
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
    ready: async () => (await get(port, "ready.test").then((r) => r.status)) > 0,
  });
  return { name: "caddy", port, process: process_, dir };
}

for (const start of [startNginx, startCaddy]) {
  const name = start === startNginx ? "nginx" : "caddy";
  describe(`examples/integrations ${name} config`, () => {
    let dir: string;
    let authz: RunningServer | undefined;
    let upstream: Upstream;
    let proxy: Proxy;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), "tc-proxy-experiments-"));
      for (const [file, text] of Object.entries(EXPERIMENTS))
        await writeFile(join(dir, file), text);
      authz = await startAuthzServer({
        host: "127.0.0.1",
        grpcPort: 0,
        httpPort: 0,
        experiments: dir,
        logLevel: "silent",
      });
      upstream = await startUpstream();
      proxy = await start(authz.httpPort ?? 0, upstream.port);
    });

    after(async () => {
      await proxy?.process.stop();
      if (proxy !== undefined) await rm(proxy.dir, { recursive: true, force: true });
      await upstream?.close();
      await authz?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it("passes a request no experiment matches, token untouched", async () => {
      const res = await get(proxy.port, "plain.test");
      assert.equal(res.status, 200, `${res.body}\n${proxy.process.output()}`);
      assert.equal(upstream.lastAuthorization(), `Bearer ${TOKEN}`);
    });

    it("forwards the token the authz-server rewrote (upstream expire)", async () => {
      const res = await get(proxy.port, "rewrite.test");
      assert.equal(res.status, 200);
      const sent = upstream.lastAuthorization() ?? "";
      assert.match(sent, /^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
      assert.notEqual(sent, `Bearer ${TOKEN}`);
      const payload = JSON.parse(Buffer.from(sent.split(".")[1] ?? "", "base64url").toString()) as {
        exp: number;
      };
      assert.ok(payload.exp * 1000 < Date.now(), "exp was not moved into the past");
      assert.equal(sent.split(".")[2], TOKEN.split(".")[2], "signature kept as it was");
    });

    it("removes the token for the strip fault", async () => {
      const res = await get(proxy.port, "strip.test");
      assert.equal(res.status, 200);
      assert.equal(upstream.lastAuthorization(), null);
    });

    it("answers 401 with the RFC 6750 challenge for an expired token at the edge", async () => {
      const res = await get(proxy.port, "expired.test");
      assert.equal(res.status, 401);
      assert.match(header(res, "www-authenticate"), /Bearer .*error="invalid_token"/);
    });

    it("answers 403 insufficient_scope with its challenge", async () => {
      const res = await get(proxy.port, "scope.test");
      assert.equal(res.status, 403);
      assert.match(header(res, "www-authenticate"), /insufficient_scope/);
      assert.match(header(res, "www-authenticate"), /orders:write/);
    });

    it(
      name === "nginx"
        ? "fails open when the authz-server is gone"
        : "fails closed (502) when the authz-server is gone, as documented",
      async () => {
        await authz?.close();
        authz = undefined;
        const res = await get(proxy.port, "expired.test");
        if (name === "nginx") {
          assert.equal(res.status, 200, res.body);
          assert.equal(upstream.lastAuthorization(), `Bearer ${TOKEN}`);
        } else {
          assert.equal(res.status, 502);
        }
      },
    );
  });
}
