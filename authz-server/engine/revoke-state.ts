// Per-token state for `revoke`: how many requests each token has made and when it was first
// seen, per experiment fault and window. One LRU bounds the total number of tokens tracked across
// all experiments; a window's entries are dropped as soon as the window has ended.
// Tokens are stored only as a jti/sub claim or a 64-bit digest, never as the token itself.

export interface RevokeEntry {
  count: number;
  firstSeen: number;
}

interface StoredEntry extends RevokeEntry {
  bucket: string;
}

interface Bucket {
  end: number;
  keys: Set<string>;
}

export class RevokeState {
  readonly maxEntries: number;
  #entries = new Map<string, StoredEntry>();
  #buckets = new Map<string, Bucket>();
  #nextEnd = Number.POSITIVE_INFINITY;

  constructor(maxEntries: number) {
    this.maxEntries = Math.max(1, Math.floor(maxEntries));
  }

  get size(): number {
    return this.#entries.size;
  }

  get bucketCount(): number {
    return this.#buckets.size;
  }

  /** Drops every bucket whose window has ended. O(1) unless one has. */
  purge(now: number): void {
    if (now < this.#nextEnd) return;
    let next = Number.POSITIVE_INFINITY;
    for (const [id, b] of this.#buckets) {
      if (b.end <= now) {
        for (const k of b.keys) this.#entries.delete(k);
        this.#buckets.delete(id);
      } else if (b.end < next) {
        next = b.end;
      }
    }
    this.#nextEnd = next;
  }

  /**
   * Records one request of `token` in `bucket` (an experiment fault's window, ending at `end`)
   * and returns its entry after counting this request.
   */
  touch(bucket: string, end: number, token: string, now: number): RevokeEntry {
    const key = `${bucket}\u0000${token}`;
    let entry = this.#entries.get(key);
    if (entry !== undefined) {
      // Re-insert so the Map's insertion order stays least-recently-used first.
      this.#entries.delete(key);
      entry.count++;
    } else {
      if (this.#entries.size >= this.maxEntries) this.#evictOldest();
      entry = { count: 1, firstSeen: now, bucket };
      let b = this.#buckets.get(bucket);
      if (b === undefined) {
        b = { end, keys: new Set() };
        this.#buckets.set(bucket, b);
        if (end < this.#nextEnd) this.#nextEnd = end;
      }
      b.keys.add(key);
    }
    this.#entries.set(key, entry);
    return entry;
  }

  #evictOldest(): void {
    const first = this.#entries.entries().next();
    if (first.done === true) return;
    const [key, entry] = first.value;
    this.#entries.delete(key);
    const b = this.#buckets.get(entry.bucket);
    if (b !== undefined) {
      b.keys.delete(key);
      if (b.keys.size === 0) this.#buckets.delete(entry.bucket);
    }
  }
}
