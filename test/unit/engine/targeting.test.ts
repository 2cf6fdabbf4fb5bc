// Targeting: which requests an experiment touches, and which experiment decides.

import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { PlanExperiment } from "../../../api/plan/types.ts";
import type { Target } from "../../../api/v1alpha1/types.ts";
import {
  createEngineState,
  createSigningKeys,
  decide,
  type EngineState,
  loadPlan,
  seededRandom,
} from "../../../authz-server/engine/engine.ts";
import type { CheckAttributes, Decision } from "../../../authz-server/engine/types.ts";
import { bearer, experiment, HOST, NOW, plan, request, signedToken } from "./fixtures.ts";

let state: EngineState;
let token: string;
before(async () => {
  state = createEngineState({ keys: await createSigningKeys() });
  token = await signedToken("RS256", {
    sub: "user-42",
    client_id: "mobile-app",
    aud: ["checkout", "billing"],
    admin: false,
    level: 3,
    realm_access: { roles: ["buyer"] },
  });
});

function injected(
  target: Target,
  attrs: Partial<CheckAttributes>,
  over: Partial<PlanExperiment> = {},
): boolean {
  const loaded = loadPlan(plan([experiment({ target, ...over })]));
  assert.deepEqual(loaded.problems, []);
  return decide(request(attrs), loaded, NOW, seededRandom(1), state).kind === "deny";
}

describe("hosts", () => {
  it("exact, case-insensitive in the plan", () => {
    assert.equal(injected({ hosts: ["Checkout.Shop.svc.cluster.local"] }, {}), true);
    assert.equal(injected({ hosts: [HOST] }, { host: "payments.shop.svc.cluster.local" }), false);
  });

  it("a port in the experiment's host is ignored (requests carry none)", () => {
    assert.equal(injected({ hosts: ["checkout.shop:8080"] }, { host: "checkout.shop" }), true);
  });

  it("a service host also answers to its short forms, never to the bare name", () => {
    for (const host of ["checkout.shop.svc", "checkout.shop"])
      assert.equal(injected({ hosts: [HOST] }, { host }), true, host);
    assert.equal(injected({ hosts: [HOST] }, { host: "checkout" }), false);
  });

  it("wildcard matches one or more leading labels, not the bare suffix", () => {
    const t = { hosts: ["*.shop.svc.cluster.local"] };
    assert.equal(injected(t, { host: HOST }), true);
    assert.equal(injected(t, { host: "a.b.shop.svc.cluster.local" }), true);
    assert.equal(injected(t, { host: "shop.svc.cluster.local" }), false);
    assert.equal(injected(t, { host: "checkout.other.svc.cluster.local" }), false);
  });

  it("no hosts or * matches any host", () => {
    assert.equal(injected({}, { host: "anything.example" }), true);
    assert.equal(injected({ hosts: ["*"] }, { host: "anything.example" }), true);
  });
});

