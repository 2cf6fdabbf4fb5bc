// Keeps the key sets for `rotate` JWKS takeovers fresh: for each URL the loaded plan names,
// fetch the real key set, hand it to the engine (setTakeoverJwks), and refetch every cacheFor.
// Until the first fetch succeeds the engine lets takeover requests through to the real
// endpoint, so a failed fetch only delays the takeover; it never breaks key discovery.

import { setTakeoverJwks } from "./engine/jwks-takeover.ts";
import type { EngineState, LoadedPlan } from "./engine-api.ts";
import type { Logger } from "./observability/logger.ts";

const FETCH_TIMEOUT_MS = 5000;
const MAX_JWKS_BYTES = 1024 * 1024;
const RETRY_MS = 10_000;

interface Tracked {
  cacheForMs: number;
  timer: NodeJS.Timeout | undefined;
}

export class JwksFetcher {
  #state: EngineState;
  #logger: Logger;
  #tracked = new Map<string, Tracked>();
  #stopped = false;

  constructor(state: EngineState, logger: Logger) {
    this.#state = state;
    this.#logger = logger;
  }

  /** Follows the plan: starts fetching new URLs, stops and forgets the ones no longer named. */
  update(plan: LoadedPlan): void {
    if (this.#stopped) return;
    const wanted = new Map<string, number>();
    for (const s of plan.jwksTakeovers) wanted.set(s.url, s.cacheForMs);
    for (const [url, t] of this.#tracked) {
      if (!wanted.has(url)) {
        if (t.timer !== undefined) clearTimeout(t.timer);
        this.#tracked.delete(url);
        this.#state.takeoverJwks.delete(url);
      }
    }
    for (const [url, cacheForMs] of wanted) {
      const t = this.#tracked.get(url);
      if (t !== undefined) {
        t.cacheForMs = cacheForMs;
        continue;
      }
      const tracked: Tracked = { cacheForMs, timer: undefined };
      this.#tracked.set(url, tracked);
      void this.#fetch(url, tracked);
    }
  }

  stop(): void {
    this.#stopped = true;
    for (const t of this.#tracked.values()) if (t.timer !== undefined) clearTimeout(t.timer);
    this.#tracked.clear();
  }

  async #fetch(url: string, tracked: Tracked): Promise<void> {
    let next = tracked.cacheForMs;
    try {
      const res = await fetch(url, {
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
        headers: { accept: "application/json" },
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const text = await res.text();
      if (text.length > MAX_JWKS_BYTES) throw new Error("key set larger than 1 MiB");
      if (this.#tracked.get(url) === tracked) {
        setTakeoverJwks(this.#state, url, JSON.parse(text));
        this.#logger.info({ url }, "JWKS takeover key set fetched");
      }
    } catch (err) {
      next = Math.min(next, RETRY_MS);
      this.#logger.warn({ url, err, retryInMs: next }, "JWKS takeover fetch failed");
    }
    if (this.#stopped || this.#tracked.get(url) !== tracked) return;
    tracked.timer = setTimeout(() => void this.#fetch(url, tracked), Math.max(1000, next));
    tracked.timer.unref();
  }
}
