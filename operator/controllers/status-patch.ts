// The status the operator owns, and the JSON merge patch that takes the stored status there.
// Only owned fields appear in the patch (set, or null to remove), so fields written by others
// survive, and an unchanged status yields no patch at all (no write, no watch event).

import { isDeepStrictEqual } from "node:util";
import type {
  Condition,
  Injections,
  Phase,
  Recovery,
  TokenChaosExperimentStatus,
  Window,
} from "../../api/v1alpha1/types.ts";

export interface OwnedStatus {
  phase: Phase;
  observedGeneration?: number;
  message: string;
  conditions: Condition[];
  currentWindow?: Window;
  nextWindow?: Window;
  injections?: Injections;
  recovery?: Recovery;
  faultSummary: string;
  percentSummary: string;
}

export const OWNED_STATUS_FIELDS = [
  "phase",
  "observedGeneration",
  "message",
  "conditions",
  "currentWindow",
  "nextWindow",
  "injections",
  "recovery",
  "faultSummary",
  "percentSummary",
] as const satisfies readonly (keyof OwnedStatus)[];

/** Returns the merge patch body ({status: {...}}) or undefined when nothing changes. */
export function statusPatch(
  existing: TokenChaosExperimentStatus | undefined,
  desired: OwnedStatus,
): { status: Record<string, unknown> } | undefined {
  const patch: Record<string, unknown> = {};
  const current = (existing ?? {}) as Record<string, unknown>;
  const want = desired as unknown as Record<string, unknown>;
  for (const field of OWNED_STATUS_FIELDS) {
    const have = current[field];
    const next = want[field];
    if (next === undefined) {
      if (have !== undefined && have !== null) patch[field] = null;
    } else if (!isDeepStrictEqual(have, next)) {
      patch[field] = mergePatchValue(have, next);
    }
  }
  return Object.keys(patch).length === 0 ? undefined : { status: patch };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * RFC 7386 merges nested objects key by key, so a key that disappeared must be sent as null;
 * arrays and scalars are replaced whole.
 */
export function mergePatchValue(have: unknown, want: unknown): unknown {
  if (!isPlainObject(have) || !isPlainObject(want)) return want;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(have)) if (!(k in want) || want[k] === undefined) out[k] = null;
  for (const [k, v] of Object.entries(want)) {
    if (v === undefined) continue;
    if (!isDeepStrictEqual(have[k], v)) out[k] = mergePatchValue(have[k], v);
  }
  return out;
}
