// Exponential backoff, as a pure function so the retry schedule can be tested without timers.

export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY_BACKOFF: BackoffPolicy = { baseMs: 50, maxMs: 30_000 };

/** Delay before retry number `failures` (1 for the first retry): base * 2^(failures-1), capped. */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy = DEFAULT_RETRY_BACKOFF,
): number {
  if (failures <= 0) return 0;
  // Cap the exponent first so 2^n never overflows into Infinity for long failure streaks.
  const exp = Math.min(failures - 1, 30);
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exp);
}
