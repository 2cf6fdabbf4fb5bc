// Key rotation as it really happens (issue: identity-provider faults): a `rotate` experiment
// re-signs tokens under a new kid AND takes over the identity provider's JWKS endpoint, answering
// with the real keys plus the new one. Two demo APIs fetch their keys through the same front:
// one refetches on an unknown kid, one trusts its cache for a TTL. Probing both every 50 ms
// shows how long each takes to recover after the window opens.

import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { dumpYaml } from "@kubernetes/client-node";
import type { TokenChaosExperiment } from "../../../api/v1alpha1/types.ts";
import { startAuthzServer } from "../../../authz-server/server.ts";
import { freePort } from "../../support/child-process.ts";
import { startDemoApi } from "../demo-api/api.ts";
import { JWKS_PATH, startIssuer } from "../demo-api/issuer.ts";
import { tempDir } from "./child-process.ts";
import { send } from "./http-client.ts";
import {
  ALL_SCOPES,
  AUDIENCE,
  e2eLogLevel,
  type FrontKind,
  HOSTS,
  ISSUER,
  NAMESPACE,
  scenarioHost,
  startFront,
} from "./stack.ts";

export interface Probe {
  /** When the probe was sent, in ms since the window opened (negative before). */
  t: number;
  status: number;
  challenge?: string;
}

export interface ValidatorResult {
  probes: Probe[];
  /** Failed probes inside the window. */
  failures: number;
  /** ms from the window opening until every later probe in the window succeeded. */
  recoveryMs: number | undefined;
  /** Key set fetches the API made. */
  keyFetches: number;
}

export interface RotationResult {
  front: FrontKind;
  windowMs: number;
  trustTtlMs: number;
  /** When the trust-cache API would refetch, relative to the window opening. */
  expectedTrustRecoveryMs: number;
  refetch: ValidatorResult;
  trustCache: ValidatorResult;
  /** Probes after the window closed, all validators. */
  afterWindow: Probe[];
}

export interface RotationOptions {
  /** How long the trust-cache API trusts a fetched key set. */
  trustTtlMs: number;
  /** Window length. */
  windowMs: number;
  /** Minimum time between setting things up and the window opening. */
  leadMs: number;
  probeEveryMs?: number;
}

const REFETCH_HOST = scenarioHost("rotate-refetch");
const BOUNDARY_MS = 100;
const TRUST_HOST = scenarioHost("rotate-cache");

/** The rotate experiment with a JWKS takeover, as a user would write it. */
export function rotationExperiment(
  jwksUrl: string,
  startAt: Date,
  windowMs: number,
): TokenChaosExperiment {
  return {
    apiVersion: "chaos.tokenchaos.dev/v1alpha1",
    kind: "TokenChaosExperiment",
    metadata: { name: "e2e-rotate-with-jwks-takeover", namespace: NAMESPACE },
    spec: {
      target: { hosts: [REFETCH_HOST, TRUST_HOST], paths: [{ prefix: "/api" }] },
      faults: [
        {
          type: "rotate",
          at: "upstream",
          rotate: { jwks: { url: jwksUrl, host: HOSTS.idp, path: JWKS_PATH, cacheFor: "1m" } },
        },
      ],
      schedule: { startAt: startAt.toISOString(), duration: `${Math.round(windowMs / 1000)}s` },
    },
  };
}

