// `token-chaos authz` as a process: a clear error and exit 2 for every bad flag, a clear error
// for a port in use, the bound ports as a JSON line for port 0 (ports from the environment
// here), serving until SIGTERM, then a drain and exit 0.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { CLIENT_NODE_LOADED } from "../../support/client-node-tripwire.ts";
import { kubeconfigPath } from "../../support/cluster.ts";
import { envoyAuthzClient } from "../../support/envoy-authz-client.ts";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = `${ROOT}bin/token-chaos.ts`;
const FIXTURES = `${ROOT}test/fixtures/authz/experiments`;
/** Node options that report any load of @kubernetes/client-node on stderr. */
const TRIPWIRE = ["--import", `${ROOT}test/support/client-node-tripwire.ts`];

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function start(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  nodeArgs: string[] = [],
): { child: ChildProcess; done: Promise<Run> } {
  const child = spawn(process.execPath, [...nodeArgs, BIN, "authz", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<Run>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  // Never outlive the test.
  const guard = setTimeout(() => child.kill("SIGKILL"), 90_000);
  void done.then(() => clearTimeout(guard));
  return { child, done };
}

async function run(args: string[], env?: NodeJS.ProcessEnv, nodeArgs?: string[]): Promise<Run> {
  return start(args, env, nodeArgs).done;
}

function listening(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}

describe("token-chaos authz (process)", () => {
  it("exit 2 with a clear message for bad flags", async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [[], {}, /a plan source is required/],
      [["--experiments", FIXTURES, "--grpc-port", "http"], {}, /--grpc-port: 'http' is not a port/],
      [
        ["--experiments", FIXTURES],
        { TOKEN_CHAOS_HTTP_PORT: "99999" },
        /TOKEN_CHAOS_HTTP_PORT: 99999/,
      ],
      [["--experiments", `${FIXTURES}/nope`], {}, /--experiments: .*does not exist/],
      [["--experiments", FIXTURES, "--log-level", "chatty"], {}, /--log-level: 'chatty'/],
      [["--experiments", FIXTURES, "--unknown"], {}, /--unknown/],
    ];
    const results = await Promise.all(cases.map(([args, env]) => run(args, env)));
    results.forEach((r, i) => {
      const c = cases[i];
      assert.ok(c !== undefined);
      assert.equal(r.code, 2, `exit code for ${c[0].join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, c[2]);
      assert.match(r.stderr, /token-chaos authz --help/);
    });
  });

  it("--help prints the options and exits 0", async () => {
    const r = await run(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--experiments PATH/);
    assert.match(r.stdout, /TOKEN_CHAOS_GRPC_PORT/);
  });

  it("names the port in use", async () => {
    const busy = await listening();
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await run([
        "--experiments",
        FIXTURES,
        "--grpc-port=0",
        "--metrics-port=0",
        `--http-port=${port}`,
      ]);
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use \\(--http-port\\)`),
      );
    } finally {
      busy.close();
    }
  });

  it("port 0 from the environment: prints the ports, serves, drains on SIGTERM, exits 0", async () => {
    const { child, done } = start(
      ["--experiments", FIXTURES],
      {
        TOKEN_CHAOS_GRPC_PORT: "0",
        TOKEN_CHAOS_HTTP_PORT: "0",
        TOKEN_CHAOS_METRICS_PORT: "0",
        TOKEN_CHAOS_LOG_LEVEL: "info",
      },
      TRIPWIRE,
    );
    let stdout = "";
    const ports = await new Promise<{ grpc: number; http: number; metrics: number }>(
      (resolve, reject) => {
        child.stdout?.on("data", (d: Buffer) => {
          stdout += d.toString();
          for (const line of stdout.split("\n")) {
            if (!line.startsWith('{"listening"')) continue;
            resolve(
              (JSON.parse(line) as { listening: { grpc: number; http: number; metrics: number } })
                .listening,
            );
          }
        });
        void done.then((r) => reject(new Error(`exited early: ${r.stderr}`)));
      },
    );
    for (const p of [ports.grpc, ports.http, ports.metrics]) assert.ok(p > 0);
    const ready = await fetch(`http://127.0.0.1:${ports.metrics}/readyz`);
    assert.equal(ready.status, 200);
    await ready.text();
    const client = envoyAuthzClient(`127.0.0.1:${ports.grpc}`);
    const r = await client.check({ host: "api.shop.test", path: "/deny/x", headers: {} });
    client.close();
    assert.equal(r.response?.status?.code, 7);

    child.kill("SIGTERM");
    const exit = await done;
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(exit.signal, null);
    const logs = exit.stdout
      .split("\n")
      .filter((l) => l.startsWith("{") && !l.startsWith('{"listening"'))
      .map((l) => JSON.parse(l) as { msg?: string });
    assert.ok(logs.some((l) => l.msg === "shutting down"));
    assert.ok(logs.some((l) => l.msg === "stopped"));
    // Standalone never loads the Kubernetes client: it would be most of the process's memory.
    assert.ok(!exit.stderr.includes(CLIENT_NODE_LOADED), exit.stderr);
  });

  it("lists and watches the plan ConfigMap without the Kubernetes client library", async () => {
    const { child, done } = start(
      [
        "--plan-configmap",
        "default/tripwire-absent",
        "--grpc-port=0",
        "--metrics-port=0",
        "--log-level=info",
      ],
      { KUBECONFIG: kubeconfigPath() },
      TRIPWIRE,
    );
    let stdout = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (d: Buffer) => {
        stdout += d.toString();
        // Logged after a successful list that found no such ConfigMap.
        if (stdout.includes("plan ConfigMap not found yet")) resolve();
      });
      void done.then((r) => reject(new Error(`exited early: ${r.stderr}`)));
    });
    child.kill("SIGTERM");
    const exit = await done;
    assert.equal(exit.code, 0, exit.stderr);
    assert.ok(!exit.stdout.includes("keeping the last good plan"), exit.stdout);
    assert.ok(!exit.stderr.includes(CLIENT_NODE_LOADED), exit.stderr);
  });

  it("does not load the Kubernetes client for the ConfigMap source either", async () => {
    // Kubernetes mode talks to the API server over its own small client; here it fails on a
    // missing kubeconfig, after the point where the library used to be loaded.
    const r = await run(
      ["--plan-configmap", "token-chaos/plan", "--grpc-port", "0"],
      { KUBECONFIG: `${ROOT}test/fixtures/authz/no-such-kubeconfig` },
      TRIPWIRE,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /no-such-kubeconfig/);
    assert.ok(!r.stderr.includes(CLIENT_NODE_LOADED), r.stderr);
  });
});
