// Kubernetes plan source: watches the ONE ConfigMap the operator publishes the compiled plan to
// (key plan.json.gz under binaryData). List and watch are both restricted to that object with a
// metadata.name field selector, which is what RBAC resourceNames allows and nothing more.
//
// Any failure (API server gone, watch closed, 410 Gone, a stalled connection, a bad plan) keeps
// the last good plan in force and relists after a backoff. Deleting the ConfigMap keeps the last
// plan too: its windows still end injection on time, and a halt arrives as a new plan, not as a
// deletion.

import { decodePlan, PLAN_CONFIGMAP, PLAN_KEY } from "../../api/plan/codec.ts";
import type { Logger } from "../observability/logger.ts";
import { type KubeAccess, KubeHttp } from "./kube-http.ts";
import type { PlanSink, PlanSource } from "./plan-source.ts";

export interface ConfigMapSourceOptions {
  access: KubeAccess;
  namespace: string;
  name?: string;
  logger: Logger;
  /** First relist delay after a failure; doubles up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** The API server ends each watch after about this long (jittered up to +50%); default 300. */
  watchTimeoutSeconds?: number;
  /** A watch with no byte for this long is dropped and relisted; default timeout + 30 s. */
  stallMs?: number;
  /** Bound on the list request; default 30 s. */
  requestTimeoutMs?: number;
}

/** A ConfigMap is at most 1 MiB; its JSON (with base64 binaryData) stays well under this. */
const MAX_OBJECT_BYTES = 4 * 1024 * 1024;

interface ConfigMapLike {
  metadata?: { resourceVersion?: unknown };
  binaryData?: Record<string, unknown>;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export class ConfigMapSource implements PlanSource {
  readonly description: string;
  #http: KubeHttp;
  #namespace: string;
  #name: string;
  #logger: Logger;
  #minBackoff: number;
  #maxBackoff: number;
  #backoff: number;
  #watchTimeout: number;
  #stallMs: number | undefined;
  #requestTimeout: number;
  #sink: PlanSink | undefined;
  #abort: AbortController | undefined;
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;
  /** resourceVersion of the last object handled, so a relist of the same object is a no-op. */
  #seenResourceVersion = "";

  constructor(opts: ConfigMapSourceOptions) {
    this.#http = new KubeHttp(opts.access);
    this.#namespace = opts.namespace;
    this.#name = opts.name ?? PLAN_CONFIGMAP;
    this.#logger = opts.logger;
    this.#minBackoff = opts.minBackoffMs ?? 500;
    this.#maxBackoff = opts.maxBackoffMs ?? 30_000;
    this.#backoff = this.#minBackoff;
    this.#watchTimeout = opts.watchTimeoutSeconds ?? 300;
    this.#stallMs = opts.stallMs;
    this.#requestTimeout = opts.requestTimeoutMs ?? 30_000;
    this.description = `configmap:${this.#namespace}/${this.#name}`;
  }

  async start(sink: PlanSink): Promise<void> {
    this.#sink = sink;
    await this.#listAndWatch(true);
    // Ready even when the first list failed: with no plan nothing is injected, which is safe,
    // and the data plane must not hold up traffic because the API server is unreachable.
    sink.ready();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#abort?.abort();
    this.#http.close();
  }

  get #collection(): string {
    const sel = encodeURIComponent(`metadata.name=${this.#name}`);
    return `/api/v1/namespaces/${encodeURIComponent(this.#namespace)}/configmaps?fieldSelector=${sel}`;
  }

