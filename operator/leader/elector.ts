// Leader election on a coordination.k8s.io/v1 Lease, with client-go's timing: a 15 s lease,
// a 10 s renew deadline and a 2 s retry period. The leader renews every retry period and steps
// down if it cannot renew within the deadline; followers take over once the lease has not
// changed for its whole duration; a leader shutting down releases the lease at once.

import {
  ApiException,
  CoordinationV1Api,
  type KubeConfig,
  type V1Lease,
} from "@kubernetes/client-node";
import { MicroTime } from "../events/recorder.ts";
import { FIELD_MANAGER } from "../names.ts";
import type { Logger } from "../observability/log.ts";
import type { OperatorMetrics } from "../observability/metrics.ts";
import { errText } from "../watch/list-watcher.ts";
import {
  DEFAULT_LEADER_TIMING,
  decideLease,
  type LeaderTiming,
  type LeaseRecord,
  leadershipLapsed,
  type Observation,
  observe,
} from "./lease-decision.ts";
import { parseMicroTime, preciseNow } from "./micro-time.ts";

export interface ElectorOptions {
  namespace: string;
  name: string;
  identity: string;
  timing?: LeaderTiming;
  log: Logger;
  metrics: OperatorMetrics;
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

function toRecord(lease: V1Lease | undefined): LeaseRecord | undefined {
  if (lease === undefined) return undefined;
  const s = lease.spec ?? {};
  return {
    holderIdentity: s.holderIdentity,
    leaseDurationSeconds: s.leaseDurationSeconds,
    acquireTimeMs: parseMicroTime(s.acquireTime),
    renewTimeMs: parseMicroTime(s.renewTime),
    leaseTransitions: s.leaseTransitions,
  };
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly opts: ElectorOptions;
  private readonly timing: LeaderTiming;
  private leading = false;
  private lastRenewMs = 0;
  private observation: Observation | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private current: Promise<void> | undefined;

  constructor(kc: KubeConfig, opts: ElectorOptions) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.opts = opts;
    this.timing = opts.timing ?? DEFAULT_LEADER_TIMING;
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    this.current = this.attempt().finally(() => {
      if (this.stopped) return;
      // Followers jitter their retries so candidates do not collide on every attempt.
      const jitter = this.leading ? 0 : Math.random() * 0.2 * this.timing.retryPeriodMs;
      this.timer = setTimeout(() => this.tick(), this.timing.retryPeriodMs + jitter);
    });
  }

  private async attempt(): Promise<void> {
    const now = preciseNow();
    let lease: V1Lease | undefined;
    try {
      try {
        lease = await this.api.readNamespacedLease({
          name: this.opts.name,
          namespace: this.opts.namespace,
        });
      } catch (err) {
        if (!(err instanceof ApiException && err.code === 404)) throw err;
      }
      const record = toRecord(lease);
      this.observation = observe(this.observation, record, Date.now());
      const action = decideLease(
        record,
        this.observation,
        this.opts.identity,
        Date.now(),
        this.timing,
      );
      if (action.kind === "wait") {
        if (this.leading) this.setLeading(false, `lease now held by ${action.holder}`);
        return;
      }
      const spec = {
        holderIdentity: action.record.holderIdentity,
        leaseDurationSeconds: action.record.leaseDurationSeconds,
        acquireTime: new MicroTime(
          action.kind === "update" && !action.acquiring ? (record?.acquireTimeMs ?? now) : now,
        ),
        renewTime: new MicroTime(now),
        leaseTransitions: action.record.leaseTransitions,
      };
      let written: V1Lease;
      if (action.kind === "create") {
        written = await this.api.createNamespacedLease({
          namespace: this.opts.namespace,
          body: { metadata: { name: this.opts.name, namespace: this.opts.namespace }, spec },
          fieldManager: FIELD_MANAGER,
        });
      } else {
        written = await this.api.replaceNamespacedLease({
          name: this.opts.name,
          namespace: this.opts.namespace,
          body: {
            metadata: {
              name: this.opts.name,
              namespace: this.opts.namespace,
              resourceVersion: lease?.metadata?.resourceVersion,
            },
            spec,
          },
          fieldManager: FIELD_MANAGER,
        });
      }
      this.observation = observe(this.observation, toRecord(written), Date.now());
      this.lastRenewMs = Date.now();
      this.opts.metrics.writes.inc({ kind: "lease", result: "ok" });
      if (!this.leading)
        this.setLeading(
          true,
          action.kind === "create" ? "created the lease" : "acquired the lease",
        );
    } catch (err) {
      this.opts.metrics.writes.inc({ kind: "lease", result: "error" });
      this.opts.log.debug({ err: errText(err) }, "lease attempt failed");
      if (this.leading && leadershipLapsed(this.lastRenewMs, Date.now(), this.timing)) {
        this.setLeading(false, "could not renew the lease within the renew deadline");
      }
    }
  }

  private setLeading(leading: boolean, why: string): void {
    this.leading = leading;
    this.opts.metrics.leader.set(leading ? 1 : 0);
    this.opts.log.info(
      { identity: this.opts.identity, leading, why },
      leading ? "became leader" : "stopped leading",
    );
    if (leading) this.opts.onStartedLeading();
    else this.opts.onStoppedLeading();
  }

  /** Stops electing; a leader releases the lease so a standby takes over without waiting. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.current;
    if (!this.leading) return;
    this.leading = false;
    this.opts.metrics.leader.set(0);
    try {
      const lease = await this.api.readNamespacedLease({
        name: this.opts.name,
        namespace: this.opts.namespace,
      });
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      const now = preciseNow();
      await this.api.replaceNamespacedLease({
        name: this.opts.name,
        namespace: this.opts.namespace,
        body: {
          metadata: { ...lease.metadata, managedFields: undefined },
          spec: {
            holderIdentity: "",
            leaseDurationSeconds: 1,
            acquireTime: new MicroTime(now),
            renewTime: new MicroTime(now),
            leaseTransitions: lease.spec?.leaseTransitions,
          },
        },
        fieldManager: FIELD_MANAGER,
      });
      this.opts.log.info({ identity: this.opts.identity }, "released the lease");
    } catch (err) {
      this.opts.log.warn({ err: errText(err) }, "could not release the lease");
    }
  }
}
