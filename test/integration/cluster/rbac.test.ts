// RBAC is enforced by the real kube-apiserver for a ServiceAccount acting with a token from the
// TokenRequest API: forbidden without a binding, allowed once a Role and RoleBinding exist.
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ApiException, CoreV1Api, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import {
  adminKubeConfig,
  createTestNamespace,
  kubeConfigForToken,
  serviceAccountToken,
} from "../../support/cluster.ts";

const SA = "pod-reader";

async function listPodsAs(token: string, namespace: string): Promise<unknown> {
  const core = kubeConfigForToken(token).makeApiClient(CoreV1Api);
  return core.listNamespacedPod({ namespace }).then(
    (list) => list,
    (err: unknown) => err,
  );
}

describe("RBAC on the real kube-apiserver", () => {
  let namespace: string;
  let token: string;

  before(async () => {
    namespace = await createTestNamespace("rbac");
    const core = adminKubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: SA } } });
    token = await serviceAccountToken(namespace, SA);
  });

  it("issues a ServiceAccount token through TokenRequest", () => {
    // A JWT: header.payload.signature, and its subject is the ServiceAccount.
    const parts = token.split(".");
    assert.equal(parts.length, 3);
    const payload: unknown = JSON.parse(Buffer.from(parts[1] ?? "", "base64url").toString("utf8"));
    assert.ok(typeof payload === "object" && payload !== null && "sub" in payload);
    assert.equal(payload.sub, `system:serviceaccount:${namespace}:${SA}`);
  });

  it("forbids listing pods without a binding, allows it after a Role and RoleBinding", async () => {
    const denied = await listPodsAs(token, namespace);
    assert.ok(denied instanceof ApiException, `expected a 403, got ${JSON.stringify(denied)}`);
    assert.equal(denied.code, 403);
    const status: unknown = JSON.parse(String(denied.body));
    assert.ok(typeof status === "object" && status !== null && "message" in status);
    assert.equal(
      status.message,
      `pods is forbidden: User "system:serviceaccount:${namespace}:${SA}" cannot list resource "pods" in API group "" in the namespace "${namespace}"`,
    );

    const rbac = adminKubeConfig().makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: "read-pods" },
        rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: "read-pods" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "read-pods" },
        subjects: [{ kind: "ServiceAccount", name: SA, namespace }],
      },
    });

    // The authorizer reads RBAC objects from its informer cache: allow a short propagation.
    const deadline = Date.now() + 10_000;
    let result = await listPodsAs(token, namespace);
    while (result instanceof ApiException && result.code === 403 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      result = await listPodsAs(token, namespace);
    }
    assert.ok(!(result instanceof Error), `still denied after the binding: ${String(result)}`);
    assert.ok(typeof result === "object" && result !== null && "items" in result);
    assert.deepEqual(result.items, []);
  });
});
