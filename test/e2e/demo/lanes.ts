// What the demo runs: one lane of traffic per seed scenario, each driven by the example manifest
// of that scenario (examples/*.yaml). The demo keeps every example's faults, percent, ramp,
// sticky, mode, hosts, methods, claims and opt-in header; it changes only what a laptop demo
// must: a 20-second window at a staggered start (ramps scaled to it), paths pointed at the demo
// shop's endpoints, no guard or steadyState (no Prometheus here), no source principals (no mTLS
// here), and for the rotation the JWKS URL of the demo's own issuer.

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadYaml } from "@kubernetes/client-node";
import { parseDuration } from "../../../api/plan/schedule.ts";
import type { PathMatch, TokenChaosExperiment } from "../../../api/v1alpha1/types.ts";
import { JWKS_PATH } from "../demo-api/issuer.ts";
import { HOSTS } from "../support/stack.ts";

export const EXAMPLES_DIR = fileURLToPath(new URL("../../../examples/", import.meta.url));

export type ApiVariant = "careful" | "careless" | "trust-cache";
export type DemoFront = "envoy" | "envoy-fail-open";

export interface LaneSpec {
  /** Row label. */
  label: string;
  example: string;
  /** Host the lane's traffic uses (one of the example's hosts, or one added below). */
  host: string;
  /** Hosts added to the example's target (a second validator behind another name). */
  addHosts?: string[];
  /** Replaces target.paths so the example hits the demo shop's endpoints. */
  paths?: PathMatch[];
  api: ApiVariant;
  front: DemoFront;
  /** checkout: create cart -> add item -> pay; browse: GET the catalog; account: GET the account. */
  flow: "checkout" | "browse" | "account";
  /** Extra claims or scopes in the lane's tokens (to satisfy a claim matcher, say). */
  claims?: Record<string, unknown>;
  extraScopes?: string[];
  /** Offset of the window from the demo's start, in seconds. */
  offsetS: number;
}

const API_PREFIX: PathMatch[] = [{ prefix: "/api" }];

/** Staggered by 8 s, 20 s windows: the whole demo takes under two minutes. */
export const WINDOW_S = 20;

