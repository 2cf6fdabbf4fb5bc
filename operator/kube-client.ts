// One pooled HTTP dispatcher per cluster and user. @kubernetes/client-node 2.0 builds a new
// undici Agent for every request, so each API call opens a fresh TLS connection and the old
// ones linger until the server drops them: at 1,000 experiments that costs seconds of
// handshakes and hundreds of MB of native memory. Reusing the first Agent keeps a small pool
// of keep-alive connections instead; TLS settings come from the kubeconfig and never change
// for a given context, so the Agent built for the first request is right for all of them.

import { KubeConfig, type RequestContext } from "@kubernetes/client-node";

export class PooledKubeConfig extends KubeConfig {
  private readonly dispatchers = new Map<string, ReturnType<RequestContext["getDispatcher"]>>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const fresh = context.getDispatcher();
    if (fresh === undefined) return;
    const key = this.getCurrentContext();
    const pooled = this.dispatchers.get(key);
    if (pooled === undefined) this.dispatchers.set(key, fresh);
    else context.setDispatcher(pooled);
  }

  /** A pooled copy of any KubeConfig (clusters, users, contexts and current context). */
  static from(kc: KubeConfig): PooledKubeConfig {
    if (kc instanceof PooledKubeConfig) return kc;
    const pooled = new PooledKubeConfig();
    pooled.loadFromOptions({
      clusters: kc.getClusters(),
      users: kc.getUsers(),
      contexts: kc.getContexts(),
      currentContext: kc.getCurrentContext(),
    });
    return pooled;
  }

  /** Closes pooled connections (at shutdown). */
  async close(): Promise<void> {
    for (const d of this.dispatchers.values()) await d?.close().catch(() => undefined);
    this.dispatchers.clear();
  }
}
