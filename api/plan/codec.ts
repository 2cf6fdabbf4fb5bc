// The plan's wire form, written by the operator and read by every authz-server: base64 (as
// binaryData travels in JSON) of gzip of the compact CompiledPlan JSON. JSON of 1,000
// experiments is repetitive and shrinks ~10x, far below the 1 MiB object limit. Reading is
// bounded: the decompressed plan is capped so a hostile object cannot exhaust memory, and the
// shape is checked before use; the engine's loadPlan checks the rest. One module for both
// sides, because a change to either half is a breaking change for every installed replica.

import { gunzipSync, gzipSync } from "node:zlib";
import { type CompiledPlan, PLAN_FORMAT } from "./types.ts";

/** ConfigMap (in the operator's namespace) that carries the compiled plan. */
export const PLAN_CONFIGMAP = "token-chaos-plan";
/** binaryData key holding gzip(JSON(CompiledPlan)). */
export const PLAN_KEY = "plan.json.gz";
export const MAX_PLAN_JSON_BYTES = 64 * 1024 * 1024;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function encodePlan(plan: CompiledPlan): string {
  return gzipSync(Buffer.from(JSON.stringify(plan)), { level: 6 }).toString("base64");
}

/** Throws an Error saying what is wrong when the text is not a plan. */
export function decodePlan(base64: string): CompiledPlan {
  const gz = Buffer.from(base64, "base64");
  let json: string;
  try {
    json = gunzipSync(gz, { maxOutputLength: MAX_PLAN_JSON_BYTES }).toString("utf8");
  } catch (err) {
    throw new Error(
      `${PLAN_KEY} is not gzip data: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new Error(`${PLAN_KEY} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  return checkPlanShape(doc);
}

export function checkPlanShape(doc: unknown): CompiledPlan {
  if (!isObject(doc)) throw new Error("plan is not a JSON object");
  if (doc.format !== PLAN_FORMAT) throw new Error(`plan format is not ${PLAN_FORMAT}`);
  if (typeof doc.version !== "number" || !Number.isFinite(doc.version)) {
    throw new Error("plan has no numeric version");
  }
  if (typeof doc.generatedAt !== "number") throw new Error("plan has no generatedAt");
  if (doc.validUntil !== undefined && typeof doc.validUntil !== "number") {
    throw new Error("plan validUntil is not a number");
  }
  if (typeof doc.halted !== "boolean") throw new Error("plan has no halted flag");
  if (!Array.isArray(doc.experiments)) throw new Error("plan has no experiments list");
  doc.experiments.forEach((e, i) => {
    if (!isObject(e) || typeof e.id !== "string" || !Array.isArray(e.windows)) {
      throw new Error(`plan experiment ${i} lacks an id or windows`);
    }
    for (const w of e.windows) {
      if (!isObject(w) || typeof w.start !== "number" || typeof w.end !== "number") {
        throw new Error(`plan experiment ${e.id} has a malformed window`);
      }
    }
  });
  return doc as unknown as CompiledPlan;
}
