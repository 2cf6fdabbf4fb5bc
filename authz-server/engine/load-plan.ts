// Loading a compiled plan: every matcher, regex and fault answer is built once here, experiments
// are put in decision order (by id, "namespace/name") and indexed by host. An experiment that
// cannot be compiled (e.g. an invalid regex) is left out and reported in `problems`; loading
// never throws on plan content.

import { parseDuration } from "../../api/plan/schedule.ts";
import type { CompiledPlan, PlanRamp, PlanWindow } from "../../api/plan/types.ts";
import type { Fault, FaultForm } from "../../api/v1alpha1/types.ts";
import { UPSTREAM_FAULTS, UPSTREAM_ONLY_FAULTS } from "../../api/v1alpha1/types.ts";
import type { FaultBase, FaultRun } from "./fault-runner.ts";
import { FAULT_COMPILERS } from "./faults/registry.ts";
import { HostIndex, hostWithoutPort } from "./host-index.ts";
import { type CompiledTarget, compileTarget } from "./match.ts";
import type { RequestView } from "./request-view.ts";
import type { DecisionReason } from "./types.ts";

export interface CompiledFault extends FaultBase {
  readonly index: number;
  /** 0-100; a ramp, when present, is capped by it. */
  readonly percent: number;
  /** Mixed into the sticky hash so each fault of an experiment draws independently. */
  readonly salt: string;
  /** delay faults add their delay and let the next fault of the experiment apply too. */
  readonly combinable: boolean;
  /** What sticky sampling keys on (the Authorization value; the introspected token). */
  readonly stickyKey: (view: RequestView) => string | undefined;
  readonly run: FaultRun;
}

export interface CompiledExperiment {
  readonly order: number;
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly dryRun: boolean;
  readonly sticky: boolean;
  readonly target: CompiledTarget;
  readonly faults: readonly CompiledFault[];
  readonly windows: readonly PlanWindow[];
  readonly ramp?: PlanRamp;
}

/** A `rotate` fault's JWKS takeover: requests for `path` on `host` get the key set. */
export interface TakeoverRoute {
  readonly experiment: CompiledExperiment;
  readonly base: FaultBase;
  readonly url: string;
  readonly host: string;
}

/** A key set the server must fetch (and refetch every `cacheForMs`) for a JWKS takeover. */
export interface JwksTakeoverSource {
  readonly url: string;
  readonly cacheForMs: number;
}

export interface PlanProblem {
  readonly experiment: string;
  readonly message: string;
}

export interface LoadedPlan {
  readonly version: number;
  readonly generatedAt: number;
  readonly halted: boolean;
  readonly validUntil: number | undefined;
  /** In decision order. */
  readonly experiments: readonly CompiledExperiment[];
  readonly problems: readonly PlanProblem[];
  readonly jwksTakeovers: readonly JwksTakeoverSource[];
  readonly index: HostIndex<CompiledExperiment>;
  /** JWKS takeover routes by exact path. */
  readonly takeovers: ReadonlyMap<string, readonly TakeoverRoute[]>;
}

export const DEFAULT_JWKS_CACHE_MS = 300_000;

export function formOf(fault: Fault): FaultForm {
  if (UPSTREAM_ONLY_FAULTS.includes(fault.type)) return "upstream";
  if (fault.at === "upstream" && UPSTREAM_FAULTS.includes(fault.type)) return "upstream";
  return "edge";
}

function clampPercent(p: number | undefined): number {
  if (p === undefined) return 100;
  if (!Number.isFinite(p)) return 0;
  return Math.min(100, Math.max(0, p));
}

function makeBase(
  exp: { id: string; namespace: string; dryRun: boolean },
  fault: Fault,
  form: FaultForm,
  correlation: boolean,
): FaultBase {
  const reason: DecisionReason = Object.freeze({
    experiment: exp.id,
    namespace: exp.namespace,
    fault: fault.type,
    form,
    dryRun: exp.dryRun,
  });
  return {
    type: fault.type,
    form,
    reason,
    skippedReason: Object.freeze({ ...reason, skipped: true }),
    correlation,
  };
}

const authorizationKey = (view: RequestView): string | undefined => view.rawAuthorization;
const introspectedTokenKey = (view: RequestView): string | undefined =>
  view.formParam("token") ?? view.rawAuthorization;

