// Injection counts in status come from the data plane itself: a real authz-server follows the
// plan the operator publishes, answers checks, and counts injections on /metrics; the operator
// finds its pods through the Service's EndpointSlices, scrapes them and sums by fault.

import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { before, describe, it } from "node:test";
import { DiscoveryV1Api } from "@kubernetes/client-node";
import { startAuthzServer } from "../../../authz-server/server.ts";
import { adminKubeConfig } from "../../support/cluster.ts";
import {
  atEnd,
  createExperiment,
  example,
  getExperiment,
  operatorNamespaces,
  startTestOperator,
  waitFor,
} from "./harness.ts";

/** EndpointSlices refuse loopback addresses, so the authz-server listens on the host's own. */
function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  throw new Error("this machine has no non-loopback IPv4 address for an EndpointSlice to point at");
}

describe("operator: injection counts from the authz-servers' metrics", () => {
  let ns = "";
  let opNs = "";
  let httpUrl = "";

  before(async () => {
    ({ ns, opNs } = await operatorNamespaces("op-inj"));
    const host = hostAddress();
    const authz = await startAuthzServer({
      host,
      grpcPort: 0,
      httpPort: 0,
      metricsPort: 0,
      planConfigMap: { namespace: opNs },
      kubeConfig: adminKubeConfig(),
      logLevel: "silent",
    });
    atEnd(() => authz.close());
    httpUrl = `http://${host}:${authz.httpPort}/`;
    await adminKubeConfig()
      .makeApiClient(DiscoveryV1Api)
      .createNamespacedEndpointSlice({
        namespace: opNs,
        body: {
          metadata: { name: "authz-1", labels: { "kubernetes.io/service-name": "authz" } },
          addressType: "IPv4",
          ports: [{ name: "metrics", port: authz.metricsPort, protocol: "TCP" }],
          endpoints: [{ addresses: [host], conditions: { ready: true } }],
        },
      });
    await startTestOperator({
      namespace: ns,
      operatorNamespace: opNs,
      authzService: { namespace: opNs, name: "authz", portName: "metrics" },
      timing: { injectionsIntervalMs: 300 },
    });
  });

  it("sums token_chaos_injections_total by fault into status.injections", async () => {
    const obj = example("missing-token.yaml", ns, "counted");
    obj.spec.faults = [{ type: "strip", at: "edge", percent: 100 }];
    await createExperiment(obj);
    const check = () =>
      fetch(httpUrl, {
        headers: {
          "x-forwarded-method": "GET",
          "x-forwarded-uri": "/api/cart/items",
          "x-forwarded-host": `cart.${ns}.svc.cluster.local`,
          authorization: "Bearer opaque-test-token",
        },
      }).then(async (r) => {
        await r.arrayBuffer();
        return r.status;
      });
    // The authz-server follows the plan: wait for the first injected denial.
    await waitFor(
      "the authz-server to inject",
      async () => ((await check()) === 401 ? true : undefined),
      5000,
      50,
    );
    let denied = 1;
    for (let i = 0; i < 9; i++) if ((await check()) === 401) denied++;
    assert.equal(denied, 10, "strip at 100% denies every matching check");
    const counted = await waitFor(
      "status.injections",
      async () => {
        const o = await getExperiment(ns, "counted");
        return o?.status?.injections?.total === denied ? o.status.injections : undefined;
      },
      5000,
      100,
    );
    assert.deepEqual(counted.value.byFault, { strip: denied });
  });
});
