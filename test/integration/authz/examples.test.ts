// Every manifest under examples/ loaded by the standalone server and exercised the way Envoy
// (gRPC, canonical protos) and Caddy/Traefik (HTTP mode) ask: a request built to match the
// manifest's target sees its fault as the proxy would, and the same request to another host
// passes untouched. To keep this fast and deterministic the copies loaded here open their
// window now, hit 100% of matching requests, and cap delays at 100 ms; targets and fault
// parameters are the examples' own.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { dumpYaml, loadAllYaml } from "@kubernetes/client-node";
import type { Fault, TokenChaosExperiment } from "../../../api/v1alpha1/types.ts";
import { UPSTREAM_ONLY_FAULTS } from "../../../api/v1alpha1/types.ts";
import { type RunningServer, startAuthzServer } from "../../../authz-server/server.ts";
import {
  type EnvoyAuthzClient,
  type EnvoyRequest,
  envoyAuthzClient,
} from "../../support/envoy-authz-client.ts";
import { signedToken } from "../../support/test-tokens.ts";
import { closeHttpAgent, httpCheck } from "./support/http-check.ts";
import { type Observed, observedFromGrpc, observedFromHttp } from "./support/observed.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/", import.meta.url));
const DELAY_MS = 100;

interface Example {
  file: string;
  exp: TokenChaosExperiment;
  fault: Fault;
}

function forTest(exp: TokenChaosExperiment): TokenChaosExperiment {
  const faults = exp.spec.faults.map((f) => {
    const out: Fault = { ...f, percent: 100 };
    if (f.type === "delay") out.delay = { distribution: "fixed", ms: DELAY_MS };
    if (f.type === "error" && f.error?.kind === "timeout")
      out.error = { ...f.error, timeoutMs: DELAY_MS };
    return out;
  });
  const { guard: _g, steadyState: _s, ...spec } = exp.spec;
  return {
    ...exp,
    spec: { ...spec, faults, mode: "enforce", schedule: { duration: "1h" } },
  };
}

async function loadExamples(): Promise<Example[]> {
  const out: Example[] = [];
  for (const file of (await readdir(EXAMPLES)).filter((f) => f.endsWith(".yaml")).sort()) {
    for (const doc of loadAllYaml(await readFile(join(EXAMPLES, file), "utf8"))) {
      const exp = JSON.parse(JSON.stringify(doc)) as TokenChaosExperiment;
      if (exp?.kind !== "TokenChaosExperiment") continue;
      const fault = exp.spec.faults[0];
      assert.ok(fault !== undefined, `${file} has a fault`);
      out.push({ file, exp: forTest(exp), fault });
    }
  }
  return out;
}

/** A sample string for a target regex of the simple kinds the examples use. */
function sampleFor(regex: string): string {
  const s = regex
    .replace(/^\^/, "")
    .replace(/\$$/, "")
    .replace(/\[0-9\]\+/g, "42")
    .replace(/\[a-z0-9-\]\+/g, "abc")
    .replace(/\.\*/g, "x")
    .replace(/\\\./g, ".");
  assert.match(s, new RegExp(regex), `cannot derive a path for ${regex}`);
  return s;
}

function valueFor(m: { exact?: string; prefix?: string; regex?: string }): string {
  if (m.exact !== undefined) return m.exact;
  if (m.prefix !== undefined) return `${m.prefix}x`;
  if (m.regex !== undefined) return sampleFor(m.regex);
  return "present";
}

/** A request the example's target matches, with a JWT carrying the claims it asks for. */
async function matchingRequest(ex: Example): Promise<{ request: EnvoyRequest; token: string }> {
  const t = ex.exp.spec.target;
  const claims: Record<string, unknown> = {
    // Fresh per call: revoke keeps per-token state across requests and protocols.
    sub: `user-${randomUUID()}`,
    jti: randomUUID(),
    scope: ["openid", ...(ex.fault.scope?.remove ?? [])].join(" "),
    client_id: "web",
  };
  for (const c of t.claims ?? []) claims[c.name] = valueFor(c);
  const token = await signedToken(claims);
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  for (const h of t.headers ?? []) headers[h.name.toLowerCase()] = valueFor(h);
  if (t.optInHeader !== undefined) headers[t.optInHeader.name.toLowerCase()] = t.optInHeader.value;
  const path = t.paths?.[0] !== undefined ? valueFor(t.paths[0]) : "/";
  const request: EnvoyRequest = {
    host: t.hosts?.[0] ?? "any.test",
    path,
    method: t.methods?.[0] ?? "GET",
    headers,
    sourcePrincipal: t.sourcePrincipals?.[0],
  };
  const grants = ex.fault.tokenEndpoint?.grantTypes;
  if (ex.fault.type === "token-endpoint") {
    headers["content-type"] = "application/x-www-form-urlencoded";
    request.body = `grant_type=${grants?.[0] ?? "client_credentials"}&refresh_token=r`;
  }
  if (ex.fault.type === "introspection") {
    headers["content-type"] = "application/x-www-form-urlencoded";
    request.body = `token=${token}`;
  }
  return { request, token };
}

