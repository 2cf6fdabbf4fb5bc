// The Envoy configurations shipped in examples/ checked against Envoy's own protos (the
// canonical copies @grpc/grpc-js-xds ships): every field, type, enum value and typed config must
// be one Envoy knows, and the ext_authz filter must be set up the way the README recommends.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { parseYaml } from "../../support/raw-yaml.ts";
import { REPO_ROOT } from "../helm/helm.ts";
import { EnvoySchema, loadEnvoyProtos } from "./envoy-schema.ts";

const BOOTSTRAP = "envoy.config.bootstrap.v3.Bootstrap";

interface ExtAuthzConfig {
  "@type": string;
  transport_api_version?: string;
  failure_mode_allow?: boolean;
  with_request_body?: unknown;
  grpc_service?: { envoy_grpc?: { cluster_name: string }; timeout?: string };
}

function readExample(path: string): unknown {
  return parseYaml(readFileSync(join(REPO_ROOT, path), "utf8"));
}

/** The bootstraps: the plain Envoy example and the one embedded in the sidecar ConfigMap. */
function bootstraps(): Array<{ name: string; config: unknown }> {
  const sidecar = readExample("examples/sidecar/envoy-configmap.yaml") as {
    data: Record<string, string>;
  };
  return [
    {
      name: "examples/integrations/envoy/envoy.yaml",
      config: readExample("examples/integrations/envoy/envoy.yaml"),
    },
    {
      name: "examples/sidecar/envoy-configmap.yaml",
      config: parseYaml(sidecar.data["envoy.yaml"] ?? ""),
    },
  ];
}

function findExtAuthz(config: unknown): ExtAuthzConfig[] {
  const found: ExtAuthzConfig[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "object" && v !== null) {
      const o = v as Record<string, unknown>;
      if (
        o["@type"] === "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz"
      ) {
        found.push(o as unknown as ExtAuthzConfig);
      }
      Object.values(o).forEach(walk);
    }
  };
  walk(config);
  return found;
}

describe("Envoy example configurations", () => {
  let schema: EnvoySchema;
  before(() => {
    schema = new EnvoySchema(loadEnvoyProtos());
  });

  it("the checker catches a misspelt field, a bad enum and a bad duration", () => {
    const bad = {
      static_resources: {
        clusters: [{ name: "x", type: "STATIK", connect_timeout: "250ms", conect_timeout: "1s" }],
      },
    };
    const errors = schema.check(bad, BOOTSTRAP);
    assert.equal(errors.length, 3, errors.join("\n"));
  });

  it("the checker looks inside typed configs (a misspelt ext_authz field)", () => {
    const text = readFileSync(join(REPO_ROOT, "examples/integrations/envoy/envoy.yaml"), "utf8");
    assert.ok(text.includes("failure_mode_allow: true"));
    const broken = parseYaml(text.replace("failure_mode_allow: true", "failure_mode_alow: true"));
    const errors = schema.check(broken, BOOTSTRAP);
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0] ?? "", /ExtAuthz has no field "failure_mode_alow"/);
  });

  for (const { name, config } of bootstraps()) {
    it(`${name} is a valid Envoy v3 bootstrap`, () => {
      assert.deepEqual(schema.check(config, BOOTSTRAP), []);
    });

    it(`${name} fails open, with a 0.25 s timeout, V3, headers only`, () => {
      const filters = findExtAuthz(config);
      assert.equal(filters.length, 1);
      const f = filters[0] as ExtAuthzConfig;
      assert.equal(f.failure_mode_allow, true);
      assert.equal(f.transport_api_version, "V3");
      assert.equal(f.grpc_service?.timeout, "0.25s");
      assert.equal(f.with_request_body, undefined);
      assert.equal(f.grpc_service?.envoy_grpc?.cluster_name, "token_chaos");
    });
  }

  it("the sidecar's Envoy calls the authz-server on 127.0.0.1:9001", () => {
    const text = readFileSync(join(REPO_ROOT, "examples/sidecar/envoy-configmap.yaml"), "utf8");
    assert.match(text, /address: 127\.0\.0\.1, port_value: 9001/);
    const deployment = readFileSync(join(REPO_ROOT, "examples/sidecar/deployment.yaml"), "utf8");
    assert.match(deployment, /--grpc-port=9001/);
  });
});
