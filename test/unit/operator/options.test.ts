import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHaltArgs } from "../../../operator/halt-cli.ts";
import { parseOperatorArgs } from "../../../operator/options.ts";

describe("operator flags", () => {
  it("has safe defaults", () => {
    const f = parseOperatorArgs([]);
    assert.ok(!("error" in f));
    assert.equal(f.namespace, undefined);
    assert.equal(f.leaderElect, false);
    assert.equal(f.metricsPort, 8080);
    assert.equal(f.allowCrossNamespace, false);
  });

  it("parses every flag, in both --flag value and --flag=value forms", () => {
    const f = parseOperatorArgs([
      "--namespace",
      "shop",
      "--operator-namespace=chaos",
      "--leader-elect",
      "--metrics-port",
      "0",
      "--kubeconfig",
      "/tmp/kc",
      "--prometheus-url=http://127.0.0.1:9090",
      "--authz-service",
      "chaos/authz:http-metrics",
      "--cross-namespace-allowed",
      "billing,pay",
      "--workers=2",
    ]);
    assert.ok(!("error" in f));
    assert.equal(f.namespace, "shop");
    assert.equal(f.operatorNamespace, "chaos");
    assert.equal(f.leaderElect, true);
    assert.equal(f.metricsPort, 0);
    assert.equal(f.kubeconfig, "/tmp/kc");
    assert.equal(f.prometheusUrl, "http://127.0.0.1:9090");
    assert.deepEqual(f.authzService, {
      namespace: "chaos",
      name: "authz",
      portName: "http-metrics",
    });
    assert.deepEqual(f.crossNamespaceAllowed, ["billing", "pay"]);
    assert.equal(f.workers, 2);
  });

  it("rejects bad values with a message naming the flag", () => {
    for (const [args, re] of [
      [["--metrics-port", "http"], /--metrics-port/],
      [["--metrics-port", "70000"], /--metrics-port/],
      [["--namespace", "Bad_NS"], /--namespace/],
      [["--authz-service", "authz"], /NAMESPACE\/NAME/],
      [["--prometheus-url", "ftp://x"], /--prometheus-url/],
      [["--namespace"], /needs a value/],
      [["--frobnicate"], /unknown option/],
    ] as const) {
      const r = parseOperatorArgs(args);
      assert.ok("error" in r, args.join(" "));
      assert.match(r.error, re);
    }
  });
});

describe("halt/resume flags", () => {
  it("parses the namespace, kubeconfig and reason", () => {
    const f = parseHaltArgs(["--operator-namespace", "chaos", "--reason=incident 42"], "halt");
    assert.ok(!("error" in f));
    assert.equal(f.operatorNamespace, "chaos");
    assert.equal(f.reason, "incident 42");
    const r = parseHaltArgs(["--reason", "x"], "resume");
    assert.ok("error" in r);
  });
});