export const LANES: LaneSpec[] = [
  {
    label: "expired token under load",
    example: "expired-token-under-load.yaml",
    host: "checkout.shop.svc.cluster.local",
    api: "careful",
    front: "envoy",
    flow: "checkout",
    offsetS: 0,
  },
  {
    label: "revoked mid-transaction",
    example: "revoked-mid-transaction.yaml",
    host: "payments.shop.svc.cluster.local",
    paths: API_PREFIX,
    api: "careful",
    front: "envoy",
    flow: "checkout",
    offsetS: 8,
  },
  {
    label: "payload tampered (careful API)",
    example: "payload-tampered.yaml",
    host: "accounts.shop.svc.cluster.local",
    addHosts: [HOSTS.careless],
    api: "careful",
    front: "envoy",
    flow: "account",
    extraScopes: ["account:read"],
    offsetS: 16,
  },
  {
    label: "payload tampered (careless API)",
    example: "payload-tampered.yaml",
    host: HOSTS.careless,
    api: "careless",
    front: "envoy",
    flow: "account",
    extraScopes: ["account:read"],
    offsetS: 16,
  },
  {
    label: "rotated key (refetching)",
    example: "rotated-key-stale-cache.yaml",
    host: "inventory.shop.svc.cluster.local",
    addHosts: ["inventory-cached.shop.svc.cluster.local"],
    paths: API_PREFIX,
    api: "careful",
    front: "envoy",
    flow: "browse",
    offsetS: 24,
  },
  {
    label: "rotated key (trust-cache 8 s)",
    example: "rotated-key-stale-cache.yaml",
    host: "inventory-cached.shop.svc.cluster.local",
    paths: API_PREFIX,
    api: "trust-cache",
    front: "envoy",
    flow: "browse",
    offsetS: 24,
  },
  {
    label: "scope-limited endpoint",
    example: "scope-limited-endpoint.yaml",
    host: "checkout.shop.svc.cluster.local",
    paths: [{ exact: "/api/orders/pay" }],
    api: "careful",
    front: "envoy",
    flow: "checkout",
    offsetS: 32,
  },
  {
    label: "slow validation",
    example: "slow-validation.yaml",
    host: "catalog.shop.svc.cluster.local",
    paths: API_PREFIX,
    api: "careful",
    front: "envoy",
    flow: "browse",
    offsetS: 40,
  },
  {
    label: "missing token",
    example: "missing-token.yaml",
    host: "cart.shop.svc.cluster.local",
    api: "careful",
    front: "envoy",
    flow: "checkout",
    offsetS: 48,
  },
  {
    label: "invalid signature",
    example: "invalid-signature.yaml",
    host: "accounts.shop.svc.cluster.local",
    paths: API_PREFIX,
    api: "careful",
    front: "envoy",
    flow: "browse",
    offsetS: 56,
  },
  {
    label: "malformed Bearer header",
    example: "malformed-bearer.yaml",
    host: "wishlist.shop.svc.cluster.local",
    paths: API_PREFIX,
    api: "careful",
    front: "envoy",
    flow: "browse",
    offsetS: 64,
  },
  {
    label: "mismatched scopes",
    example: "mismatched-scope.yaml",
    host: "subscriptions.shop.svc.cluster.local",
    paths: API_PREFIX,
    api: "careful",
    front: "envoy",
    flow: "checkout",
    claims: { client_id: "mobile-app" },
    extraScopes: ["subscriptions:write"],
    offsetS: 72,
  },
  {
    label: "auth service failing (fail closed)",
    example: "auth-service-failing.yaml",
    host: "shipping.shop.svc.cluster.local",
    paths: API_PREFIX,
    api: "careful",
    front: "envoy",
    flow: "browse",
    offsetS: 80,
  },
  {
    label: "auth service failing (fail open)",
    example: "auth-service-failing.yaml",
    host: "shipping.shop.svc.cluster.local",
    paths: API_PREFIX,
    api: "careful",
    front: "envoy-fail-open",
    flow: "browse",
    offsetS: 80,
  },
];

export async function loadExample(file: string): Promise<TokenChaosExperiment> {
  return loadYaml(await readFile(join(EXAMPLES_DIR, file), "utf8")) as TokenChaosExperiment;
}

/** The example, adapted to the demo as the header comment says. Lanes sharing an example merge. */
export function adaptExample(
  example: TokenChaosExperiment,
  lanes: LaneSpec[],
  t0: number,
  jwksUrl: string,
): TokenChaosExperiment {
  const first = lanes[0];
  if (first === undefined) throw new Error("no lane for this example");
  const spec = structuredClone(example.spec);
  const target = spec.target;
  if (first.paths !== undefined) target.paths = first.paths;
  delete target.sourcePrincipals;
  const hosts = new Set(target.hosts ?? []);
  for (const l of lanes) for (const h of l.addHosts ?? []) hosts.add(h);
  if (hosts.size > 0) target.hosts = [...hosts];
  const windowMs = WINDOW_S * 1000;
  const originalMs = parseDuration(spec.schedule.duration) ?? windowMs;
  const ramp = spec.schedule.ramp;
  spec.schedule = {
    startAt: new Date(t0 + first.offsetS * 1000).toISOString(),
    duration: `${WINDOW_S}s`,
  };
  if (ramp !== undefined) {
    // Same shape over the shorter window: a ramp over half the window stays over half of it.
    const overMs = parseDuration(ramp.over) ?? originalMs;
    const scaled = Math.max(1, Math.round(((overMs / originalMs) * windowMs) / 1000));
    spec.schedule.ramp = { from: ramp.from, to: ramp.to, over: `${scaled}s` };
  }
  delete spec.guard;
  delete spec.steadyState;
  for (const f of spec.faults) {
    if (f.rotate?.jwks !== undefined) {
      f.rotate.jwks = { ...f.rotate.jwks, url: jwksUrl, host: HOSTS.idp, path: JWKS_PATH };
    }
  }
  return {
    apiVersion: example.apiVersion,
    kind: example.kind,
    metadata: { name: example.metadata.name, namespace: example.metadata.namespace ?? "default" },
    spec,
  };
}
