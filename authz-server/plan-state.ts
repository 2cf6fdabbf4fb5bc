// The plan in force, shared by the front ends and fed by a plan source. It enforces the rules
// every source obeys: an older plan never replaces a newer one, a halted plan injects nothing,
// and a plan past its validUntil counts as empty (dead-man's switch). Windows themselves are
// applied by decide with its own clock, so nothing outlives a window when the source goes silent.

import { type CompiledPlan, PLAN_FORMAT } from "../api/plan/types.ts";
import type { Engine, LoadedPlan } from "./engine-api.ts";
import type { PlanGaugeSource } from "./observability/metrics.ts";

export type OfferResult = "applied" | "stale";

export const EMPTY_PLAN: CompiledPlan = Object.freeze({
  format: PLAN_FORMAT,
  version: 0,
  generatedAt: 0,
  halted: false,
  experiments: [],
}) as CompiledPlan;

export class PlanState implements PlanGaugeSource {
  #engine: Engine;
  #raw: CompiledPlan = EMPTY_PLAN;
  #loaded: LoadedPlan;
  #empty: LoadedPlan;
  #ready = false;
  #listeners: ((plan: CompiledPlan, loaded: LoadedPlan) => void)[] = [];

  constructor(engine: Engine) {
    this.#engine = engine;
    this.#empty = engine.loadPlan(EMPTY_PLAN);
    this.#loaded = this.#empty;
  }

  /**
   * Offers a plan. A plan whose version is not above the one in force is ignored (a relist or
   * an out-of-order delivery must never roll back). Throws if the engine rejects the plan, in
   * which case the previous plan stays in force.
   */
  offer(plan: CompiledPlan): OfferResult {
    if (plan.version <= this.#raw.version) return "stale";
    const loaded = this.#engine.loadPlan(plan);
    this.#raw = plan;
    this.#loaded = loaded;
    this.#ready = true;
    for (const l of this.#listeners) l(plan, loaded);
    return "applied";
  }

  /** Marks the state ready without a plan (a source that found nothing to load). */
  markReady(): void {
    this.#ready = true;
  }

  get ready(): boolean {
    return this.#ready;
  }

  get plan(): CompiledPlan {
    return this.#raw;
  }

  /** The plan decide should use at `now`: empty when halted or past validUntil. */
  effective(now: number): LoadedPlan {
    const raw = this.#raw;
    if (raw.halted) return this.#empty;
    if (raw.validUntil !== undefined && now >= raw.validUntil) return this.#empty;
    return this.#loaded;
  }

  onChange(listener: (plan: CompiledPlan, loaded: LoadedPlan) => void): void {
    this.#listeners.push(listener);
  }

  version(): number {
    return this.#raw.version;
  }

  generatedAt(): number | undefined {
    return this.#raw.version === 0 ? undefined : this.#raw.generatedAt;
  }

  activeExperiments(now: number): number {
    const raw = this.#raw;
    if (raw.halted || (raw.validUntil !== undefined && now >= raw.validUntil)) return 0;
    let n = 0;
    for (const e of raw.experiments) {
      if (e.windows.some((w) => w.start <= now && now < w.end)) n++;
    }
    return n;
  }
}
