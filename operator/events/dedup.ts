// Event deduplication, as events.k8s.io/v1 intends: the same reason and note for the same object
// within a period become one Event whose series.count grows, not a new Event each time.

export const EVENT_DEDUP_PERIOD_MS = 10 * 60 * 1000;

export interface SeenEvent {
  name: string;
  namespace: string;
  count: number;
  firstMs: number;
  lastMs: number;
}

export type EventAction =
  | { action: "create" }
  | { action: "series"; name: string; namespace: string; count: number };

export function dedupKey(uid: string, type: string, reason: string, note: string): string {
  return `${uid}\u0000${type}\u0000${reason}\u0000${note}`;
}

export function decideEvent(
  seen: SeenEvent | undefined,
  nowMs: number,
  periodMs = EVENT_DEDUP_PERIOD_MS,
): EventAction {
  if (seen === undefined || nowMs - seen.lastMs > periodMs) return { action: "create" };
  return { action: "series", name: seen.name, namespace: seen.namespace, count: seen.count + 1 };
}
