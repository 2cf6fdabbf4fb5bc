// When and what to write to the plan ConfigMap. Pure so the rules are unit-tested:
// - the version never goes backwards, across restarts and leader changes: max(previous+1, now);
// - a write happens only when what the data plane acts on changed, or validUntil needs a refresh;
// - validUntil is a dead-man's switch: if no operator refreshes the plan, it lapses.

import { isDeepStrictEqual } from "node:util";
import type { CompiledPlan } from "../../api/plan/types.ts";

/**
 * How long a published plan stays in force without a refresh. Long enough that an operator
 * restart or a leader handover (15 s lease) never lets a running experiment lapse, short enough
 * that a plan abandoned by a dead control plane stops within minutes even if its windows are long.
 */
export const PLAN_VALIDITY_MS = 10 * 60 * 1000;
/** Refresh validUntil once less than this remains (so a refresh happens every ~5 minutes). */
export const PLAN_REFRESH_MARGIN_MS = 5 * 60 * 1000;

export function nextVersion(previous: number | undefined, nowMs: number): number {
  return Math.max((previous ?? 0) + 1, Math.floor(nowMs));
}

/** The part of a plan the data plane acts on; version and timestamps excluded. */
export function planContent(plan: CompiledPlan): unknown {
  return { format: plan.format, halted: plan.halted, experiments: plan.experiments };
}

export interface PublishedState {
  plan: CompiledPlan;
}

export type WriteDecision =
  | { write: false; refreshAtMs?: number }
  | { write: true; reason: "first" | "changed" | "refresh" };

export function decideWrite(
  previous: CompiledPlan | undefined,
  candidate: CompiledPlan,
  nowMs: number,
): WriteDecision {
  if (previous === undefined) return { write: true, reason: "first" };
  if (!isDeepStrictEqual(planContent(previous), planContent(candidate))) {
    return { write: true, reason: "changed" };
  }
  // Nothing to keep alive: an empty or halted plan means no injection whether or not it lapses.
  if (candidate.halted || candidate.experiments.length === 0) return { write: false };
  const validUntil = previous.validUntil ?? 0;
  const refreshAtMs = validUntil - PLAN_REFRESH_MARGIN_MS;
  if (nowMs >= refreshAtMs) return { write: true, reason: "refresh" };
  return { write: false, refreshAtMs };
}

/** Publishing is coalesced: wait `debounceMs` after the last request, but never more than `maxDelayMs` after the first. */
export function publishDelay(
  firstRequestMs: number,
  lastRequestMs: number,
  nowMs: number,
  debounceMs: number,
  maxDelayMs: number,
): number {
  const due = Math.min(lastRequestMs + debounceMs, firstRequestMs + maxDelayMs);
  return Math.max(0, due - nowMs);
}

/**
 * Whether a new plan can be made by filtering the last compiled one: true when no experiment
 * was added or changed since (every current stamp is one the last compile saw) and no window
 * edge has passed. Removals (delete, pause, abort) then cost nothing to publish.
 */
export function onlyRemovals(
  lastStamps: ReadonlyMap<string, string> | undefined,
  current: ReadonlyMap<string, string>,
  lastNextEdgeMs: number,
  nowMs: number,
): boolean {
  if (lastStamps === undefined || nowMs >= lastNextEdgeMs) return false;
  for (const [key, stamp] of current) if (lastStamps.get(key) !== stamp) return false;
  return true;
}
