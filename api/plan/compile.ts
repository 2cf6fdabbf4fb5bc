// Compiles experiments into the plan the data plane applies. One function serves the operator
// and the standalone YAML mode. Pure and deterministic: the same objects and clock give the
// same plan, byte for byte once serialised.

import {
  type Fault,
  type HeaderMatch,
  type Target,
  type TokenChaosExperiment,
  UPSTREAM_ONLY_FAULTS,
} from "../v1alpha1/types.ts";
import { type Problem, validateExperiment } from "../v1alpha1/validate.ts";
import { parseTimestamp, resolveRamp, windowsFor } from "./schedule.ts";
import { type CompiledPlan, PLAN_FORMAT, type PlanExperiment } from "./types.ts";

export type CompileResult =
  | { ok: true; experiment: PlanExperiment }
  | { ok: false; problems: Problem[] };

export interface CompileExperimentOptions {
  /**
   * When the experiment was first seen (epoch ms): the start of its first window when
   * schedule.startAt is not set. Default: metadata.creationTimestamp, else nowMs. The standalone
   * mode must pass it, or a file without startAt would start a new window on every reload.
   */
  firstSeenMs?: number;
}

export const DEFAULT_NAMESPACE = "default";

/** namespace/name, the id used in the plan and for problems. */
export function experimentId(obj: unknown): string {
  const meta =
    typeof obj === "object" && obj !== null ? (obj as { metadata?: unknown }).metadata : undefined;
  const m = (typeof meta === "object" && meta !== null ? meta : {}) as {
    name?: unknown;
    namespace?: unknown;
  };
  const ns =
    typeof m.namespace === "string" && m.namespace !== "" ? m.namespace : DEFAULT_NAMESPACE;
  const name = typeof m.name === "string" && m.name !== "" ? m.name : "<unnamed>";
  return `${ns}/${name}`;
}

function creationMs(obj: TokenChaosExperiment): number | undefined {
  // Objects read through @kubernetes/client-node may carry a Date here instead of a string.
  const ts: unknown = obj.metadata.creationTimestamp;
  if (ts instanceof Date) return Number.isFinite(ts.getTime()) ? ts.getTime() : undefined;
  return typeof ts === "string" ? parseTimestamp(ts) : undefined;
}

/** A fault with its defaults made explicit, so the data plane never has to know them. */
function normalizeFault(f: Fault): Fault {
  const at = f.at ?? (UPSTREAM_ONLY_FAULTS.includes(f.type) ? "upstream" : "edge");
  const { type, percent, at: _at, correlationHeader, ...params } = f;
  return {
    type,
    percent: percent ?? 100,
    at,
    correlationHeader: correlationHeader ?? at === "edge",
    ...params,
  };
}

const lowerName = <T extends { name: string }>(m: T): T => ({ ...m, name: m.name.toLowerCase() });

/** Header names compared lower case, as HTTP/2 and Envoy present them. */
function normalizeTarget(t: Target): Target {
  const out: Target = { ...t };
  if (t.headers !== undefined) out.headers = t.headers.map((h: HeaderMatch) => lowerName(h));
  if (t.optInHeader !== undefined) out.optInHeader = lowerName(t.optInHeader);
  if (t.hosts !== undefined) out.hosts = t.hosts.map((h) => h.toLowerCase());
  return out;
}

export function compileExperiment(
  obj: TokenChaosExperiment,
  nowMs: number,
  opts: CompileExperimentOptions = {},
): CompileResult {
  const problems = validateExperiment(obj);
  if (problems.length > 0) return { ok: false, problems };
  const { metadata, spec } = obj;
  const firstSeenMs = opts.firstSeenMs ?? creationMs(obj) ?? nowMs;
  const experiment: PlanExperiment = {
    id: experimentId(obj),
    namespace: metadata.namespace ?? DEFAULT_NAMESPACE,
    name: metadata.name,
    ...(metadata.uid !== undefined ? { uid: metadata.uid } : {}),
    ...(metadata.generation !== undefined ? { generation: metadata.generation } : {}),
    mode: spec.mode ?? "enforce",
    sticky: spec.sticky ?? true,
    target: normalizeTarget(spec.target),
    faults: spec.faults.map(normalizeFault),
    windows: windowsFor(spec.schedule, firstSeenMs, nowMs),
  };
  const ramp = resolveRamp(spec.schedule.ramp);
  if (ramp !== undefined) experiment.ramp = ramp;
  return { ok: true, experiment };
}

export interface CompilePlanOptions {
  nowMs: number;
  version: number;
  halted?: boolean;
  /** First-seen times by id (namespace/name); see CompileExperimentOptions.firstSeenMs. */
  firstSeen?: ReadonlyMap<string, number>;
  /** Sets validUntil = nowMs + validForMs (the data plane's dead-man's switch). */
  validForMs?: number;
}

/**
 * The plan for a set of experiments. Invalid ones are left out and reported by id; paused ones
 * and ones with no window left are left out silently. Experiments are sorted by id. Never throws.
 * A halted plan carries no experiments at all, so nothing can be injected even by a data plane
 * that overlooked the flag.
 */
export function compilePlan(
  objs: readonly TokenChaosExperiment[],
  opts: CompilePlanOptions,
): { plan: CompiledPlan; problems: Map<string, Problem[]> } {
  const problems = new Map<string, Problem[]>();
  const experiments: PlanExperiment[] = [];
  const byId = objs
    .map((obj, index) => ({ obj, index, id: experimentId(obj) }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.index - b.index));
  let previous: string | undefined;
  for (const { obj, id } of byId) {
    if (id === previous) {
      const dup = {
        path: "metadata.name",
        message: "more than one experiment has this namespace/name",
      };
      const known = problems.get(id) ?? [];
      if (!known.some((p) => p.message === dup.message)) problems.set(id, [...known, dup]);
      continue;
    }
    previous = id;
    let result: CompileResult;
    try {
      const firstSeenMs = opts.firstSeen?.get(id);
      result = compileExperiment(obj, opts.nowMs, firstSeenMs === undefined ? {} : { firstSeenMs });
    } catch (e) {
      result = {
        ok: false,
        problems: [{ path: "", message: `cannot compile: ${(e as Error).message}` }],
      };
    }
    if (!result.ok) {
      problems.set(id, result.problems);
      continue;
    }
    if (obj.spec.paused === true || result.experiment.windows.length === 0) continue;
    experiments.push(result.experiment);
  }
  // A duplicate id poisons the first one too: which of the two is meant is unknowable.
  const duplicated = new Set(
    [...problems.keys()].filter((id) => experiments.some((e) => e.id === id)),
  );
  const plan: CompiledPlan = {
    format: PLAN_FORMAT,
    version: opts.version,
    generatedAt: opts.nowMs,
    ...(opts.validForMs !== undefined ? { validUntil: opts.nowMs + opts.validForMs } : {}),
    halted: opts.halted === true,
    experiments: opts.halted === true ? [] : experiments.filter((e) => !duplicated.has(e.id)),
  };
  return { plan, problems };
}
