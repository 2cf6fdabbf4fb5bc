// A work queue keyed by namespace/name, with the semantics controllers rely on:
// - adding a key that is already waiting is a no-op (duplicates coalesce);
// - a key is never handed to two workers at once; if it is added while being processed it is
//   queued again once the worker is done, so no change is lost;
// - delayed adds keep only the earliest due time per key;
// - failed keys come back after an exponential backoff, reset by forget().

import { type BackoffPolicy, backoffDelay, DEFAULT_RETRY_BACKOFF } from "./backoff.ts";

export interface WorkQueueMetrics {
  onAdd(): void;
  onDepth(depth: number): void;
  onQueued(seconds: number): void;
  onWork(seconds: number): void;
  onRetry(): void;
}

const NO_METRICS: WorkQueueMetrics = {
  onAdd() {},
  onDepth() {},
  onQueued() {},
  onWork() {},
  onRetry() {},
};

export interface WorkResult {
  /** Come back after this many ms (e.g. at the next window edge). */
  requeueAfterMs?: number;
}

export type Worker = (key: string) => Promise<WorkResult | undefined>;

/** setTimeout takes a signed 32-bit delay; longer ones fire at once, so clamp and re-check. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  private readonly delayed = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: Array<() => void> = [];
  private shuttingDown = false;
  private readonly metrics: WorkQueueMetrics;
  private readonly backoff: BackoffPolicy;
  private readonly now: () => number;

  constructor(
    opts: { metrics?: WorkQueueMetrics; backoff?: BackoffPolicy; now?: () => number } = {},
  ) {
    this.metrics = opts.metrics ?? NO_METRICS;
    this.backoff = opts.backoff ?? DEFAULT_RETRY_BACKOFF;
    this.now = opts.now ?? (() => performance.now());
  }

  get length(): number {
    return this.queue.length;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    this.metrics.onAdd();
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    this.addedAt.set(key, this.now());
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.metrics.onDepth(this.queue.length);
    this.wake();
  }

  /** Add after `delayMs`; an earlier pending delayed add for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const due = Date.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing !== undefined && existing.due <= due) return;
    if (existing !== undefined) clearTimeout(existing.timer);
    const wait = Math.min(delayMs, MAX_TIMER_MS);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      if (wait < delayMs) this.addAfter(key, due - Date.now());
      else this.add(key);
    }, wait);
    timer.unref();
    this.delayed.set(key, { due, timer });
  }

  addRateLimited(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.metrics.onRetry();
    this.addAfter(key, backoffDelay(n, this.backoff));
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  failuresOf(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Next key to work on, or undefined once shut down. */
  async get(): Promise<string | undefined> {
    while (this.queue.length === 0) {
      if (this.shuttingDown) return undefined;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const key = this.queue.shift() as string;
    this.metrics.onDepth(this.queue.length);
    this.processing.add(key);
    this.dirty.delete(key);
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.metrics.onQueued((this.now() - added) / 1000);
    return key;
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      this.queue.push(key);
      this.metrics.onDepth(this.queue.length);
      this.wake();
    }
  }

  /** Run `workers` loops calling `work` until shutdown; errors retry with backoff. */
  run(workers: number, work: Worker, onError: (key: string, err: unknown) => void): Promise<void> {
    const loops: Promise<void>[] = [];
    for (let i = 0; i < workers; i++) {
      loops.push(
        (async () => {
          for (;;) {
            const key = await this.get();
            if (key === undefined) return;
            const started = this.now();
            try {
              const result = await work(key);
              this.forget(key);
              if (result?.requeueAfterMs !== undefined) this.addAfter(key, result.requeueAfterMs);
            } catch (err) {
              onError(key, err);
              this.addRateLimited(key);
            } finally {
              this.metrics.onWork((this.now() - started) / 1000);
              this.done(key);
            }
          }
        })(),
      );
    }
    return Promise.all(loops).then(() => undefined);
  }

  shutdown(): void {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.queue.length = 0;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