function formOf(f: Fault): "edge" | "upstream" {
  if (UPSTREAM_ONLY_FAULTS.includes(f.type)) return "upstream";
  return f.at ?? "edge";
}

/** What the proxy sees for the example's fault. */
function assertFault(ex: Example, seen: Observed[], token: string): void {
  const last = seen.at(-1);
  assert.ok(last !== undefined);
  const what = `${ex.file} (${ex.fault.type}, ${formOf(ex.fault)}): ${JSON.stringify(last).slice(0, 300)}`;
  switch (ex.fault.type) {
    case "error":
      assert.equal(last.kind, "error", what);
      return;
    case "delay":
      assert.equal(last.kind, "allow", what);
      assert.ok(last.ms >= DELAY_MS - 2, `${what}: held ${last.ms.toFixed(0)} ms`);
      return;
    case "revoke": {
      const n = ex.fault.revoke?.afterRequests ?? 0;
      assert.deepEqual(
        seen.map((s) => s.kind),
        [...Array(n).fill("allow"), "deny"],
        what,
      );
      return;
    }
  }
  if (formOf(ex.fault) === "upstream") {
    assert.equal(last.kind, "allow", what);
    const set = last.upstreamSet.authorization;
    const changed = set !== undefined && set !== `Bearer ${token}`;
    assert.ok(changed || last.upstreamRemove.includes("authorization"), `token changed: ${what}`);
    return;
  }
  assert.equal(last.kind, "deny", what);
  assert.ok(last.status !== undefined && last.status >= 200, what);
}

let server: RunningServer;
let grpc: EnvoyAuthzClient;
let dir: string;
const examples = await loadExamples();

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "token-chaos-examples-"));
  for (const ex of examples) {
    await writeFile(join(dir, `${ex.exp.metadata.name}.yaml`), dumpYaml(ex.exp));
  }
  server = await startAuthzServer({
    grpcPort: 0,
    httpPort: 0,
    experiments: dir,
    logLevel: "silent",
  });
  grpc = envoyAuthzClient(`127.0.0.1:${server.grpcPort}`);
});

after(async () => {
  grpc.close();
  closeHttpAgent();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

it("examples/ has one manifest per seed scenario, all loaded", () => {
  assert.ok(examples.length >= 12, `found ${examples.length}`);
  assert.equal(server.planState.plan.experiments.length, examples.length);
});

type Via = (r: EnvoyRequest) => Promise<Observed>;
const viaGrpc: Via = async (r) => observedFromGrpc(await grpc.check(r));
const viaHttp: Via = async (r) =>
  observedFromHttp(
    await httpCheck(server.httpPort ?? 0, {
      method: "POST",
      path: "/",
      headers: {
        ...r.headers,
        host: "authz:9002",
        "x-forwarded-method": r.method ?? "GET",
        "x-forwarded-uri": r.path,
        "x-forwarded-host": r.host,
        ...(r.sourcePrincipal !== undefined
          ? {
              "x-forwarded-client-cert": `By=spiffe://cluster.local/ns/shop/sa/api;Hash=abc;URI=${r.sourcePrincipal}`,
            }
          : {}),
      },
    }),
  );

for (const [label, via] of [
  ["Envoy gRPC", viaGrpc],
  ["HTTP forward auth", viaHttp],
] as const) {
  describe(`examples through ${label}`, () => {
    for (const ex of examples) {
      // Identity-provider faults read the request body, which only the gRPC path carries here.
      const needsBody = ex.fault.type === "token-endpoint" || ex.fault.type === "introspection";
      it(`${ex.file}: ${ex.fault.type}`, async () => {
        const { request, token } = await matchingRequest(ex);
        if (needsBody && via === viaHttp) {
          const elsewhere = await via({ ...request, host: "unrelated.test" });
          assert.equal(elsewhere.kind, "allow");
          return;
        }
        const repeats = ex.fault.type === "revoke" ? (ex.fault.revoke?.afterRequests ?? 0) + 1 : 1;
        const seen: Observed[] = [];
        for (let i = 0; i < repeats; i++) seen.push(await via(request));
        assertFault(ex, seen, token);
        const elsewhere = await via({ ...request, host: "unrelated.test" });
        assert.equal(elsewhere.kind, "allow", "another host passes");
        assert.equal(elsewhere.upstreamRemove.length, 0);
      });
    }
  });
}
