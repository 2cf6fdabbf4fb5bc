// Safety invariant 3: an experiment only touches traffic to workloads of its own namespace,
// unless the cluster admin allows more. Only names that unambiguously denote in-cluster Services
// are checked (<svc>.<ns>.svc[.<cluster domain>] and wildcards over them); a short "<svc>.<ns>"
// cannot be told apart from an external domain, and the data plane scopes those by destination.

import type { PhaseProblem } from "./derive-phase.ts";

export interface CrossNamespacePolicy {
  /** --allow-cross-namespace: any namespace may be targeted. */
  allowAll: boolean;
  /** --cross-namespace-allowed: these namespaces may be targeted from anywhere. */
  allowed: ReadonlySet<string>;
  clusterDomain?: string;
}

export const ALL_NAMESPACES = "*";

/** The namespace a host names, ALL_NAMESPACES for a wildcard over every namespace, or undefined. */
export function hostNamespace(
  rawHost: string,
  clusterDomain = "cluster.local",
): string | undefined {
  const host = rawHost.trim().toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  if (host === "*") return ALL_NAMESPACES;
  const labels = host.split(".");
  if (labels[0] === "*") {
    const suffix = labels.slice(1).join(".");
    const domain = clusterDomain.toLowerCase();
    const domainLabels = domain.split(".");
    // "*.svc", "*.svc.cluster.local", "*.cluster.local", "*.local": every Service everywhere.
    const spanning = new Set(["svc", `svc.${domain}`]);
    for (let i = 0; i < domainLabels.length; i++) spanning.add(domainLabels.slice(i).join("."));
    if (spanning.has(suffix)) return ALL_NAMESPACES;
  }
  // <svc-or-*>.<ns>.svc[.<domain>]
  if (labels.length >= 3 && labels[2] === "svc") {
    const rest = labels.slice(3).join(".");
    if (rest === "" || rest === clusterDomain.toLowerCase()) return labels[1];
  }
  // <pod>.<ns>.pod.<domain>
  if (labels.length >= 3 && labels[2] === "pod") return labels[1];
  return undefined;
}

export function crossNamespaceProblems(
  namespace: string,
  hosts: readonly unknown[] | undefined,
  policy: CrossNamespacePolicy,
): PhaseProblem[] {
  if (policy.allowAll || !Array.isArray(hosts)) return [];
  const problems: PhaseProblem[] = [];
  hosts.forEach((h, i) => {
    if (typeof h !== "string") return;
    const ns = hostNamespace(h, policy.clusterDomain);
    if (ns === undefined || ns === namespace || policy.allowed.has(ns)) return;
    const what = ns === ALL_NAMESPACES ? "every namespace" : `namespace "${ns}"`;
    problems.push({
      path: `spec.target.hosts[${i}]`,
      message: `host "${h}" reaches into ${what}; an experiment may only target its own namespace "${namespace}" unless the operator runs with --allow-cross-namespace or lists the namespace in --cross-namespace-allowed`,
    });
  });
  return problems;
}
