// Leader election over a coordination.k8s.io/v1 Lease, decided as a pure function.
// Expiry is judged by when *this* process saw the record change (its own clock), not by the
// holder's renewTime, so clock skew between replicas cannot make two of them lead at once.

export interface LeaseRecord {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTimeMs?: number;
  renewTimeMs?: number;
  leaseTransitions?: number;
}

export interface Observation {
  /** The record as last read, to detect a change. */
  record?: LeaseRecord;
  /** Local time when the record was last seen to change. */
  observedAtMs: number;
}

export interface LeaderTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export const DEFAULT_LEADER_TIMING: LeaderTiming = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
};

export type LeaseAction =
  | { kind: "create"; record: LeaseRecord }
  | { kind: "update"; record: LeaseRecord; acquiring: boolean }
  | { kind: "wait"; holder: string };

function sameRecord(a: LeaseRecord | undefined, b: LeaseRecord | undefined): boolean {
  return (
    a?.holderIdentity === b?.holderIdentity &&
    a?.renewTimeMs === b?.renewTimeMs &&
    a?.leaseTransitions === b?.leaseTransitions &&
    a?.leaseDurationSeconds === b?.leaseDurationSeconds
  );
}

/** Updates the observation with a freshly read record. */
export function observe(
  prev: Observation | undefined,
  record: LeaseRecord | undefined,
  nowMs: number,
): Observation {
  if (prev !== undefined && sameRecord(prev.record, record)) return prev;
  return { record, observedAtMs: nowMs };
}

export function decideLease(
  current: LeaseRecord | undefined,
  observation: Observation,
  identity: string,
  nowMs: number,
  timing: LeaderTiming,
): LeaseAction {
  const durationSeconds = Math.ceil(timing.leaseDurationMs / 1000);
  if (current === undefined) {
    return {
      kind: "create",
      record: {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTimeMs: nowMs,
        renewTimeMs: nowMs,
        leaseTransitions: 0,
      },
    };
  }
  const holder = current.holderIdentity ?? "";
  const heldByMe = holder === identity;
  const durationMs = (current.leaseDurationSeconds ?? durationSeconds) * 1000;
  if (holder !== "" && !heldByMe && observation.observedAtMs + durationMs > nowMs) {
    return { kind: "wait", holder };
  }
  return {
    kind: "update",
    acquiring: !heldByMe,
    record: {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTimeMs: heldByMe ? (current.acquireTimeMs ?? nowMs) : nowMs,
      renewTimeMs: nowMs,
      leaseTransitions: (current.leaseTransitions ?? 0) + (heldByMe ? 0 : 1),
    },
  };
}

/** A leader that has not renewed within the renew deadline must stop acting as leader. */
export function leadershipLapsed(
  lastRenewMs: number,
  nowMs: number,
  timing: LeaderTiming,
): boolean {
  return nowMs - lastRenewMs > timing.renewDeadlineMs;
}
