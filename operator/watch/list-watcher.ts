// List-then-watch with a local cache, the way a shared informer works, but never giving up:
// - the watch resumes from the last resourceVersion seen (events or bookmarks);
// - 410 Gone (resourceVersion too old, e.g. after an API server restart) forces a relist;
// - a watchdog relists when nothing has happened for too long, whatever the cause;
// - connection errors retry with a short capped backoff, so an API server restart is absorbed
//   within a couple of seconds of its return.

import { type KubeConfig, Watch } from "@kubernetes/client-node";
import type { Logger } from "../observability/log.ts";
import { backoffDelay } from "../queue/backoff.ts";
import { type CacheEvent, isGone, objectKey, relistDiff, type Versioned } from "./relist-diff.ts";

export interface KubeObject extends Versioned {
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    uid?: string;
    managedFields?: unknown;
  };
}

export interface ListPage<T> {
  items: T[];
  resourceVersion: string;
  continueToken?: string;
}

export interface ListWatchSource<T extends KubeObject> {
  /** Name for logs and metrics, e.g. "tokenchaosexperiments". */
  resource: string;
  list(continueToken: string | undefined): Promise<ListPage<T>>;
  watchPath: string;
  watchQuery?: Record<string, string>;
}

export interface ListWatcherOptions {
  log: Logger;
  /** Relist when neither an event, a bookmark nor a (re)connection happened for this long. */
  stallMs?: number;
  /** Server-side watch timeout; the watch is then resumed from the last resourceVersion. */
  watchTimeoutSeconds?: number;
  onRelist?: (reason: string) => void;
}

const RECONNECT = { baseMs: 100, maxMs: 2000 };

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}

type WatchEnd = "closed" | "gone" | "stalled" | "error" | "stopped";

export class ListWatcher<T extends KubeObject> {
  private readonly store = new Map<string, T>();
  private resourceVersion = "";
  private synced = false;
  private readonly stopper = new AbortController();
  private lastProgressMs = Date.now();
  private running: Promise<void> | undefined;
  private readonly syncWaiters: Array<() => void> = [];
  private readonly kc: KubeConfig;
  private readonly source: ListWatchSource<T>;
  private readonly onEvent: (e: CacheEvent<T>) => void;
  private readonly opts: ListWatcherOptions;

