// delay: the answer is held for a drawn time, then the request is allowed (or, when a later
// fault of the same experiment also hits, answered as that fault says after the delay).
//   fixed    `ms`
//   uniform  between `minMs` (default 0) and `maxMs` (default `ms`)
//   normal   mean `ms`, standard deviation `stddevMs` (Box-Muller on the random source)
// Every draw is clamped to [minMs, maxMs] and to LIMITS.maxDelayMs, and rounded to whole ms.
// The engine only returns the number; the front end waits on a timer, blocking nothing else.

import type { DelayParams } from "../../../api/v1alpha1/types.ts";
import { LIMITS } from "../../../api/v1alpha1/types.ts";
import { correlationHeaders } from "../decisions.ts";
import type { FaultCompiler } from "../fault-runner.ts";
import type { Random } from "../types.ts";

function finiteOr(v: number | undefined, fallback: number): number {
  return v !== undefined && Number.isFinite(v) ? v : fallback;
}

export function drawDelay(p: DelayParams, rng: Random): number {
  const ms = finiteOr(p.ms, 0);
  const lo = Math.max(0, finiteOr(p.minMs, 0));
  const hi = Math.max(lo, Math.min(LIMITS.maxDelayMs, finiteOr(p.maxMs, LIMITS.maxDelayMs)));
  let value: number;
  switch (p.distribution ?? "fixed") {
    case "uniform": {
      const top = Math.max(lo, Math.min(hi, finiteOr(p.maxMs, ms)));
      value = lo + (top - lo) * rng();
      break;
    }
    case "normal": {
      const u1 = 1 - rng();
      const u2 = rng();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      value = ms + finiteOr(p.stddevMs, 0) * z;
      break;
    }
    default:
      value = ms;
  }
  return Math.round(Math.min(hi, Math.max(lo, Number.isFinite(value) ? value : lo)));
}

export const compileDelay: FaultCompiler = (fault, base) => {
  const params = fault.delay ?? {};
  const responseHeaders = Object.freeze(correlationHeaders(base)) as ReturnType<
    typeof correlationHeaders
  >;
  return ({ rng }) => ({
    kind: "allow",
    setHeaders: [],
    removeHeaders: [],
    responseHeaders,
    delayMs: drawDelay(params, rng),
    reason: base.reason,
  });
};
