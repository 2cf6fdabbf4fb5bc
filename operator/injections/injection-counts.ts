// Injection counts per experiment, summed over every authz-server replica, from the
// token_chaos_injections_total series (Prometheus text format or a Prometheus query result).

import type { Injections } from "../../api/v1alpha1/types.ts";

export const INJECTIONS_METRIC = "token_chaos_injections_total";

export interface LabelledSample {
  labels: Record<string, string>;
  value: number;
}

/** Parses one exposition-format sample line: name{labels} value [timestamp]. */
export function parseSampleLine(
  line: string,
): { name: string; sample: LabelledSample } | undefined {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(?:\s+\S+)?\s*$/.exec(line);
  if (m === null) return undefined;
  const value = Number(m[3] === "+Inf" ? Number.POSITIVE_INFINITY : m[3]);
  if (Number.isNaN(value)) return undefined;
  const labels: Record<string, string> = {};
  const body = m[2] ?? "";
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let lm = re.exec(body); lm !== null; lm = re.exec(body)) {
    labels[lm[1] as string] = (lm[2] as string).replace(/\\(.)/g, (_, c: string) =>
      c === "n" ? "\n" : c,
    );
  }
  return { name: m[1] as string, sample: { labels, value } };
}

export function parseMetricsText(text: string, metric = INJECTIONS_METRIC): LabelledSample[] {
  const out: LabelledSample[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || !line.startsWith(metric)) continue;
    const parsed = parseSampleLine(line);
    if (parsed?.name === metric) out.push(parsed.sample);
  }
  return out;
}

/** namespace/name of the experiment a sample belongs to. */
export function experimentId(labels: Record<string, string>): string | undefined {
  const exp = labels.experiment;
  if (exp === undefined || exp === "") return undefined;
  if (exp.includes("/")) return exp;
  return labels.namespace ? `${labels.namespace}/${exp}` : undefined;
}

function outcomeOf(labels: Record<string, string>): "injected" | "dryRun" | "skipped" {
  const o = (labels.outcome ?? labels.mode ?? "").toLowerCase().replace(/[-_]/g, "");
  if (o === "dryrun" || labels.dry_run === "true" || labels.dryRun === "true") return "dryRun";
  if (o === "skipped") return "skipped";
  return "injected";
}

/** Sums samples by experiment: injected ones into total and byFault, dryRun and skipped apart. */
export function sumInjections(samples: readonly LabelledSample[]): Map<string, Injections> {
  const out = new Map<string, Injections>();
  for (const s of samples) {
    const id = experimentId(s.labels);
    if (id === undefined || !Number.isFinite(s.value) || s.value < 0) continue;
    // Counters are integers; the status schema insists on it.
    const value = Math.round(s.value);
    let inj = out.get(id);
    if (inj === undefined) {
      inj = { total: 0, byFault: {} };
      out.set(id, inj);
    }
    const outcome = outcomeOf(s.labels);
    if (outcome === "dryRun") inj.dryRun = (inj.dryRun ?? 0) + value;
    else if (outcome === "skipped") inj.skipped = (inj.skipped ?? 0) + value;
    else {
      inj.total += value;
      const fault = s.labels.fault ?? "unknown";
      const byFault = inj.byFault ?? {};
      byFault[fault] = (byFault[fault] ?? 0) + value;
      inj.byFault = byFault;
    }
  }
  return out;
}