export async function runRotation(kind: FrontKind, opts: RotationOptions): Promise<RotationResult> {
  const every = opts.probeEveryMs ?? 50;
  const dir = await tempDir("rotation");
  const issuer = await startIssuer({
    issuer: ISSUER,
    audience: AUDIENCE,
    clients: { "shop-frontend": { secret: "demo-secret", scopes: ALL_SCOPES } },
  });
  const frontPort = await freePort();
  // Whole seconds: the window opens at a known instant at least leadMs from now.
  const start = new Date(Math.ceil((Date.now() + opts.leadMs) / 1000) * 1000);
  const file = join(dir, "rotate.yaml");
  await writeFile(
    file,
    dumpYaml(rotationExperiment(`${issuer.url}${JWKS_PATH}`, start, opts.windowMs)),
  );
  const authz = await startAuthzServer({
    grpcPort: 0,
    httpPort: 0,
    experiments: file,
    logLevel: e2eLogLevel(),
  });
  const keyUrl = `http://127.0.0.1:${frontPort}${JWKS_PATH}`;
  const refetchApi = await startDemoApi({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: {
      kind: "refetch-on-unknown-kid",
      url: keyUrl,
      hostHeader: HOSTS.idp,
      ttlMs: 600_000,
      cooldownMs: 500,
    },
  });
  const trustApi = await startDemoApi({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: { kind: "trust-cache", url: keyUrl, hostHeader: HOSTS.idp, ttlMs: opts.trustTtlMs },
  });
  const front = await startFront(
    kind,
    authz,
    {
      defaultPort: refetchApi.port,
      byHost: {
        [REFETCH_HOST]: refetchApi.port,
        [TRUST_HOST]: trustApi.port,
        [HOSTS.idp]: issuer.port,
      },
    },
    { port: frontPort },
  );
  try {
    const token = await issuer.mint({ sub: "alice", scope: ALL_SCOPES });
    const probe = async (host: string): Promise<Probe> => {
      // Timed by when it was sent: that is what the authz-server compares with the window.
      const sent = Date.now();
      const r = await send({
        port: frontPort,
        host,
        path: "/api/catalog",
        headers: { authorization: `Bearer ${token}` },
      });
      const p: Probe = { t: sent - start.getTime(), status: r.status };
      if (r.status !== 200) p.challenge = r.headers["www-authenticate"] ?? r.text.slice(0, 100);
      return p;
    };
    // Warm both caches before the window: the trust-cache API now trusts this key set for its TTL.
    const warm = [await probe(REFETCH_HOST), await probe(TRUST_HOST)];
    const warmedAt = Date.now();
    for (const w of warm) {
      if (w.status !== 200) throw new Error(`warm-up failed: ${w.status} ${w.challenge ?? ""}`);
    }
    if (warmedAt >= start.getTime() - 200) {
      throw new Error(
        `set-up took too long: the window opened ${warmedAt - start.getTime()} ms ago`,
      );
    }
    const end = start.getTime() + opts.windowMs;
    const refetch: Probe[] = [];
    const trust: Probe[] = [];
    const afterWindow: Probe[] = [];
    // Bounded: the loop ends half a second after the window closes.
    while (Date.now() < end + 500) {
      const tick = Date.now();
      const [a, b] = await Promise.all([probe(REFETCH_HOST), probe(TRUST_HOST)]);
      // A probe sent right at the window's end may be checked on either side of it: not counted.
      if (a.t >= opts.windowMs + BOUNDARY_MS) afterWindow.push(a, b);
      else if (a.t < opts.windowMs - BOUNDARY_MS) {
        refetch.push(a);
        trust.push(b);
      }
      const wait = every - (Date.now() - tick);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    return {
      front: kind,
      windowMs: opts.windowMs,
      trustTtlMs: opts.trustTtlMs,
      expectedTrustRecoveryMs: warmedAt + opts.trustTtlMs - start.getTime(),
      refetch: summarize(refetch, refetchApi.keyFetches()),
      trustCache: summarize(trust, trustApi.keyFetches()),
      afterWindow,
    };
  } finally {
    await front.close();
    await authz.close();
    await Promise.all([refetchApi.close(), trustApi.close(), issuer.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

function summarize(probes: Probe[], keyFetches: number): ValidatorResult {
  const inWindow = probes.filter((p) => p.t >= 0);
  const failures = inWindow.filter((p) => p.status !== 200).length;
  let lastFailure = -1;
  inWindow.forEach((p, i) => {
    if (p.status !== 200) lastFailure = i;
  });
  let recoveryMs: number | undefined;
  if (lastFailure === -1) recoveryMs = inWindow.length > 0 ? 0 : undefined;
  else if (lastFailure < inWindow.length - 1) recoveryMs = inWindow[lastFailure + 1]?.t;
  return { probes, failures, recoveryMs, keyFetches };
}
