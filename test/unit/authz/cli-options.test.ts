import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAuthzArgs } from "../../../authz-server/cli-options.ts";

function error(args: string[], env: NodeJS.ProcessEnv = {}): string {
  const r = parseAuthzArgs(args, env);
  assert.equal(r.ok, false, `expected an error for ${args.join(" ")}`);
  assert.ok(!r.ok && r.help !== true);
  return r.error;
}

describe("token-chaos authz options", () => {
  it("defaults", () => {
    const r = parseAuthzArgs(["--experiments", "x.yaml"], {});
    assert.ok(r.ok);
    assert.deepEqual(r.options, {
      experiments: "x.yaml",
      host: "127.0.0.1",
      grpcPort: 9001,
      httpPort: 9002,
      metricsPort: 9090,
      logLevel: "info",
      httpFlavor: "auto",
      httpPathPrefix: "",
      drainTimeoutMs: 10_000,
    });
  });

  it("every flag, including port 0", () => {
    const r = parseAuthzArgs(
      [
        "--plan-configmap=token-chaos/my-plan",
        "--grpc-port=0",
        "--http-port",
        "0",
        "--metrics-port=0",
        "--host=0.0.0.0",
        "--log-level=debug",
        "--http-flavor=nginx",
        "--http-path-prefix=/authz/",
        "--drain-timeout=2s",
      ],
      {},
    );
    assert.ok(r.ok);
    assert.deepEqual(r.options.planConfigMap, { namespace: "token-chaos", name: "my-plan" });
    assert.deepEqual([r.options.grpcPort, r.options.httpPort, r.options.metricsPort], [0, 0, 0]);
    assert.equal(r.options.host, "0.0.0.0");
    assert.equal(r.options.logLevel, "debug");
    assert.equal(r.options.httpFlavor, "nginx");
    assert.equal(r.options.httpPathPrefix, "/authz");
    assert.equal(r.options.drainTimeoutMs, 2000);
  });

  it("reads the environment; flags win", () => {
    const env = {
      TOKEN_CHAOS_EXPERIMENTS: "/etc/tce",
      TOKEN_CHAOS_GRPC_PORT: "7000",
      TOKEN_CHAOS_HTTP_PORT: "7001",
      TOKEN_CHAOS_METRICS_PORT: "7002",
      TOKEN_CHAOS_HOST: "::",
      LOG_LEVEL: "warn",
    };
    const r = parseAuthzArgs(["--http-port=8001"], env);
    assert.ok(r.ok);
    assert.equal(r.options.experiments, "/etc/tce");
    assert.deepEqual(
      [r.options.grpcPort, r.options.httpPort, r.options.metricsPort],
      [7000, 8001, 7002],
    );
    assert.equal(r.options.host, "::");
    assert.equal(r.options.logLevel, "warn");
    const cm = parseAuthzArgs([], { TOKEN_CHAOS_PLAN_CONFIGMAP: "ops" });
    assert.ok(cm.ok);
    assert.deepEqual(cm.options.planConfigMap, { namespace: "ops", name: "token-chaos-plan" });
  });

  it("--help", () => {
    const r = parseAuthzArgs(["--help"], {});
    assert.ok(!r.ok && r.help === true);
  });

  it("names the flag or variable in every error", () => {
    assert.match(
      error(["--experiments", "x", "--grpc-port=abc"]),
      /--grpc-port: 'abc' is not a port/,
    );
    assert.match(
      error(["--experiments", "x", "--http-port=70000"]),
      /--http-port: 70000 is out of range/,
    );
    assert.match(
      error(["--experiments", "x"], { TOKEN_CHAOS_METRICS_PORT: "-1" }),
      /TOKEN_CHAOS_METRICS_PORT/,
    );
    assert.match(error(["--experiments", "x", "--log-level=loud"]), /--log-level: 'loud'/);
    assert.match(error(["--experiments", "x", "--http-flavor=apache"]), /--http-flavor/);
    assert.match(error(["--experiments", "x", "--drain-timeout=soon"]), /--drain-timeout/);
    assert.match(error(["--experiments", "x", "--http-path-prefix=authz"]), /must start with '\/'/);
    assert.match(error(["--experiments", "x", "--host="]), /--host/);
    assert.match(error(["--plan-configmap=Bad_NS/x"]), /--plan-configmap/);
    assert.match(error(["--plan-configmap=a/b/c"]), /--plan-configmap/);
    assert.match(error([]), /a plan source is required/);
    assert.match(error(["--experiments=x", "--plan-configmap=ns"]), /exclusive/);
    assert.match(error(["--experiments=x", "--grpc-port=9000", "--http-port=9000"]), /both 9000/);
    assert.match(error(["--experiments=x", "--bogus"]), /bogus/);
    assert.match(error(["--experiments=x", "positional"]), /positional/);
  });

  it("reports every bad value at once", () => {
    const e = error(["--experiments=x", "--grpc-port=a", "--log-level=b"]);
    assert.match(e, /--grpc-port/);
    assert.match(e, /--log-level/);
  });
});