  constructor(
    kc: KubeConfig,
    source: ListWatchSource<T>,
    onEvent: (e: CacheEvent<T>) => void,
    opts: ListWatcherOptions,
  ) {
    this.kc = kc;
    this.source = source;
    this.onEvent = onEvent;
    this.opts = opts;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.running;
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  values(): IterableIterator<T> {
    return this.store.values();
  }

  keys(): IterableIterator<string> {
    return this.store.keys();
  }

  get size(): number {
    return this.store.size;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves after the first complete list. */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve) => this.syncWaiters.push(resolve));
  }

  /** Milliseconds since the last sign of life from the API server. */
  idleMs(): number {
    return Date.now() - this.lastProgressMs;
  }

  private async loop(): Promise<void> {
    const signal = this.stopper.signal;
    let needList = true;
    let listReason = "start";
    let failures = 0;
    while (!signal.aborted) {
      if (needList) {
        try {
          await this.relist(listReason);
          needList = false;
          failures = 0;
        } catch (err) {
          failures++;
          const gone = isGone(err);
          this.opts.log.warn(
            { resource: this.source.resource, err: errText(err), failures },
            "list failed",
          );
          listReason = gone ? "gone" : "error";
          await sleep(backoffDelay(failures, RECONNECT), signal);
          continue;
        }
      }
      const started = Date.now();
      const end = await this.watchOnce();
      if (end === "stopped") break;
      if (end === "gone" || end === "stalled") {
        this.opts.log.info({ resource: this.source.resource, reason: end }, "relisting");
        needList = true;
        listReason = end;
        continue;
      }
      // A watch the server ends at once (rather than at its timeout) counts as a failure too.
      if (end === "error" || Date.now() - started < 1000) {
        // A watch that lived a while was healthy: restart the backoff sequence.
        failures = Date.now() - started > 10_000 ? 1 : failures + 1;
        await sleep(backoffDelay(failures, RECONNECT), signal);
      } else {
        failures = 0;
      }
    }
  }

  private async relist(reason: string): Promise<void> {
    this.opts.onRelist?.(reason);
    const fresh = new Map<string, T>();
    let token: string | undefined;
    let rv = "";
    do {
      const page = await this.source.list(token);
      for (const item of page.items) {
        slim(item);
        fresh.set(objectKey(item), item);
      }
      token = page.continueToken || undefined;
      rv = page.resourceVersion;
    } while (token !== undefined && !this.stopper.signal.aborted);
    const events = relistDiff(this.store, fresh);
    this.store.clear();
    for (const [k, v] of fresh) this.store.set(k, v);
    this.resourceVersion = rv;
    this.lastProgressMs = Date.now();
    for (const e of events) this.emit(e);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    this.opts.log.debug(
      { resource: this.source.resource, reason, items: fresh.size, changes: events.length, rv },
      "listed",
    );
  }

  private watchOnce(): Promise<WatchEnd> {
    const signal = this.stopper.signal;
    return new Promise<WatchEnd>((resolve) => {
      let finished = false;
      let controller: AbortController | undefined;
      let verdict: WatchEnd | undefined;
      const stallMs = this.opts.stallMs ?? 120_000;
      const finish = (end: WatchEnd) => {
        if (finished) return;
        finished = true;
        clearInterval(watchdog);
        signal.removeEventListener("abort", onStop);
        controller?.abort();
        resolve(end);
      };
      const onStop = () => finish("stopped");
      signal.addEventListener("abort", onStop, { once: true });
      this.lastProgressMs = Date.now();
      const watchdog = setInterval(
        () => {
          if (Date.now() - this.lastProgressMs > stallMs) {
            this.opts.log.warn({ resource: this.source.resource, stallMs }, "watch stalled");
            finish("stalled");
          }
        },
        Math.min(1000, Math.max(50, stallMs / 4)),
      );
      watchdog.unref();
      const query: Record<string, string | number | boolean> = {
        ...this.source.watchQuery,
        allowWatchBookmarks: true,
        resourceVersion: this.resourceVersion,
        // Jitter so many watches do not reconnect in lockstep.
        timeoutSeconds: (this.opts.watchTimeoutSeconds ?? 25) - Math.floor(Math.random() * 5),
      };
      const onLine = (type: string, obj: unknown) => {
        if (finished) return;
        this.lastProgressMs = Date.now();
        if (type === "ERROR") {
          verdict = isGone(obj) ? "gone" : "error";
          this.opts.log.info({ resource: this.source.resource, status: obj }, "watch error event");
          finish(verdict);
          return;
        }
        const o = obj as T;
        const rv = o?.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (type === "BOOKMARK") return;
        slim(o);
        const key = objectKey(o);
        if (type === "DELETED") {
          this.store.delete(key);
          this.emit({ type: "DELETED", key, obj: o });
        } else if (type === "ADDED" || type === "MODIFIED") {
          const old = this.store.get(key);
          this.store.set(key, o);
          this.emit(
            old === undefined
              ? { type: "ADDED", key, obj: o }
              : { type: "MODIFIED", key, obj: o, old },
          );
        }
      };
      const onDone = (err: unknown) => {
        if (finished) return;
        if (err === null || err === undefined) return finish("closed");
        if (isGone(err)) return finish("gone");
        const aborted = err instanceof Error && err.name === "AbortError";
        if (!aborted) {
          this.opts.log.debug({ resource: this.source.resource, err: errText(err) }, "watch ended");
        }
        finish("error");
      };
      new Watch(this.kc)
        .watch(this.source.watchPath, query, onLine, onDone)
        .then((c) => {
          controller = c;
          if (finished) c.abort();
          else this.lastProgressMs = Date.now();
        })
        .catch(onDone);
    });
  }

  private emit(e: CacheEvent<T>): void {
    try {
      this.onEvent(e);
    } catch (err) {
      this.opts.log.error(
        { resource: this.source.resource, err: errText(err) },
        "event handler failed",
      );
    }
  }
}

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * managedFields and kubectl's last-applied copy of the spec are large and never read here;
 * dropping them keeps 1,000 cached objects small.
 */
function slim(obj: KubeObject): void {
  const meta = obj?.metadata as
    | { managedFields?: unknown; annotations?: Record<string, string> }
    | undefined;
  if (meta === undefined) return;
  if (meta.managedFields !== undefined) delete meta.managedFields;
  if (meta.annotations?.[LAST_APPLIED] !== undefined) delete meta.annotations[LAST_APPLIED];
}

export function errText(err: unknown): string {
  if (err instanceof Error) {
    const e = err as { code?: unknown; statusCode?: unknown; body?: unknown };
    const code = e.code ?? e.statusCode;
    // ApiException messages embed the whole response; the Status message is what matters.
    if (typeof e.body === "string" || (typeof e.body === "object" && e.body !== null)) {
      try {
        const body: unknown = typeof e.body === "string" ? JSON.parse(e.body) : e.body;
        const msg = (body as { message?: unknown })?.message;
        if (typeof msg === "string") return `${msg} (${String(code)})`;
      } catch {
        // not JSON
      }
    }
    const first = err.message.split("\n")[0] ?? err.message;
    return code === undefined ? first : `${first} (${String(code)})`;
  }
  return String(err);
}
