// Candidate experiments for a request, found by host so that the cost of a request stays flat in
// the number of experiments loaded:
//   - exact hosts in a map (a `name.ns.svc.<domain>` host also answers to `name.ns.svc` and
//     `name.ns`, the short forms clients in the cluster use),
//   - wildcards `*.suffix` (one or more leading labels, as Envoy matches them) in a map by
//     suffix, looked up once per dot of the request's host,
//   - experiments without hosts (or with "*") in an any-host list, also kept per namespace.
// Experiments of another namespace than the request's destination are dropped here. The merged
// list for a (namespace, host) pair is memoised, bounded.
// Request hosts come without a port (CheckAttributes), so a port in an experiment's host is
// dropped here: `checkout.shop:8080` matches checkout.shop on any port.

export interface Indexed {
  readonly order: number;
  readonly namespace: string;
}

const MEMO_LIMIT = 8192;
const SERVICE_HOST = /^([^.*]+)\.([^.*]+)\.svc\.[^*]+$/;

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else if (!list.includes(value)) list.push(value);
}

/** Lower case, without a trailing :port. */
export function hostWithoutPort(host: string): string {
  return host.toLowerCase().replace(/:[0-9]+$/, "");
}

export class HostIndex<T extends Indexed> {
  #exact = new Map<string, T[]>();
  #wildcard = new Map<string, T[]>();
  #anyHost: T[] = [];
  #anyHostByNamespace = new Map<string, T[]>();
  #memo = new Map<string, Map<string, readonly T[]>>();
  #memoSize = 0;

  add(item: T, hosts: readonly string[] | undefined): void {
    const list = (hosts ?? []).map(hostWithoutPort);
    if (list.length === 0 || list.includes("*")) {
      this.#anyHost.push(item);
      push(this.#anyHostByNamespace, item.namespace, item);
      return;
    }
    for (const host of list) {
      if (host.startsWith("*.")) {
        push(this.#wildcard, host.slice(1), item);
        continue;
      }
      push(this.#exact, host, item);
      const svc = SERVICE_HOST.exec(host);
      if (svc !== null) {
        push(this.#exact, `${svc[1]}.${svc[2]}.svc`, item);
        push(this.#exact, `${svc[1]}.${svc[2]}`, item);
      }
    }
  }

  candidates(host: string, namespace: string | undefined): readonly T[] {
    const nsKey = namespace ?? "";
    let byHost = this.#memo.get(nsKey);
    const hit = byHost?.get(host);
    if (hit !== undefined) return hit;
    const found = this.#collect(host, namespace);
    if (this.#memoSize >= MEMO_LIMIT) {
      this.#memo.clear();
      this.#memoSize = 0;
      byHost = undefined;
    }
    if (byHost === undefined) {
      byHost = new Map();
      this.#memo.set(nsKey, byHost);
    }
    byHost.set(host, found);
    this.#memoSize++;
    return found;
  }

  #collect(host: string, namespace: string | undefined): readonly T[] {
    const out: T[] = [];
    const seen = new Set<T>();
    const add = (list: readonly T[] | undefined): void => {
      if (list === undefined) return;
      for (const item of list) {
        if (namespace !== undefined && item.namespace !== namespace) continue;
        if (seen.has(item)) continue;
        seen.add(item);
        out.push(item);
      }
    };
    add(this.#exact.get(host));
    if (this.#wildcard.size > 0) {
      for (let i = host.indexOf("."); i > 0; i = host.indexOf(".", i + 1)) {
        add(this.#wildcard.get(host.slice(i)));
      }
    }
    add(namespace === undefined ? this.#anyHost : this.#anyHostByNamespace.get(namespace));
    out.sort((a, b) => a.order - b.order);
    return Object.freeze(out);
  }
}
