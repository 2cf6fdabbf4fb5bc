// events.k8s.io/v1 Events for phase transitions, deduplicated: a repeat of the same reason and
// note for the same object within the period bumps series.count on the existing Event.

import { randomBytes } from "node:crypto";
import {
  ApiException,
  EventsV1Api,
  type EventsV1Event,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
} from "@kubernetes/client-node";
import { API_VERSION, KIND, type TokenChaosExperiment } from "../../api/v1alpha1/types.ts";
import { formatMicroTime, preciseNow } from "../leader/micro-time.ts";
import { FIELD_MANAGER, REPORTING_CONTROLLER } from "../names.ts";
import type { Logger } from "../observability/log.ts";
import type { OperatorMetrics } from "../observability/metrics.ts";
import { errText } from "../watch/list-watcher.ts";
import { decideEvent, dedupKey, EVENT_DEDUP_PERIOD_MS, type SeenEvent } from "./dedup.ts";

/** A V1MicroTime that serializes with real microseconds. */
export class MicroTime extends V1MicroTime {
  private readonly text: string;
  constructor(epochMs: number) {
    super(Math.floor(epochMs));
    this.text = formatMicroTime(epochMs);
  }
  override toISOString(): string {
    return this.text;
  }
}

export interface EventSpec {
  type: "Normal" | "Warning";
  reason: string;
  note: string;
  action: string;
}

const MAX_TRACKED = 5000;
const MAX_PENDING = 2000;
const MAX_IN_FLIGHT = 2;

export function eventName(objectName: string, nowMs: number): string {
  const suffix = `${Math.floor(nowMs * 1000).toString(16)}${randomBytes(2).toString("hex")}`;
  return `${objectName.slice(0, 253 - suffix.length - 1)}.${suffix}`;
}
const MAX_NOTE = 1024;
const MERGE_PATCH = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export class EventRecorder {
  private readonly api: EventsV1Api;
  private readonly seen = new Map<string, SeenEvent>();
  private readonly identity: string;
  private readonly log: Logger;
  private readonly metrics: OperatorMetrics;
  private readonly periodMs: number;

  constructor(
    kc: KubeConfig,
    opts: { identity: string; log: Logger; metrics: OperatorMetrics; periodMs?: number },
  ) {
    this.api = kc.makeApiClient(EventsV1Api);
    this.identity = opts.identity;
    this.log = opts.log;
    this.metrics = opts.metrics;
    this.periodMs = opts.periodMs ?? EVENT_DEDUP_PERIOD_MS;
  }

  private readonly pending: Array<() => Promise<void>> = [];
  private inFlight = 0;

  /**
   * Queues an Event; never blocks the caller. Events are best effort and must not slow
   * reconciles down: a few are sent at a time, and beyond a bound the oldest are dropped.
   */
  record(obj: TokenChaosExperiment, e: EventSpec): void {
    if (this.pending.length >= MAX_PENDING) {
      this.pending.shift();
      this.metrics.writes.inc({ kind: "event", result: "dropped" });
    }
    this.pending.push(() => this.send(obj, e));
    this.pump();
  }

  /** Drops Events not yet sent and waits for those in flight (at shutdown). */
  async stop(): Promise<void> {
    this.pending.length = 0;
    while (this.inFlight > 0) await new Promise((r) => setTimeout(r, 10));
  }

  /** Resolves when every queued Event has been sent (or failed). */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight > 0)
      await new Promise((r) => setTimeout(r, 10));
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.pending.length > 0) {
      const job = this.pending.shift() as () => Promise<void>;
      this.inFlight++;
      void job().finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async send(obj: TokenChaosExperiment, e: EventSpec): Promise<void> {
    const ns = obj.metadata.namespace ?? "default";
    const note = e.note.length > MAX_NOTE ? `${e.note.slice(0, MAX_NOTE - 3)}...` : e.note;
    const key = dedupKey(obj.metadata.uid ?? `${ns}/${obj.metadata.name}`, e.type, e.reason, note);
    const nowMs = preciseNow();
    const decision = decideEvent(this.seen.get(key), nowMs, this.periodMs);
    try {
      if (decision.action === "series") {
        try {
          await this.api.patchNamespacedEvent(
            {
              name: decision.name,
              namespace: decision.namespace,
              body: { series: { count: decision.count, lastObservedTime: formatMicroTime(nowMs) } },
              fieldManager: FIELD_MANAGER,
            },
            MERGE_PATCH,
          );
          const s = this.seen.get(key);
          if (s !== undefined) {
            s.count = decision.count;
            s.lastMs = nowMs;
          }
          this.metrics.writes.inc({ kind: "event", result: "ok" });
          return;
        } catch (err) {
          // The Event expired or was deleted: start a new one.
          if (!(err instanceof ApiException && err.code === 404)) throw err;
          this.seen.delete(key);
        }
      }
      const body: EventsV1Event = {
        apiVersion: "events.k8s.io/v1",
        kind: "Event",
        // Named like client-go's recorder: object name and a unique hex suffix.
        metadata: { name: eventName(obj.metadata.name, nowMs), namespace: ns },
        eventTime: new MicroTime(nowMs),
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: this.identity.slice(0, 128),
        action: e.action,
        reason: e.reason,
        note,
        type: e.type,
        regarding: {
          apiVersion: API_VERSION,
          kind: KIND,
          name: obj.metadata.name,
          namespace: ns,
          uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion,
        },
      };
      const created = await this.api.createNamespacedEvent({
        namespace: ns,
        body,
        fieldManager: FIELD_MANAGER,
      });
      this.remember(key, {
        name: created.metadata?.name ?? "",
        namespace: ns,
        count: 1,
        firstMs: nowMs,
        lastMs: nowMs,
      });
      this.metrics.writes.inc({ kind: "event", result: "ok" });
    } catch (err) {
      // Events are best effort: a lost Event must never fail or delay a reconcile.
      this.metrics.writes.inc({ kind: "event", result: "error" });
      this.log.warn(
        { namespace: ns, name: obj.metadata.name, reason: e.reason, err: errText(err) },
        "event not recorded",
      );
    }
  }

  private remember(key: string, s: SeenEvent): void {
    this.seen.set(key, s);
    if (this.seen.size > MAX_TRACKED) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
