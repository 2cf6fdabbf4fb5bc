// Kubernetes mode against the real test API server, with the authz-server's least privilege:
// a ServiceAccount allowed only get/list/watch on the one ConfigMap `token-chaos-plan`. The
// server follows the operator's plan (gzip JSON in binaryData), ignores an older version,
// keeps the last good plan over a bad one, honours halt and validUntil, and relists after the
// API server restarts.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import { CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { type CompiledPlan, PLAN_FORMAT } from "../../../api/plan/types.ts";
import { type RunningServer, startAuthzServer } from "../../../authz-server/server.ts";
import {
  adminKubeConfig,
  createTestNamespace,
  kubeConfigForToken,
  restartApiServer,
  serviceAccountToken,
} from "../../support/cluster.ts";
import { type EnvoyAuthzClient, envoyAuthzClient } from "../../support/envoy-authz-client.ts";
import { usePrivateCluster } from "../../support/private-cluster.ts";

const NAME = "token-chaos-plan";
const HOST = "cm.shop.test";

function plan(version: number, extra: Partial<CompiledPlan> = {}): CompiledPlan {
  const now = Date.now();
  return {
    format: PLAN_FORMAT,
    version,
    generatedAt: now,
    halted: false,
    experiments: [
      {
        id: "shop/cm",
        namespace: "shop",
        name: "cm",
        mode: "enforce",
        sticky: false,
        target: { hosts: [HOST] },
        faults: [
          { type: "deny", percent: 100, at: "edge", deny: { status: 451, body: `v${version}` } },
        ],
        windows: [{ start: now - 1000, end: now + 3_600_000 }],
      },
    ],
    ...extra,
  };
}

function encode(p: CompiledPlan): string {
  return gzipSync(Buffer.from(JSON.stringify(p))).toString("base64");
}

let ns = "";
let core: CoreV1Api;
let server: RunningServer;
let client: EnvoyAuthzClient;

async function publish(binaryData: Record<string, string>): Promise<void> {
  const body = { metadata: { name: NAME, namespace: ns }, binaryData };
  try {
    await core.replaceNamespacedConfigMap({ name: NAME, namespace: ns, body });
  } catch {
    await core.createNamespacedConfigMap({ namespace: ns, body });
  }
}

async function until(
  what: string,
  cond: () => boolean | Promise<boolean>,
  ms = 10_000,
): Promise<number> {
  const t0 = performance.now();
  while (!(await cond())) {
    if (performance.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
  return performance.now() - t0;
}

async function answer(): Promise<string> {
  const r = await client.check({ host: HOST, path: "/", headers: {} });
  if (r.error !== undefined) return `error ${r.error.code}`;
  return r.response?.status?.code === 0 ? "allow" : `deny ${r.response?.denied_response?.body}`;
}

async function metric(name: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
  const text = await res.text();
  return text
    .split("\n")
    .filter((l) => l.startsWith(name))
    .join("\n");
}

before(async () => {
  // This file restarts kube-apiserver; on the shared cluster that would break every test file
  // running at the same time.
  await usePrivateCluster("authz-cm");
  ns = await createTestNamespace("authz-cm");
  const admin = adminKubeConfig();
  core = admin.makeApiClient(CoreV1Api);
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({
    namespace: ns,
    body: { metadata: { name: "authz" } },
  });
  await rbac.createNamespacedRole({
    namespace: ns,
    body: {
      metadata: { name: "plan-reader" },
      rules: [
        {
          apiGroups: [""],
          resources: ["configmaps"],
          resourceNames: [NAME],
          verbs: ["get", "list", "watch"],
        },
      ],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: "plan-reader" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "plan-reader" },
      subjects: [{ kind: "ServiceAccount", name: "authz", namespace: ns }],
    },
  });
  const kubeConfig = kubeConfigForToken(await serviceAccountToken(ns, "authz"));
  server = await startAuthzServer({
    grpcPort: 0,
    metricsPort: 0,
    planConfigMap: { namespace: ns },
    kubeConfig,
    logLevel: "warn",
  });
  client = envoyAuthzClient(`127.0.0.1:${server.grpcPort}`);
});

after(async () => {
  client?.close();
  await server?.close();
});

describe("ConfigMap plan source", () => {
  it("starts ready with no plan when the ConfigMap does not exist yet", async () => {
    const res = await fetch(`http://127.0.0.1:${server.metricsPort}/readyz`);
    assert.equal(res.status, 200);
    await res.text();
    assert.equal(server.planState.version(), 0);
    assert.equal(await answer(), "allow");
  });

  it("follows the published plan within a second", async () => {
    await publish({ "plan.json.gz": encode(plan(5)) });
    const took = await until("version 5", () => server.planState.version() === 5);
    assert.ok(took < 1000, `plan applied ${took.toFixed(0)} ms after publishing`);
    assert.equal(await answer(), "deny v5");
  });

  it("ignores an older version and keeps the last good plan over a bad one", async () => {
    await publish({ "plan.json.gz": encode(plan(3, { experiments: [] })) });
    await publish({ "plan.json.gz": Buffer.from("not gzip").toString("base64") });
    await until("a plan error", async () =>
      /token_chaos_plan_errors_total\{source="configmap"\} [1-9]/.test(
        await metric("token_chaos_plan_errors_total"),
      ),
    );
    await publish({ other: Buffer.from("x").toString("base64") });
    await sleep(300);
    assert.equal(server.planState.version(), 5);
    assert.equal(await answer(), "deny v5");
  });

  it("a halted plan injects nothing", async () => {
    await publish({ "plan.json.gz": encode(plan(6, { halted: true })) });
    await until("version 6", () => server.planState.version() === 6);
    assert.equal(await answer(), "allow");
    assert.match(
      await metric("token_chaos_active_experiments"),
      /token_chaos_active_experiments 0/,
    );
  });

  it("validUntil ends injection with no further word from the API server", async () => {
    const validUntil = Date.now() + 1500;
    await publish({ "plan.json.gz": encode(plan(7, { validUntil })) });
    await until("version 7", () => server.planState.version() === 7);
    assert.equal(await answer(), "deny v7");
    await sleep(Math.max(0, validUntil - Date.now() + 20));
    assert.equal(await answer(), "allow");
  });

  it("relists after the API server restarts", async () => {
    await restartApiServer();
    await publish({ "plan.json.gz": encode(plan(8)) });
    await until("version 8 after the restart", () => server.planState.version() === 8, 60_000);
    assert.equal(await answer(), "deny v8");
  });
});
