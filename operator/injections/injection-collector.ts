// Gathers injection counts from the data plane: every ready authz-server endpoint of the
// configured Service (found through its EndpointSlices) is scraped on its metrics port, or a
// configured Prometheus is asked for the same sum. With neither, nothing is collected.

import { DiscoveryV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { Injections } from "../../api/v1alpha1/types.ts";
import type { Logger } from "../observability/log.ts";
import { PeriodicTask } from "../periodic-task.ts";
import { vectorQuery } from "../prometheus/instant-query.ts";
import { errText } from "../watch/list-watcher.ts";
import {
  INJECTIONS_METRIC,
  type LabelledSample,
  parseMetricsText,
  sumInjections,
} from "./injection-counts.ts";

export interface AuthzService {
  namespace: string;
  name: string;
  portName: string;
}

export interface CollectorOptions {
  kc: KubeConfig;
  log: Logger;
  authzService?: AuthzService;
  prometheusUrl?: string;
  intervalMs: number;
  onCounts(counts: Map<string, Injections>): void;
}

/** Scrape targets (host:port) from EndpointSlices of a Service. */
export async function metricsTargets(api: DiscoveryV1Api, svc: AuthzService): Promise<string[]> {
  const slices = await api.listNamespacedEndpointSlice({
    namespace: svc.namespace,
    labelSelector: `kubernetes.io/service-name=${svc.name}`,
  });
  const targets = new Set<string>();
  for (const slice of slices.items) {
    const port =
      slice.ports?.find((p) => p.name === svc.portName)?.port ??
      (/^\d+$/.test(svc.portName) ? Number(svc.portName) : undefined);
    if (port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      if (ep.conditions?.ready === false) continue;
      const addr = ep.addresses?.[0];
      if (addr === undefined) continue;
      targets.add(slice.addressType === "IPv6" ? `[${addr}]:${port}` : `${addr}:${port}`);
    }
  }
  return [...targets];
}

export class InjectionCollector extends PeriodicTask {
  private readonly opts: CollectorOptions;
  private readonly discovery: DiscoveryV1Api;
  private readonly lastByTarget = new Map<string, LabelledSample[]>();

  constructor(opts: CollectorOptions) {
    super(opts.intervalMs);
    this.opts = opts;
    this.discovery = opts.kc.makeApiClient(DiscoveryV1Api);
  }

  get configured(): boolean {
    return this.opts.authzService !== undefined || this.opts.prometheusUrl !== undefined;
  }

  /** Collects at once, then every interval; does nothing without a source to collect from. */
  override start(): void {
    if (!this.configured) return;
    void this.tick();
    super.start();
  }

  protected async step(): Promise<void> {
    try {
      const samples = await this.collect();
      if (samples !== undefined) this.opts.onCounts(sumInjections(samples));
    } catch (err) {
      this.opts.log.warn({ err: errText(err) }, "collecting injection counts failed");
    }
  }

  private async collect(): Promise<LabelledSample[] | undefined> {
    if (this.opts.authzService !== undefined) {
      const targets = await metricsTargets(this.discovery, this.opts.authzService);
      const results = await Promise.all(
        targets.map(async (t) => {
          try {
            const res = await fetch(`http://${t}/metrics`, { signal: AbortSignal.timeout(2000) });
            if (!res.ok) throw new Error(`HTTP ${res.status}`);
            const samples = parseMetricsText(await res.text());
            this.lastByTarget.set(t, samples);
            return samples;
          } catch (err) {
            // A replica that misses one scrape keeps its last counts, so totals never dip.
            this.opts.log.debug({ target: t, err: errText(err) }, "scrape failed");
            return this.lastByTarget.get(t) ?? [];
          }
        }),
      );
      for (const t of this.lastByTarget.keys())
        if (!targets.includes(t)) this.lastByTarget.delete(t);
      return results.flat();
    }
    if (this.opts.prometheusUrl !== undefined) {
      return vectorQuery(
        this.opts.prometheusUrl,
        `sum by (experiment, namespace, fault, outcome) (${INJECTIONS_METRIC})`,
      );
    }
    return undefined;
  }
}