describe("paths, methods, headers, principals", () => {
  it("paths exact / prefix / regex (found anywhere unless anchored), query string ignored", () => {
    assert.equal(
      injected({ paths: [{ exact: "/api/orders" }] }, { path: "/api/orders?page=2" }),
      true,
    );
    assert.equal(injected({ paths: [{ exact: "/api/orders" }] }, { path: "/api/orders/1" }), false);
    assert.equal(injected({ paths: [{ prefix: "/api/" }] }, { path: "/api/orders/1" }), true);
    assert.equal(injected({ paths: [{ prefix: "/api/" }] }, { path: "/health" }), false);
    assert.equal(
      injected({ paths: [{ regex: "^/api/orders/[0-9]+$" }] }, { path: "/api/orders/17?x=1" }),
      true,
    );
    assert.equal(
      injected({ paths: [{ regex: "^/api/orders/[0-9]+$" }] }, { path: "/api/orders/17/items" }),
      false,
    );
    assert.equal(
      injected({ paths: [{ regex: "/orders/[0-9]+" }] }, { path: "/v2/api/orders/17/items" }),
      true,
    );
    assert.equal(injected({ paths: [{ regex: "^/orders" }] }, { path: "/v2/orders" }), false);
    assert.equal(
      injected({ paths: [{ exact: "/a" }, { prefix: "/api" }] }, { path: "/api" }),
      true,
    );
  });

  it("methods", () => {
    assert.equal(injected({ methods: ["POST", "PUT"] }, { method: "PUT" }), true);
    assert.equal(injected({ methods: ["POST"] }, { method: "GET" }), false);
  });

  it("headers exact / prefix / regex / present / absent", () => {
    const h = { "x-tenant": "acme-eu" };
    assert.equal(
      injected({ headers: [{ name: "X-Tenant", exact: "acme-eu" }] }, { headers: h }),
      true,
    );
    assert.equal(
      injected({ headers: [{ name: "x-tenant", exact: "acme" }] }, { headers: h }),
      false,
    );
    assert.equal(
      injected({ headers: [{ name: "x-tenant", prefix: "acme" }] }, { headers: h }),
      true,
    );
    assert.equal(
      injected({ headers: [{ name: "x-tenant", regex: "acme-(eu|us)" }] }, { headers: h }),
      true,
    );
    assert.equal(
      injected({ headers: [{ name: "x-tenant", regex: "^acme$" }] }, { headers: h }),
      false,
    );
    assert.equal(injected({ headers: [{ name: "x-tenant", regex: "-eu" }] }, { headers: h }), true);
    assert.equal(
      injected({ headers: [{ name: "x-tenant", present: true }] }, { headers: h }),
      true,
    );
    assert.equal(injected({ headers: [{ name: "x-tenant", present: true }] }, {}), false);
    assert.equal(
      injected({ headers: [{ name: "x-canary", present: false }] }, { headers: h }),
      true,
    );
    assert.equal(injected({ headers: [{ name: "constructor", present: true }] }, {}), false);
  });

  it("source principals", () => {
    const sa = "spiffe://cluster.local/ns/shop/sa/frontend";
    assert.equal(injected({ sourcePrincipals: [sa] }, { sourcePrincipal: sa }), true);
    assert.equal(injected({ sourcePrincipals: [sa] }, { sourcePrincipal: `${sa}2` }), false);
    assert.equal(injected({ sourcePrincipals: [sa] }, {}), false);
  });

  it("opt-in header", () => {
    const t = { optInHeader: { name: "X-Token-Chaos", value: "on" } };
    assert.equal(injected(t, { headers: { "x-token-chaos": "on" } }), true);
    assert.equal(injected(t, { headers: { "x-token-chaos": "off" } }), false);
    assert.equal(injected(t, {}), false);
  });
});

describe("JWT claims", () => {
  it("string, array, number, boolean and nested claims", () => {
    const h = () => bearer(token);
    assert.equal(
      injected({ claims: [{ name: "client_id", exact: "mobile-app" }] }, { headers: h() }),
      true,
    );
    assert.equal(
      injected({ claims: [{ name: "client_id", exact: "web" }] }, { headers: h() }),
      false,
    );
    assert.equal(injected({ claims: [{ name: "aud", exact: "billing" }] }, { headers: h() }), true);
    assert.equal(injected({ claims: [{ name: "level", exact: "3" }] }, { headers: h() }), true);
    assert.equal(injected({ claims: [{ name: "admin", exact: "false" }] }, { headers: h() }), true);
    assert.equal(
      injected({ claims: [{ name: "realm_access.roles", exact: "buyer" }] }, { headers: h() }),
      true,
    );
    assert.equal(
      injected({ claims: [{ name: "sub", regex: "user-[0-9]+" }] }, { headers: h() }),
      true,
    );
    assert.equal(injected({ claims: [{ name: "sub", prefix: "svc-" }] }, { headers: h() }), false);
    assert.equal(
      injected({ claims: [{ name: "tenant", present: true }] }, { headers: h() }),
      false,
    );
    assert.equal(
      injected({ claims: [{ name: "tenant", present: false }] }, { headers: h() }),
      true,
    );
    assert.equal(
      injected({ claims: [{ name: "toString", present: true }] }, { headers: h() }),
      false,
    );
  });

  it("a claim matcher never matches a request without a JWT", () => {
    for (const headers of [{}, bearer("opaque-token"), { authorization: "Basic dTpw" }]) {
      assert.equal(injected({ claims: [{ name: "sub", present: false }] }, { headers }), false);
      assert.equal(injected({ claims: [{ name: "sub", present: true }] }, { headers }), false);
    }
  });
});

