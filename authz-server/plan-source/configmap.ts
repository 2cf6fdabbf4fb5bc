// Kubernetes plan source: watches the ONE ConfigMap the operator publishes the compiled plan to
// (key plan.json.gz under binaryData). List and watch are both restricted to that object with a
// metadata.name field selector, which is what RBAC resourceNames allows and nothing more.
//
// Any failure (API server gone, watch closed, 410 Gone, a bad plan) keeps the last good plan in
// force and relists after a backoff. Deleting the ConfigMap keeps the last plan too: its windows
// still end injection on time, and a halt arrives as a new plan, not as a deletion.

import { CoreV1Api, type KubeConfig, type V1ConfigMap, Watch } from "@kubernetes/client-node";
import type { Logger } from "../observability/logger.ts";
import { DEFAULT_PLAN_CONFIGMAP, decodePlanBase64, PLAN_KEY } from "./plan-codec.ts";
import type { PlanSink, PlanSource } from "./plan-source.ts";

export interface ConfigMapSourceOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  name?: string;
  logger: Logger;
  /** First relist delay after a failure; doubles up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

interface WatchEvent {
  type?: string;
  object?: unknown;
}

export class ConfigMapSource implements PlanSource {
  readonly description: string;
  #kc: KubeConfig;
  #namespace: string;
  #name: string;
  #logger: Logger;
  #minBackoff: number;
  #maxBackoff: number;
  #backoff: number;
  #sink: PlanSink | undefined;
  #abort: AbortController | undefined;
  #retry: NodeJS.Timeout | undefined;
  #stopped = false;
  /** resourceVersion of the last object handled, so a relist of the same object is a no-op. */
  #seenResourceVersion = "";

  constructor(opts: ConfigMapSourceOptions) {
    this.#kc = opts.kubeConfig;
    this.#namespace = opts.namespace;
    this.#name = opts.name ?? DEFAULT_PLAN_CONFIGMAP;
    this.#logger = opts.logger;
    this.#minBackoff = opts.minBackoffMs ?? 500;
    this.#maxBackoff = opts.maxBackoffMs ?? 30_000;
    this.#backoff = this.#minBackoff;
    this.description = `configmap:${this.#namespace}/${this.#name}`;
  }

  async start(sink: PlanSink): Promise<void> {
    this.#sink = sink;
    await this.#listAndWatch();
    // Ready even when the first list failed: with no plan nothing is injected, which is safe,
    // and the data plane must not hold up traffic because the API server is unreachable.
    sink.ready();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#retry !== undefined) clearTimeout(this.#retry);
    this.#abort?.abort();
  }

  get #fieldSelector(): string {
    return `metadata.name=${this.#name}`;
  }

  async #listAndWatch(): Promise<void> {
    if (this.#stopped) return;
    let resourceVersion: string | undefined;
    try {
      const api = this.#kc.makeApiClient(CoreV1Api);
      const list = await api.listNamespacedConfigMap({
        namespace: this.#namespace,
        fieldSelector: this.#fieldSelector,
      });
      resourceVersion = list.metadata?.resourceVersion;
      const cm = list.items[0];
      if (cm === undefined) {
        this.#logger.info({ source: this.description }, "plan ConfigMap not found yet; waiting");
      } else {
        this.#handle(cm);
      }
    } catch (err) {
      this.#fail("list failed", err);
      return;
    }
    await this.#watch(resourceVersion);
  }

  async #watch(resourceVersion: string | undefined): Promise<void> {
    if (this.#stopped) return;
    const watch = new Watch(this.#kc);
    try {
      this.#abort = await watch.watch(
        `/api/v1/namespaces/${encodeURIComponent(this.#namespace)}/configmaps`,
        {
          fieldSelector: this.#fieldSelector,
          resourceVersion,
          allowWatchBookmarks: true,
        },
        (type: string, obj: unknown) => this.#event({ type, object: obj }),
        (err: unknown) => {
          if (this.#stopped) return;
          // A watch ends normally every few minutes; an error is logged. Either way relist.
          if (err !== null && err !== undefined) this.#fail("watch ended with an error", err);
          else this.#scheduleRelist(this.#minBackoff);
        },
      );
    } catch (err) {
      this.#fail("watch failed", err);
    }
  }

  #event(ev: WatchEvent): void {
    switch (ev.type) {
      case "ADDED":
      case "MODIFIED":
        this.#handle(ev.object as V1ConfigMap);
        this.#backoff = this.#minBackoff;
        return;
      case "DELETED":
        this.#logger.warn(
          { source: this.description },
          "plan ConfigMap deleted; the last plan stays in force until its windows end",
        );
        this.#seenResourceVersion = "";
        return;
      case "ERROR": {
        // Typically 410 Gone: the resourceVersion is too old. Abort and relist.
        const status = ev.object as { code?: number; message?: string } | undefined;
        this.#logger.info(
          { source: this.description, code: status?.code, reason: status?.message },
          "watch error event; relisting",
        );
        this.#abort?.abort();
        this.#scheduleRelist(this.#minBackoff);
        return;
      }
      default:
        return; // BOOKMARK
    }
  }

  #handle(cm: V1ConfigMap): void {
    const rv = cm.metadata?.resourceVersion ?? "";
    if (rv !== "" && rv === this.#seenResourceVersion) return;
    this.#seenResourceVersion = rv;
    const data = cm.binaryData?.[PLAN_KEY];
    if (data === undefined) {
      this.#sink?.problem(this.description, `ConfigMap has no binaryData key ${PLAN_KEY}`);
      return;
    }
    let plan: ReturnType<typeof decodePlanBase64>;
    try {
      plan = decodePlanBase64(data);
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

/** A short, loggable account of a client or API error: HTTP code and the API's own message. */
export function describeError(err: unknown): { code?: number | string; reason: string } {
  if (typeof err !== "object" || err === null) return { reason: String(err) };
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  const code = typeof e.code === "number" || typeof e.code === "string" ? e.code : undefined;
  let reason = typeof e.message === "string" ? (e.message.split("\n")[0] ?? "") : String(err);
  // ApiException carries the API's Status object as its body.
  const body = typeof e.body === "string" ? safeJson(e.body) : e.body;
  if (typeof body === "object" && body !== null) {
    const message = (body as { message?: unknown }).message;
    if (typeof message === "string") reason = message;
  }
  // undici's "fetch failed" hides the socket error in `cause`.
  const cause = (err as { cause?: { message?: unknown } }).cause;
  if (typeof cause?.message === "string") reason = `${reason}: ${cause.message}`;
  return code === undefined ? { reason } : { code, reason };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
