// After a full relist, the events that take the cache from what it held to what the server has.
// Objects whose resourceVersion did not move produce nothing, so a relist after a stall or a
// 410 does not flood the queue.

export interface Versioned {
  metadata?: { resourceVersion?: string };
}

export type CacheEvent<T> =
  | { type: "ADDED"; key: string; obj: T }
  | { type: "MODIFIED"; key: string; obj: T; old: T }
  | { type: "DELETED"; key: string; obj: T };

export function relistDiff<T extends Versioned>(
  before: ReadonlyMap<string, T>,
  after: ReadonlyMap<string, T>,
): CacheEvent<T>[] {
  const events: CacheEvent<T>[] = [];
  for (const [key, obj] of after) {
    const old = before.get(key);
    if (old === undefined) events.push({ type: "ADDED", key, obj });
    else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
      events.push({ type: "MODIFIED", key, obj, old });
    }
  }
  for (const [key, obj] of before) if (!after.has(key)) events.push({ type: "DELETED", key, obj });
  return events;
}

export function objectKey(obj: { metadata?: { name?: string; namespace?: string } }): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? "";
  return ns ? `${ns}/${name}` : name;
}

/** Watch "ERROR" events and failed requests that mean the resourceVersion is too old. */
export function isGone(errOrStatus: unknown): boolean {
  if (typeof errOrStatus !== "object" || errOrStatus === null) return false;
  const o = errOrStatus as { code?: unknown; statusCode?: unknown; reason?: unknown };
  return o.code === 410 || o.statusCode === 410 || o.reason === "Expired" || o.reason === "Gone";
}