describe("namespace scoping", () => {
  it("an experiment applies only to its own namespace's workloads when the namespace is known", () => {
    assert.equal(injected({ hosts: [HOST] }, { destinationNamespace: "shop" }), true);
    assert.equal(injected({ hosts: [HOST] }, { destinationNamespace: "payments" }), false);
    assert.equal(injected({}, { destinationNamespace: "payments" }), false);
    assert.equal(injected({}, { destinationNamespace: "shop" }), true);
  });
});

describe("order and overlap", () => {
  const denyWith = (
    name: string,
    status: number,
    target: Target = { hosts: [HOST] },
    percent?: number,
  ) => experiment({ name, target, faults: [{ type: "deny", deny: { status }, percent }] });

  it("the first matching experiment by id decides, whatever the plan order", () => {
    for (const list of [
      [denyWith("b", 402), denyWith("a", 401)],
      [denyWith("a", 401), denyWith("b", 402)],
    ]) {
      const d = decide(request(), loadPlan(plan(list)), NOW, seededRandom(1), state);
      assert.deepEqual(d.kind === "deny" && [d.status, d.reason.experiment], [401, "shop/a"]);
    }
  });

  it("exact, wildcard and any-host experiments merge in id order", () => {
    const loaded = loadPlan(
      plan([
        denyWith("c", 403, {}),
        denyWith("b", 402, { hosts: ["*.shop.svc.cluster.local"] }),
        denyWith("a", 401, { hosts: [HOST] }, 0),
      ]),
    );
    const d = decide(request(), loaded, NOW, seededRandom(1), state);
    assert.deepEqual(d.kind === "deny" && d.reason.experiment, "shop/b");
  });

  it("when the first experiment's sample misses, the next one gets its chance", () => {
    const loaded = loadPlan(plan([denyWith("a", 401, { hosts: [HOST] }, 0), denyWith("b", 402)]));
    const d: Decision = decide(request(), loaded, NOW, seededRandom(1), state);
    assert.deepEqual(d.kind === "deny" && d.status, 402);
  });

  it("the first fault of an experiment whose sample hits applies", () => {
    const loaded = loadPlan(
      plan([
        experiment({
          faults: [
            { type: "deny", deny: { status: 401 }, percent: 0 },
            { type: "deny", deny: { status: 402 } },
            { type: "deny", deny: { status: 403 } },
          ],
        }),
      ]),
    );
    const d = decide(request(), loaded, NOW, seededRandom(1), state);
    assert.deepEqual(d.kind === "deny" && d.status, 402);
  });
});

describe("loading", () => {
  it("an invalid regex leaves that experiment out and says why; the others load", () => {
    const loaded = loadPlan(
      plan([
        experiment({ name: "bad", target: { paths: [{ regex: "(" }] } }),
        experiment({ name: "long", target: { paths: [{ regex: "a".repeat(300) }] } }),
        experiment({ name: "good" }),
      ]),
    );
    assert.deepEqual(
      loaded.experiments.map((e) => e.id),
      ["shop/good"],
    );
    assert.deepEqual(
      loaded.problems.map((p) => p.experiment),
      ["shop/bad", "shop/long"],
    );
    assert.match(loaded.problems[0]?.message ?? "", /regular expression/i);
  });

  it("an unknown fault type leaves the experiment out", () => {
    const loaded = loadPlan(plan([experiment({ faults: [{ type: "explode" as "deny" }] })]));
    assert.deepEqual([loaded.experiments.length, loaded.problems.length], [0, 1]);
  });

  it("halted plans and plans past validUntil inject nothing", () => {
    const exps = [experiment()];
    assert.equal(
      decide(request(), loadPlan(plan(exps, { halted: true })), NOW, seededRandom(1), state).kind,
      "allow",
    );
    const valid = loadPlan(plan(exps, { validUntil: NOW + 1 }));
    assert.equal(decide(request(), valid, NOW, seededRandom(1), state).kind, "deny");
    assert.equal(decide(request(), valid, NOW + 1, seededRandom(1), state).kind, "allow");
  });
});
