// The mesh and proxy examples agree with the chart: they point at the Service the chart creates
// for release "token-chaos" in token-chaos-system, on the chart's default ports, fail open, and
// the Istio policy names the provider the mesh config registers.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { parseYaml, parseYamlStream } from "../../support/raw-yaml.ts";

const ROOT = new URL("../../../", import.meta.url);
const read = (p: string) => readFileSync(new URL(p, ROOT), "utf8");

const values = parseYaml(read("charts/token-chaos/values.yaml")) as {
  authz: { ports: { grpc: number; http: number; metrics: number } };
};
const SERVICE = "token-chaos-authz.token-chaos-system.svc.cluster.local";

interface Doc {
  kind: string;
  metadata?: { name: string; namespace?: string };
  spec: unknown;
}

/** The value at a path of keys and list indexes, or undefined. */
function at(v: unknown, ...path: Array<string | number>): unknown {
  let cur = v;
  for (const k of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}

function docs(path: string): Doc[] {
  return parseYamlStream(read(path)) as Doc[];
}

describe("mesh and proxy examples", () => {
  it("use the chart's default ports (9001 gRPC, 9002 HTTP, 9090 metrics)", () => {
    assert.deepEqual(values.authz.ports, { grpc: 9001, http: 9002, metrics: 9090 });
  });

  it("Istio: a gRPC provider on the chart's Service, fail open, used by CUSTOM policies", () => {
    const [op] = docs("examples/integrations/istio/mesh-config.yaml");
    const providers = at(op?.spec, "meshConfig", "extensionProviders") as Array<{
      name: string;
      envoyExtAuthzGrpc?: { service: string; port: number; failOpen: boolean; timeout: string };
      envoyExtAuthzHttp?: { service: string; port: number; failOpen: boolean };
    }>;
    const grpc = providers.find((p) => p.envoyExtAuthzGrpc !== undefined);
    assert.ok(grpc?.envoyExtAuthzGrpc);
    assert.equal(grpc.envoyExtAuthzGrpc.service, SERVICE);
    assert.equal(grpc.envoyExtAuthzGrpc.port, values.authz.ports.grpc);
    assert.equal(grpc.envoyExtAuthzGrpc.failOpen, true);
    assert.equal(grpc.envoyExtAuthzGrpc.timeout, "0.25s");
    const http = providers.find((p) => p.envoyExtAuthzHttp !== undefined);
    assert.equal(http?.envoyExtAuthzHttp?.port, values.authz.ports.http);
    assert.equal(http?.envoyExtAuthzHttp?.failOpen, true);
    for (const policy of docs("examples/integrations/istio/authorization-policy.yaml")) {
      assert.equal(policy.kind, "AuthorizationPolicy");
      assert.equal(at(policy.spec, "action"), "CUSTOM");
      assert.equal(at(policy.spec, "provider", "name"), grpc.name);
    }
  });

  it("Envoy Gateway: extAuth over gRPC to the chart's Service, fail open, with a ReferenceGrant", () => {
    const all = docs("examples/integrations/envoy-gateway/security-policy.yaml");
    const policy = all.find((d) => d.kind === "SecurityPolicy");
    const ref = at(policy?.spec, "extAuth", "grpc", "backendRefs", 0);
    assert.deepEqual(ref, {
      name: "token-chaos-authz",
      namespace: "token-chaos-system",
      port: 9001,
    });
    assert.equal(at(policy?.spec, "extAuth", "failOpen"), true);
    const grant = all.find((d) => d.kind === "ReferenceGrant");
    assert.equal(grant?.metadata?.namespace, "token-chaos-system");
    assert.equal(at(grant?.spec, "from", 0, "namespace"), policy?.metadata?.namespace);
  });

  it("Contour: an h2c ExtensionService on the gRPC port, used with failOpen", () => {
    const all = docs("examples/integrations/contour/extension-service.yaml");
    const ext = all.find((d) => d.kind === "ExtensionService");
    assert.equal(at(ext?.spec, "protocol"), "h2c");
    assert.deepEqual(at(ext?.spec, "services"), [{ name: "token-chaos-authz", port: 9001 }]);
    const proxy = all.find((d) => d.kind === "HTTPProxy");
    const authz = at(proxy?.spec, "virtualhost", "authorization");
    assert.deepEqual(at(authz, "extensionRef"), {
      name: ext?.metadata?.name,
      namespace: ext?.metadata?.namespace,
    });
    assert.equal(at(authz, "failOpen"), true);
  });

  it("nginx and Caddy call the HTTP port of the chart's Service", () => {
    for (const p of [
      "examples/integrations/nginx/token-chaos.conf",
      "examples/integrations/caddy/Caddyfile",
    ]) {
      assert.ok(read(p).includes(`${SERVICE}:${values.authz.ports.http}`), p);
    }
  });
});
