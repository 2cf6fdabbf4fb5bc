// The real kube-apiserver serves a CustomResourceDefinition: objects are created, listed and
// watched through @kubernetes/client-node, and the structural schema is enforced by the server.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1CustomResourceDefinition,
  Watch,
} from "@kubernetes/client-node";
import { adminKubeConfig, createTestNamespace } from "../../support/cluster.ts";
import { until } from "../../support/until.ts";

// A group of its own per run, so reruns against a long-lived cluster never collide.
const group = `t${randomBytes(3).toString("hex")}.test.tokenchaos.dev`;
const version = "v1";
const plural = "widgets";
const crdName = `${plural}.${group}`;
const MAX_SIZE = 10;

const crd: V1CustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: crdName },
  spec: {
    group,
    scope: "Namespaced",
    names: { plural, singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [
      {
        name: version,
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            required: ["spec"],
            properties: {
              spec: {
                type: "object",
                required: ["size"],
                properties: { size: { type: "integer", minimum: 1, maximum: MAX_SIZE } },
              },
            },
          },
        },
      },
    ],
  },
};

function widget(name: string, size: number): Record<string, unknown> {
  return { apiVersion: `${group}/${version}`, kind: "Widget", metadata: { name }, spec: { size } };
}

function nameOf(obj: unknown): string | undefined {
  if (typeof obj !== "object" || obj === null || !("metadata" in obj)) return undefined;
  const meta = obj.metadata;
  if (typeof meta !== "object" || meta === null || !("name" in meta)) return undefined;
  return typeof meta.name === "string" ? meta.name : undefined;
}

describe("custom resources on the real kube-apiserver", () => {
  let kc: KubeConfig;
  let objects: CustomObjectsApi;
  let namespace: string;

  before(async () => {
    kc = adminKubeConfig();
    objects = kc.makeApiClient(CustomObjectsApi);
    namespace = await createTestNamespace("crd");
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    await ext.createCustomResourceDefinition({ body: crd });
    await until("the CRD to be Established", 30_000, async () => {
      const got = await ext.readCustomResourceDefinition({ name: crdName });
      const established = got.status?.conditions?.some(
        (c) => c.type === "Established" && c.status === "True",
      );
      return established ? true : undefined;
    });
  });

  after(async () => {
    await kc.makeApiClient(ApiextensionsV1Api).deleteCustomResourceDefinition({ name: crdName });
  });

  it("creates, lists and watches custom objects", async () => {
    const base = { group, version, namespace, plural };
    // Established can precede the first request the new endpoint serves by a moment.
    const created = await until("the widgets endpoint to accept objects", 15_000, async () => {
      try {
        return await objects.createNamespacedCustomObject({ ...base, body: widget("first", 3) });
      } catch (err) {
        if (err instanceof ApiException && err.code === 404) return undefined;
        throw err;
      }
    });
    assert.equal(nameOf(created), "first");

    const list: unknown = await objects.listNamespacedCustomObject(base);
    assert.ok(
      typeof list === "object" && list !== null && "items" in list && Array.isArray(list.items),
    );
    assert.deepEqual(list.items.map(nameOf), ["first"]);
    const listMeta = "metadata" in list ? list.metadata : undefined;
    const resourceVersion =
      typeof listMeta === "object" && listMeta !== null && "resourceVersion" in listMeta
        ? String(listMeta.resourceVersion)
        : undefined;
    assert.ok(resourceVersion, "the list carries a resourceVersion to watch from");

    const events: Array<{ type: string; name: string | undefined }> = [];
    const seen = Promise.withResolvers<void>();
    // Handled here so an early failure is reported by the await below, not as unhandled.
    seen.promise.catch(() => {});
    const controller = await new Watch(kc).watch(
      `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
      { resourceVersion },
      (type, obj) => {
        events.push({ type, name: nameOf(obj) });
        if (type === "ADDED" && nameOf(obj) === "second") seen.resolve();
      },
      (err) => seen.reject(new Error(`watch ended before 'second' was seen: ${String(err)}`)),
    );
    const timer = setTimeout(
      () => seen.reject(new Error("no ADDED event for 'second' in 15 s")),
      15_000,
    );
    try {
      await objects.createNamespacedCustomObject({ ...base, body: widget("second", MAX_SIZE) });
      await seen.promise;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    // Watching from the list's resourceVersion shows only what came after it.
    assert.deepEqual(events, [{ type: "ADDED", name: "second" }]);
  });

  it("rejects an object that violates the schema, with the server's own message", async () => {
    const base = { group, version, namespace, plural };
    const err = await objects
      .createNamespacedCustomObject({ ...base, body: widget("too-big", MAX_SIZE + 40) })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof ApiException, `expected an ApiException, got ${String(err)}`);
    assert.equal(err.code, 422);
    const status: unknown = JSON.parse(String(err.body));
    assert.ok(
      typeof status === "object" && status !== null && "message" in status && "reason" in status,
    );
    assert.equal(status.reason, "Invalid");
    assert.match(
      String(status.message),
      new RegExp(
        `Widget\\.${group.replaceAll(".", "\\.")} "too-big" is invalid: spec\\.size: Invalid value: ${MAX_SIZE + 40}: spec\\.size in body should be less than or equal to ${MAX_SIZE}`,
      ),
    );
    // And nothing was stored.
    const missing = await objects.getNamespacedCustomObject({ ...base, name: "too-big" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(missing instanceof ApiException && missing.code === 404);
  });
});