function compileFault(
  exp: { id: string; namespace: string; dryRun: boolean },
  fault: Fault,
  index: number,
): CompiledFault {
  const compiler = FAULT_COMPILERS[fault.type];
  if (compiler === undefined) throw new Error(`unknown fault type ${JSON.stringify(fault.type)}`);
  const form = formOf(fault);
  const base = makeBase(exp, fault, form, fault.correlationHeader ?? form === "edge");
  return {
    ...base,
    index,
    percent: clampPercent(fault.percent),
    salt: `${exp.id}#${index}`,
    combinable: fault.type === "delay",
    stickyKey: fault.type === "introspection" ? introspectedTokenKey : authorizationKey,
    run: compiler(fault, base),
  };
}

function cleanWindows(windows: readonly PlanWindow[]): PlanWindow[] {
  return windows
    .filter((w) => Number.isFinite(w.start) && Number.isFinite(w.end) && w.start < w.end)
    .map((w) => Object.freeze({ start: w.start, end: w.end }))
    .sort((a, b) => a.start - b.start);
}

function cleanRamp(ramp: PlanRamp | undefined): PlanRamp | undefined {
  if (ramp === undefined) return undefined;
  return Object.freeze({
    from: clampPercent(ramp.from),
    to: clampPercent(ramp.to),
    overMs: Number.isFinite(ramp.overMs) ? Math.max(0, ramp.overMs) : 0,
  });
}

/** The takeover's host: as given, else the JWKS URL's host; undefined when neither is usable. */
function takeoverHost(host: string | undefined, url: string): string | undefined {
  if (host !== undefined) return hostWithoutPort(host);
  try {
    return hostWithoutPort(new URL(url).hostname);
  } catch {
    return undefined;
  }
}

export function loadPlan(plan: CompiledPlan): LoadedPlan {
  const problems: PlanProblem[] = [];
  const sorted = [...(plan.experiments ?? [])].sort((a, b) =>
    a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
  );
  const experiments: CompiledExperiment[] = [];
  const index = new HostIndex<CompiledExperiment>();
  const takeovers = new Map<string, TakeoverRoute[]>();
  const sources = new Map<string, number>();
  for (const e of sorted) {
    try {
      const dryRun = e.mode === "dryRun";
      const ids = { id: e.id, namespace: e.namespace, dryRun };
      const compiled: CompiledExperiment = Object.freeze({
        order: experiments.length,
        id: e.id,
        namespace: e.namespace,
        name: e.name,
        dryRun,
        sticky: e.sticky !== false,
        target: compileTarget(e.target ?? {}),
        faults: Object.freeze((e.faults ?? []).map((f, i) => compileFault(ids, f, i))),
        windows: Object.freeze(cleanWindows(e.windows ?? [])),
        ramp: cleanRamp(e.ramp),
      });
      experiments.push(compiled);
      index.add(compiled, e.target?.hosts);
      for (const f of e.faults ?? []) {
        const jwks = f.type === "rotate" ? f.rotate?.jwks : undefined;
        if (jwks === undefined) continue;
        const host = takeoverHost(jwks.host, jwks.url);
        if (host === undefined) {
          problems.push({ experiment: e.id, message: "rotate.jwks: no host and no usable url" });
          continue;
        }
        const route: TakeoverRoute = {
          experiment: compiled,
          base: makeBase(ids, f, "edge", f.correlationHeader === true),
          url: jwks.url,
          host,
        };
        const list = takeovers.get(jwks.path);
        if (list === undefined) takeovers.set(jwks.path, [route]);
        else list.push(route);
        const cacheForMs =
          (jwks.cacheFor === undefined ? undefined : parseDuration(jwks.cacheFor)) ??
          DEFAULT_JWKS_CACHE_MS;
        sources.set(jwks.url, Math.min(sources.get(jwks.url) ?? cacheForMs, cacheForMs));
      }
    } catch (err) {
      problems.push({
        experiment: e.id,
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return Object.freeze({
    version: plan.version,
    generatedAt: plan.generatedAt,
    halted: plan.halted === true,
    validUntil: plan.validUntil,
    experiments: Object.freeze(experiments),
    problems: Object.freeze(problems),
    jwksTakeovers: Object.freeze(
      [...sources].map(([url, cacheForMs]) => Object.freeze({ url, cacheForMs })),
    ),
    index,
    takeovers,
  });
}
