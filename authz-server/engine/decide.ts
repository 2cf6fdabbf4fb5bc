// The decision for one request. Pure apart from the engine state it is handed (per-token revoke
// counters, caches); synchronous; no I/O.
//
// Order: a halted or expired plan (validUntil) allows everything. Otherwise the candidates for
// the request's host (and destination namespace) are tried in decision order (experiment id):
// an experiment applies only while one of its windows is open (start <= now < end) and every
// target condition matches. Its faults are tried in the order written; each is sampled, and the
// first that hits and answers decides. A delay fault that hits adds its delay and lets the later
// faults be tried too (delay then deny/mutate/error). A fault may decline (revoke before its
// limit, token-endpoint for another grant type): then the next fault is tried. When no fault of
// an experiment answers, the next matching experiment gets its chance, so overlapping
// experiments each see their share of traffic. dryRun experiments sample exactly as in enforce
// and return an allow carrying the reason and a summary of what enforce would have done.

import type { PlanWindow } from "../../api/plan/types.ts";
import { LIMITS } from "../../api/v1alpha1/types.ts";
import { CORRELATION_HEADER, skippedAllow } from "./decisions.ts";
import { dryRunAllow } from "./dry-run.ts";
import type { CompiledExperiment, CompiledFault, LoadedPlan } from "./load-plan.ts";
import { matchesTarget } from "./match.ts";
import { pathWithoutQuery, RequestView } from "./request-view.ts";
import { activeWindow, effectivePercent, sampleHits } from "./sample.ts";
import type { EngineState } from "./state.ts";
import {
  ALLOW,
  type CheckAttributes,
  type Decision,
  type DenyDecision,
  type HeaderValue,
  type Random,
} from "./types.ts";

function withCorrelation(headers: readonly HeaderValue[], fault: string): HeaderValue[] {
  const i = headers.findIndex((h) => h.name === CORRELATION_HEADER);
  if (i === -1) return [...headers, { name: CORRELATION_HEADER, value: fault }];
  const out = [...headers];
  out[i] = { name: CORRELATION_HEADER, value: `${fault}, ${headers[i]?.value ?? ""}` };
  return out;
}

/** Folds the delay of hit delay faults into the deciding fault's answer (or a plain delay). */
function combineDelay(
  result: Decision | undefined,
  delayFault: CompiledFault,
  delayMs: number,
): Decision {
  const total = Math.min(LIMITS.maxDelayMs, delayMs + (result?.delayMs ?? 0));
  if (result === undefined) {
    return {
      kind: "allow",
      setHeaders: [],
      removeHeaders: [],
      responseHeaders: delayFault.correlation
        ? [{ name: CORRELATION_HEADER, value: delayFault.type }]
        : [],
      delayMs: total,
      reason: delayFault.reason,
    };
  }
  const reason = { ...(result.reason ?? delayFault.reason), delayed: true };
  switch (result.kind) {
    case "allow":
      return {
        ...result,
        responseHeaders: delayFault.correlation
          ? withCorrelation(result.responseHeaders, delayFault.type)
          : result.responseHeaders,
        delayMs: total,
        reason,
      };
    case "deny":
      return {
        ...result,
        headers: delayFault.correlation
          ? withCorrelation(result.headers, delayFault.type)
          : result.headers,
        delayMs: total,
        reason,
      };
    case "error":
      return { ...result, delayMs: total, reason };
  }
}

function runExperiment(
  exp: CompiledExperiment,
  window: PlanWindow,
  view: RequestView,
  now: number,
  rng: Random,
  state: EngineState,
): Decision | undefined {
  let result: Decision | undefined;
  let resultFault: CompiledFault | undefined;
  let delayFault: CompiledFault | undefined;
  let delayMs = 0;
  for (const fault of exp.faults) {
    const percent = effectivePercent(fault.percent, exp.ramp, window.start, now);
    if (!(percent > 0)) continue;
    if (percent < 100) {
      const key = exp.sticky ? fault.stickyKey(view) : undefined;
      if (!sampleHits(percent, key, fault.salt, window.start, rng)) continue;
    }
    const d = fault.run({ view, now, rng, state, window, bucket: `${fault.salt}@${window.start}` });
    if (d === undefined) continue;
    if (fault.combinable && d.kind === "allow") {
      delayMs += d.delayMs;
      delayFault ??= fault;
      continue;
    }
    result = d;
    resultFault = fault;
    break;
  }
  if (delayFault !== undefined) {
    result = combineDelay(result, delayFault, delayMs);
    resultFault ??= delayFault;
  }
  if (result === undefined || resultFault === undefined) return undefined;
  return exp.dryRun ? dryRunAllow(result, result.reason ?? resultFault.reason) : result;
}

/** A `rotate` JWKS takeover answer for this request, if one applies. */
function takeover(
  attrs: CheckAttributes,
  plan: LoadedPlan,
  now: number,
  state: EngineState,
): Decision | undefined {
  if (attrs.method !== "GET") return undefined;
  const routes = plan.takeovers.get(pathWithoutQuery(attrs.path));
  if (routes === undefined) return undefined;
  for (const route of routes) {
    const exp = route.experiment;
    if (route.host !== attrs.host) continue;
    const ns = attrs.destinationNamespace;
    if (ns !== undefined && ns !== exp.namespace) continue;
    if (activeWindow(exp.windows, now) === undefined) continue;
    const body = state.takeoverJwks.get(route.url);
    // Until the server has fetched the real key set, the real endpoint answers.
    if (body === undefined) return skippedAllow(route.base);
    const headers: HeaderValue[] = [{ name: "content-type", value: "application/json" }];
    if (route.base.correlation) headers.push({ name: CORRELATION_HEADER, value: "rotate" });
    const deny: DenyDecision = {
      kind: "deny",
      status: 200,
      headers,
      body,
      delayMs: 0,
      reason: route.base.reason,
    };
    return exp.dryRun ? dryRunAllow(deny, route.base.reason) : deny;
  }
  return undefined;
}

export function decide(
  attrs: CheckAttributes,
  plan: LoadedPlan,
  now: number,
  rng: Random,
  state: EngineState,
): Decision {
  if (plan.halted || plan.experiments.length === 0) return ALLOW;
  if (plan.validUntil !== undefined && now >= plan.validUntil) return ALLOW;
  state.revoke.purge(now);
  if (plan.takeovers.size > 0) {
    const t = takeover(attrs, plan, now, state);
    if (t !== undefined) return t;
  }
  const candidates = plan.index.candidates(attrs.host, attrs.destinationNamespace);
  if (candidates.length === 0) return ALLOW;
  let view: RequestView | undefined;
  for (const exp of candidates) {
    const window = activeWindow(exp.windows, now);
    if (window === undefined) continue;
    view ??= new RequestView(attrs, state.parsed);
    if (!matchesTarget(exp.target, view)) continue;
    const d = runExperiment(exp, window, view, now, rng, state);
    if (d !== undefined) return d;
  }
  return ALLOW;
}
