// Prometheus HTTP API instant queries (GET /api/v1/query), for guards and steady states.

export type QueryOutcome = { ok: true; values: number[] } | { ok: false; error: string };

/** Sample values of a vector or scalar result; NaN samples are dropped. */
export function parseInstantQuery(body: unknown): QueryOutcome {
  if (typeof body !== "object" || body === null) return { ok: false, error: "not a JSON object" };
  const b = body as { status?: unknown; error?: unknown; data?: unknown };
  if (b.status !== "success") {
    return { ok: false, error: typeof b.error === "string" ? b.error : "query failed" };
  }
  const data = b.data as { resultType?: unknown; result?: unknown } | undefined;
  const sample = (pair: unknown): number | undefined => {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const v = Number(pair[1]);
    return Number.isNaN(v) ? undefined : v;
  };
  if (data?.resultType === "scalar") {
    const v = sample(data.result);
    return { ok: true, values: v === undefined ? [] : [v] };
  }
  if (data?.resultType === "vector" && Array.isArray(data.result)) {
    const values: number[] = [];
    for (const r of data.result) {
      const v = sample((r as { value?: unknown }).value);
      if (v !== undefined) values.push(v);
    }
    return { ok: true, values };
  }
  return { ok: false, error: `unsupported result type ${String(data?.resultType)}` };
}

export interface PrometheusVectorSample {
  labels: Record<string, string>;
  value: number;
}

/** Labelled samples of a vector result (for injection counts read from Prometheus). */
export function parseVector(body: unknown): PrometheusVectorSample[] | undefined {
  const b = body as { status?: unknown; data?: { resultType?: unknown; result?: unknown } };
  if (b?.status !== "success" || b.data?.resultType !== "vector" || !Array.isArray(b.data.result)) {
    return undefined;
  }
  const out: PrometheusVectorSample[] = [];
  for (const r of b.data.result as Array<{ metric?: unknown; value?: unknown }>) {
    const v = Array.isArray(r.value) ? Number(r.value[1]) : Number.NaN;
    if (Number.isNaN(v) || typeof r.metric !== "object" || r.metric === null) continue;
    const labels: Record<string, string> = {};
    for (const [k, lv] of Object.entries(r.metric)) if (typeof lv === "string") labels[k] = lv;
    out.push({ labels, value: v });
  }
  return out;
}

export async function instantQuery(
  baseUrl: string,
  query: string,
  timeoutMs = 2000,
): Promise<QueryOutcome> {
  const url = new URL("api/v1/query", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  url.searchParams.set("query", query);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const body: unknown = await res.json().catch(() => undefined);
    if (!res.ok && body === undefined) return { ok: false, error: `HTTP ${res.status}` };
    return parseInstantQuery(body);
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export async function vectorQuery(
  baseUrl: string,
  query: string,
  timeoutMs = 2000,
): Promise<PrometheusVectorSample[] | undefined> {
  const url = new URL("api/v1/query", baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`);
  url.searchParams.set("query", query);
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return parseVector(await res.json());
  } catch {
    return undefined;
  }
}
