// A small map with a fixed capacity that forgets its oldest insertions first. Reads do not
// reorder entries: a hit costs one lookup, which matters more on the request path than the
// slightly better hit rate of a true LRU.

export class BoundedCache<V> {
  readonly capacity: number;
  #map = new Map<string, V>();

  constructor(capacity: number) {
    this.capacity = Math.max(1, Math.floor(capacity));
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  set(key: string, value: V): void {
    if (!this.#map.has(key) && this.#map.size >= this.capacity) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
    this.#map.set(key, value);
  }
}
