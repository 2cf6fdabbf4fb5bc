import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ALL_NAMESPACES,
  crossNamespaceProblems,
  hostNamespace,
} from "../../../operator/controllers/namespace-scope.ts";

const strict = { allowAll: false, allowed: new Set<string>() };

describe("hostNamespace", () => {
  it("reads the namespace of in-cluster Service names", () => {
    assert.equal(hostNamespace("checkout.shop.svc.cluster.local"), "shop");
    assert.equal(hostNamespace("checkout.shop.svc"), "shop");
    assert.equal(hostNamespace("*.other.svc.cluster.local"), "other");
    assert.equal(hostNamespace("Checkout.Shop.SVC.cluster.local:8443"), "shop");
    assert.equal(hostNamespace("checkout.shop.svc.cluster.local."), "shop");
    assert.equal(hostNamespace("x.other.svc.corp.example", "corp.example"), "other");
  });

  it("treats wildcards over every Service as all namespaces", () => {
    for (const h of ["*", "*.svc", "*.svc.cluster.local", "*.cluster.local", "*.local"]) {
      assert.equal(hostNamespace(h), ALL_NAMESPACES, h);
    }
  });

  it("leaves names it cannot place to the data plane", () => {
    assert.equal(hostNamespace("api.example.com"), undefined);
    assert.equal(hostNamespace("checkout.shop"), undefined);
    assert.equal(hostNamespace("*.example.com"), undefined);
  });
});

describe("crossNamespaceProblems", () => {
  it("flags hosts in another namespace with the path and a fix", () => {
    const p = crossNamespaceProblems(
      "shop",
      ["checkout.shop.svc.cluster.local", "pay.billing.svc.cluster.local"],
      strict,
    );
    assert.equal(p.length, 1);
    assert.equal(p[0]?.path, "spec.target.hosts[1]");
    assert.match(p[0]?.message ?? "", /namespace "billing".*--allow-cross-namespace/);
  });

  it("honours --allow-cross-namespace and --cross-namespace-allowed", () => {
    const hosts = ["pay.billing.svc.cluster.local", "*.svc.cluster.local"];
    assert.equal(
      crossNamespaceProblems("shop", hosts, { allowAll: true, allowed: new Set() }).length,
      0,
    );
    const some = crossNamespaceProblems("shop", hosts, {
      allowAll: false,
      allowed: new Set(["billing"]),
    });
    assert.equal(some.length, 1);
    assert.match(some[0]?.message ?? "", /every namespace/);
  });

  it("ignores non-string hosts (the schema reports those)", () => {
    assert.deepEqual(crossNamespaceProblems("shop", [42, null], strict), []);
    assert.deepEqual(crossNamespaceProblems("shop", undefined, strict), []);
  });
});
