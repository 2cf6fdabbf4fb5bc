// metav1.MicroTime on the wire: RFC 3339 with exactly six fractional digits, UTC.
// The API server parses it with a fixed ".000000" layout, so 3 or 9 digits are rejected.

/** Formats epoch milliseconds (fractions allowed, e.g. from performance.now) as MicroTime. */
export function formatMicroTime(epochMs: number): string {
  const wholeMs = Math.floor(epochMs);
  const micros = Math.min(999, Math.max(0, Math.floor((epochMs - wholeMs) * 1000)));
  const base = new Date(wholeMs).toISOString(); // 2026-01-02T03:04:05.123Z
  return `${base.slice(0, -1)}${String(micros).padStart(3, "0")}Z`;
}

/** Epoch milliseconds (with microsecond fraction) of an RFC 3339 time; undefined if unparsable. */
export function parseMicroTime(text: unknown): number | undefined {
  if (text instanceof Date) return text.getTime();
  if (typeof text !== "string") return undefined;
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (m === null) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  const frac = m[2] === undefined ? 0 : Number(`0.${m[2]}`) * 1000;
  return seconds + frac;
}

/** Precise "now" in epoch milliseconds with a sub-millisecond fraction. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