  /** Lists, then watches from the list's resourceVersion; `first` returns once the list is done. */
  async #listAndWatch(first = false): Promise<void> {
    if (this.#stopped) return;
    const abort = new AbortController();
    this.#abort = abort;
    let resourceVersion: string;
    const timer = setTimeout(() => abort.abort(), this.#requestTimeout);
    try {
      const list = await this.#http.getJson(this.#collection, {
        signal: abort.signal,
        maxBytes: MAX_OBJECT_BYTES,
      });
      if (!isObj(list) || !Array.isArray(list.items))
        throw new Error("list is not a ConfigMapList");
      const meta = list.metadata;
      resourceVersion =
        isObj(meta) && typeof meta.resourceVersion === "string" ? meta.resourceVersion : "";
      const cm: unknown = list.items[0];
      if (cm === undefined) {
        this.#logger.info({ source: this.description }, "plan ConfigMap not found yet; waiting");
      } else {
        this.#handle(cm);
      }
    } catch (err) {
      this.#fail("list failed", err);
      return;
    } finally {
      clearTimeout(timer);
    }
    const watching = this.#watch(abort, resourceVersion);
    if (!first) await watching;
  }

  async #watch(abort: AbortController, resourceVersion: string): Promise<void> {
    // Jittered, as client-go does, so many data planes do not relist in step.
    const timeout = Math.round(this.#watchTimeout * (1 + Math.random() / 2));
    const query = `&watch=1&allowWatchBookmarks=true&timeoutSeconds=${timeout}${
      resourceVersion === "" ? "" : `&resourceVersion=${encodeURIComponent(resourceVersion)}`
    }`;
    let relistNow = false;
    try {
      await this.#http.stream(this.#collection + query, {
        signal: abort.signal,
        stallMs: this.#stallMs ?? (timeout + 30) * 1000,
        maxLineBytes: MAX_OBJECT_BYTES,
        onLine: (line) => {
          if (relistNow) return;
          relistNow = this.#event(JSON.parse(line) as unknown);
          if (relistNow) abort.abort();
        },
      });
    } catch (err) {
      if (this.#stopped) return;
      if (!relistNow) {
        this.#fail("watch failed", err);
        return;
      }
    }
    if (this.#stopped) return;
    // A watch ends normally every few minutes, and an ERROR event (410 Gone) ends it too.
    this.#scheduleRelist(this.#minBackoff);
  }

  /** Handles one watch event; true when the watch must be dropped and the object relisted. */
  #event(ev: unknown): boolean {
    if (!isObj(ev)) return false;
    switch (ev.type) {
      case "ADDED":
      case "MODIFIED":
        this.#handle(ev.object);
        this.#backoff = this.#minBackoff;
        return false;
      case "DELETED":
        this.#logger.warn(
          { source: this.description },
          "plan ConfigMap deleted; the last plan stays in force until its windows end",
        );
        this.#seenResourceVersion = "";
        return false;
      case "ERROR": {
        // Typically 410 Gone: the resourceVersion is too old. Relist.
        const status = isObj(ev.object) ? ev.object : {};
        this.#logger.info(
          { source: this.description, code: status.code, reason: status.message },
          "watch error event; relisting",
        );
        return true;
      }
      default:
        return false; // BOOKMARK
    }
  }

  #handle(obj: unknown): void {
    const cm: ConfigMapLike = isObj(obj) ? obj : {};
    const rvRaw = isObj(cm.metadata) ? cm.metadata.resourceVersion : undefined;
    const rv = typeof rvRaw === "string" ? rvRaw : "";
    if (rv !== "" && rv === this.#seenResourceVersion) return;
    this.#seenResourceVersion = rv;
    const data = isObj(cm.binaryData) ? cm.binaryData[PLAN_KEY] : undefined;
    if (typeof data !== "string") {
      this.#sink?.problem(this.description, `ConfigMap has no binaryData key ${PLAN_KEY}`);
      return;
    }
    let plan: ReturnType<typeof decodePlan>;
    try {
      plan = decodePlan(data);
    } catch (err) {
      this.#sink?.problem(
        this.description,
        `bad plan in ConfigMap (resourceVersion ${rv}): ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    this.#sink?.offer(plan, this.description);
  }

  #fail(what: string, err: unknown): void {
    if (this.#stopped) return;
    this.#logger.warn(
      { source: this.description, ...describeError(err), retryInMs: this.#backoff },
      `plan ${what}; keeping the last good plan`,
    );
    this.#scheduleRelist(this.#backoff);
    this.#backoff = Math.min(this.#backoff * 2, this.#maxBackoff);
  }

  #scheduleRelist(ms: number): void {
    if (this.#stopped || this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.#listAndWatch();
    }, ms);
    this.#retry.unref();
  }
}

/** A short, loggable account of an API or socket error: its code and first line. */
export function describeError(err: unknown): { code?: number | string; reason: string } {
  if (typeof err !== "object" || err === null) return { reason: String(err) };
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === "number" || typeof e.code === "string" ? e.code : undefined;
  const reason = typeof e.message === "string" ? (e.message.split("\n")[0] ?? "") : String(err);
  return code === undefined ? { reason } : { code, reason };
}
