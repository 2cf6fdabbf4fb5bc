// Injected delays are timers, never busy waits: a delayed check costs no CPU while it waits.
// The timers are tracked so shutdown can tell how many checks are still held and, past the
// drain bound, cancel them.

export class DelayTimers {
  #timers = new Set<NodeJS.Timeout>();

  /** Runs `fn` after `ms`; returns a cancel function. */
  schedule(ms: number, fn: () => void): () => void {
    const timer = setTimeout(
      () => {
        this.#timers.delete(timer);
        fn();
      },
      Math.max(0, ms),
    );
    this.#timers.add(timer);
    return () => {
      if (this.#timers.delete(timer)) clearTimeout(timer);
    };
  }

  get pending(): number {
    return this.#timers.size;
  }

  cancelAll(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
