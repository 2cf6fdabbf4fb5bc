// The plan's wire form in the ConfigMap: gzip of compact JSON, base64 in binaryData.
// JSON of 1,000 experiments is repetitive (same keys, similar targets) and shrinks ~10x,
// keeping far below the 1 MiB object limit.

import { gunzipSync, gzipSync } from "node:zlib";
import { type CompiledPlan, PLAN_FORMAT } from "../../api/plan/types.ts";

export function encodePlan(plan: CompiledPlan): string {
  return gzipSync(Buffer.from(JSON.stringify(plan)), { level: 6 }).toString("base64");
}

export function decodePlan(base64: string): CompiledPlan {
  const json: unknown = JSON.parse(gunzipSync(Buffer.from(base64, "base64")).toString("utf8"));
  if (
    typeof json !== "object" ||
    json === null ||
    (json as { format?: unknown }).format !== PLAN_FORMAT ||
    typeof (json as { version?: unknown }).version !== "number" ||
    !Array.isArray((json as { experiments?: unknown }).experiments)
  ) {
    throw new Error(`not a ${PLAN_FORMAT} document`);
  }
  return json as CompiledPlan;
}
