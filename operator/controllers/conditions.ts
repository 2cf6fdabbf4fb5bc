// metav1.Condition bookkeeping: the desired conditions for a phase, and merging them into the
// existing list so lastTransitionTime moves only when a condition's status actually changes and
// conditions written by someone else are kept.

import type { Condition } from "../../api/v1alpha1/types.ts";
import type { PhaseResult } from "./derive-phase.ts";

/** The condition types this operator owns; others in the list are left alone. */
export const OWNED_CONDITIONS = ["Ready", "Running", "Invalid", "Aborted", "Paused"] as const;

export interface DesiredCondition {
  type: (typeof OWNED_CONDITIONS)[number];
  status: "True" | "False";
  reason: string;
  message: string;
}

function flag(b: boolean): "True" | "False" {
  return b ? "True" : "False";
}

export function desiredConditions(result: PhaseResult): DesiredCondition[] {
  const { phase, reason, message } = result;
  const ready = phase !== "Invalid" && phase !== "Aborted" && phase !== "Pending";
  return [
    {
      type: "Ready",
      status: flag(ready),
      reason: ready ? "Accepted" : reason,
      message: ready ? "the experiment is valid and the plan reflects it" : message,
    },
    {
      type: "Running",
      status: flag(phase === "Running"),
      reason: phase === "Running" ? reason : `Not${phase === "Pending" ? "Published" : "InWindow"}`,
      message: phase === "Running" ? message : `phase is ${phase}`,
    },
    {
      type: "Invalid",
      status: flag(phase === "Invalid"),
      reason: phase === "Invalid" ? reason : "Valid",
      message: phase === "Invalid" ? message : "",
    },
    {
      type: "Aborted",
      status: flag(phase === "Aborted"),
      reason: phase === "Aborted" ? reason : "NotAborted",
      message: phase === "Aborted" ? message : "",
    },
    {
      type: "Paused",
      status: flag(phase === "Paused"),
      reason: phase === "Paused" ? reason : "NotPaused",
      message: phase === "Paused" ? message : "",
    },
  ];
}

/** metav1.Time has second precision. */
export function conditionTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

export function mergeConditions(
  existing: readonly Condition[] | undefined,
  desired: readonly DesiredCondition[],
  nowMs: number,
  generation: number | undefined,
): Condition[] {
  const before = new Map((existing ?? []).map((c) => [c.type, c]));
  const owned = new Set<string>(desired.map((d) => d.type));
  const out: Condition[] = [];
  for (const d of desired) {
    const prev = before.get(d.type);
    const lastTransitionTime =
      prev !== undefined && prev.status === d.status && prev.lastTransitionTime
        ? prev.lastTransitionTime
        : conditionTime(nowMs);
    const c: Condition = {
      type: d.type,
      status: d.status,
      lastTransitionTime,
      reason: d.reason,
      message: d.message,
    };
    if (generation !== undefined) c.observedGeneration = generation;
    out.push(c);
  }
  // Keep conditions owned by others, in their original order, after ours.
  for (const c of existing ?? []) if (!owned.has(c.type)) out.push(c);
  return out;
}
