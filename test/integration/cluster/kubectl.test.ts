// kubectl on the machine talks to the test cluster through the admin kubeconfig.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { kubectl } from "../../support/cluster.ts";

// The release the cluster is built from, as pinned in the kube tools module.
function pinnedKubernetesVersion(): string {
  const goMod = readFileSync(new URL("../../cluster/tools/kube/go.mod", import.meta.url), "utf8");
  const pin = /^require k8s\.io\/kubernetes (v\d+\.\d+\.\d+)$/m.exec(goMod)?.[1];
  if (pin === undefined) throw new Error("k8s.io/kubernetes pin not found in tools/kube/go.mod");
  return pin;
}

describe("kubectl against the test cluster", () => {
  it("answers get --raw /version with the pinned Kubernetes release", async () => {
    const res = await kubectl(["get", "--raw", "/version"]);
    assert.equal(res.code, 0, res.stderr);
    const version: unknown = JSON.parse(res.stdout);
    assert.ok(typeof version === "object" && version !== null && "gitVersion" in version);
    assert.equal(version.gitVersion, pinnedKubernetesVersion());
  });

  it("acts as cluster admin (system:masters)", async () => {
    const res = await kubectl(["auth", "can-i", "*", "*", "--all-namespaces"]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.trim(), "yes");
  });
});
