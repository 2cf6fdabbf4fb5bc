// Short texts for `kubectl get tce` printer columns.

import type { TokenChaosExperimentSpec } from "../../api/v1alpha1/types.ts";

export function faultSummary(spec: TokenChaosExperimentSpec): string {
  const faults = Array.isArray(spec.faults) ? spec.faults : [];
  return faults.map((f) => (f.at === "upstream" ? `${f.type}@upstream` : String(f.type))).join(",");
}

export function percentSummary(spec: TokenChaosExperimentSpec): string {
  const faults = Array.isArray(spec.faults) ? spec.faults : [];
  const ramp = spec.schedule?.ramp;
  if (ramp !== undefined) return `${ramp.from}-${ramp.to}%`;
  return faults.map((f) => `${f.percent ?? 100}%`).join(",");
}
