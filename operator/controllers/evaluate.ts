// Evaluates one experiment against the operator's view of the world: validation (memoized per
// generation), namespace scope, compilation to windows, halt, aborts and publication. Shared by
// the reconciler (status) and the plan publisher (membership), so both always agree.

import { compileExperiment } from "../../api/plan/compile.ts";
import type { PlanExperiment, PlanWindow } from "../../api/plan/types.ts";
import type { TokenChaosExperiment } from "../../api/v1alpha1/types.ts";
import {
  type AbortRecord,
  derivePhase,
  type PhaseProblem,
  type PhaseResult,
} from "./derive-phase.ts";
import { honourProblems } from "./honour.ts";
import { type CrossNamespacePolicy, crossNamespaceProblems } from "./namespace-scope.ts";
import { windowPosition } from "./windows.ts";

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface EvaluationContext {
  nowMs: number;
  halted: boolean;
  aborted(obj: TokenChaosExperiment): AbortRecord | undefined;
  published(obj: TokenChaosExperiment): boolean;
}

export interface Evaluation {
  result: PhaseResult;
  problems: PhaseProblem[];
}

export interface EvaluatorOptions {
  policy: CrossNamespacePolicy;
  /** Guards need Prometheus; without it a guarded experiment cannot run safely. */
  prometheusConfigured: boolean;
}

/** Aborted by a guard for this generation, as recorded in status (survives restarts). */
export function abortedInStatus(obj: TokenChaosExperiment): AbortRecord | undefined {
  const c = obj.status?.conditions?.find((x) => x.type === "Aborted");
  if (c?.status !== "True") return undefined;
  if (c.observedGeneration !== undefined && c.observedGeneration !== obj.metadata.generation) {
    return undefined;
  }
  return { reason: c.reason || "Aborted", message: c.message };
}

interface Memo {
  stamp: string;
  problems: PhaseProblem[];
  /** Only the windows are kept: the plan itself is compiled by the publisher. */
  windows: PlanWindow[];
  /** The compiled windows are exact until this instant (the next window edge). */
  validUntilMs: number;
}

export function stampOf(obj: TokenChaosExperiment): string {
  return `${obj.metadata?.uid ?? ""}/${obj.metadata?.generation ?? ""}`;
}

export class ExperimentEvaluator {
  /**
   * Compilation depends only on the spec (uid/generation) and, through the windows, on the
   * clock until the next window edge; memoizing on both keeps re-evaluating 1,000 experiments
   * on every publish and reconcile cheap.
   */
  private readonly memo = new Map<string, Memo>();
  private readonly opts: EvaluatorOptions;

  constructor(opts: EvaluatorOptions) {
    this.opts = opts;
  }

  forget(key: string): void {
    this.memo.delete(key);
  }

  /**
   * Problems this operator adds to the schema's and the semantic rules' (which compileExperiment
   * checks): namespace scope and honourability. They do not depend on the clock.
   */
  staticProblems(obj: TokenChaosExperiment): PhaseProblem[] {
    try {
      return [
        ...crossNamespaceProblems(
          obj.metadata?.namespace ?? "",
          obj.spec?.target?.hosts,
          this.opts.policy,
        ),
        ...honourProblems(obj, { prometheusConfigured: this.opts.prometheusConfigured }),
      ];
    } catch (err) {
      // Never crash on input: whatever made a check throw makes the experiment Invalid.
      return [{ path: "", message: `cannot validate: ${errMessage(err)}` }];
    }
  }

  private compile(key: string, obj: TokenChaosExperiment, nowMs: number): Memo {
    const stamp = stampOf(obj);
    const hit = this.memo.get(key);
    if (hit !== undefined && hit.stamp === stamp && nowMs < hit.validUntilMs) return hit;
    let problems = this.staticProblems(obj);
    let compiled: PlanExperiment | undefined;
    if (problems.length === 0) {
      try {
        const c = compileExperiment(obj, nowMs);
        if (c.ok) compiled = c.experiment;
        else problems = c.problems;
      } catch (err) {
        problems = [{ path: "", message: `cannot compile: ${errMessage(err)}` }];
      }
    }
    const edge =
      compiled === undefined ? undefined : windowPosition(compiled.windows, nowMs).nextEdgeMs;
    const memo: Memo = {
      stamp,
      problems,
      windows: compiled?.windows ?? [],
      validUntilMs: edge ?? Number.POSITIVE_INFINITY,
    };
    this.memo.set(key, memo);
    return memo;
  }

  evaluate(key: string, obj: TokenChaosExperiment, ctx: EvaluationContext): Evaluation {
    const { problems, windows } = this.compile(key, obj, ctx.nowMs);
    const result = derivePhase({
      nowMs: ctx.nowMs,
      problems,
      windows,
      paused: obj.spec?.paused === true,
      halted: ctx.halted,
      aborted: ctx.aborted(obj),
      published: ctx.published(obj),
      deleting: obj.metadata?.deletionTimestamp !== undefined,
    });
    return { result, problems };
  }
}
