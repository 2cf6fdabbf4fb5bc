// Writes the benchmark's experiment sets and requests.
//   <out>/exp-<N>/experiments.yaml   N experiments (1, 100, 1000): "filler" experiments spread over
//                                    50 hosts (the pass-through request's host among them, so its
//                                    check really looks at candidates), and in the 1000 set one
//                                    experiment per fault on a host of its own
//   <out>/requests.json              {"<scenario>": CheckRequest JSON for ghz -d}
// Run: node bench/authz-fixtures.ts <out-dir>

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dumpYaml } from "@kubernetes/client-node";
import { generateKeyPair, SignJWT } from "jose";
import type { Fault, TokenChaosExperiment } from "../api/v1alpha1/types.ts";

const out = process.argv[2];
if (out === undefined) {
  process.stderr.write("usage: authz-fixtures.ts <out-dir>\n");
  process.exit(2);
}

const SIZES = [1, 100, 1000];

/** Every fault the benchmark measures, as it is configured for it. */
const FAULTS: Record<string, Fault> = {
  "expire-edge": { type: "expire", at: "edge" },
  "expire-upstream": { type: "expire", at: "upstream" },
  revoke: { type: "revoke", revoke: { key: "sub", afterRequests: 1 } },
  "scope-edge": { type: "scope", scope: { require: ["orders:write"] } },
  "scope-upstream": { type: "scope", at: "upstream", scope: { remove: ["orders:write"] } },
  tamper: { type: "tamper", tamper: { claims: [{ name: "role", value: "admin" }] } },
  "corrupt-signature": { type: "corrupt-signature", at: "upstream" },
  rotate: { type: "rotate", at: "upstream" },
  malformed: { type: "malformed", at: "upstream", malformed: { variant: "two-segments" } },
  strip: { type: "strip", at: "upstream" },
  "delay-20ms": { type: "delay", delay: { distribution: "fixed", ms: 20 } },
  error: { type: "error", error: { kind: "grpc", grpcCode: 14 } },
  deny: { type: "deny", deny: { status: 429, body: "slow down" } },
};

function experiment(name: string, host: string, path: string, fault: Fault): TokenChaosExperiment {
  return {
    apiVersion: "chaos.tokenchaos.dev/v1alpha1",
    kind: "TokenChaosExperiment",
    metadata: { name, namespace: "bench" },
    spec: {
      target: { hosts: [host], paths: [{ prefix: path }] },
      faults: [{ ...fault, percent: 100 }],
      schedule: { duration: "24h" },
    },
  };
}

function set(n: number): TokenChaosExperiment[] {
  const exps: TokenChaosExperiment[] = [];
  if (n >= 1000) {
    for (const [name, fault] of Object.entries(FAULTS)) {
      exps.push(experiment(`fault-${name}`, `${name}.fault.bench.test`, "/", fault));
    }
  }
  for (let i = 0; exps.length < n; i++) {
    exps.push(
      experiment(`filler-${i}`, `svc-${i % 50}.bench.test`, `/filler-${i}/`, {
        type: "deny",
        deny: { status: 418 },
      }),
    );
  }
  return exps;
}

const { privateKey } = await generateKeyPair("RS256");
const now = Math.floor(Date.now() / 1000);
const token = await new SignJWT({
  sub: "user-42",
  scope: "orders:read orders:write",
  role: "customer",
  aud: "checkout",
  iat: now,
  exp: now + 86_400,
})
  .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "bench-1" })
  .sign(privateKey);

/** The CheckRequest Envoy sends for GET <path> on <host>, with a bearer token. */
function checkRequest(host: string, path: string): unknown {
  return {
    attributes: {
      source: {
        address: { socket_address: { address: "10.0.0.7", port_value: 41234 } },
        principal: "spiffe://cluster.local/ns/bench/sa/client",
      },
      destination: { address: { socket_address: { address: "10.0.0.9", port_value: 8080 } } },
      request: {
        http: {
          id: "1",
          method: "GET",
          path,
          host,
          scheme: "http",
          protocol: "HTTP/1.1",
          headers: {
            ":authority": host,
            ":method": "GET",
            ":path": path,
            ":scheme": "http",
            authorization: `Bearer ${token}`,
            "user-agent": "bench/1.0",
            "x-request-id": "0b6b1d1e-8f1c-4c55-9a51-3a6f3c1f0e2a",
            "x-forwarded-proto": "http",
          },
        },
      },
    },
  };
}

const requests: Record<string, unknown> = {
  "pass-through": checkRequest("svc-0.bench.test", "/api/orders/42"),
};
for (const name of Object.keys(FAULTS)) {
  requests[name] = checkRequest(`${name}.fault.bench.test`, "/api/orders/42");
}

for (const n of SIZES) {
  const dir = join(out, `exp-${n}`);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "experiments.yaml"),
    set(n)
      .map((e) => dumpYaml(e))
      .join("---\n"),
  );
}
await writeFile(join(out, "requests.json"), JSON.stringify(requests));
process.stdout.write(`${JSON.stringify({ sizes: SIZES, scenarios: Object.keys(requests) })}\n`);
