// Five-field cron expressions evaluated in an IANA time zone, with no dependency beyond Intl.
//
// Semantics (Vixie cron, the same as Kubernetes CronJob for ordinary expressions):
// - fields: minute hour day-of-month month day-of-week; each a list of `*`, `N`, `A-B`, with an
//   optional `/STEP`; `N/STEP` means N to the field's maximum; months and days also by name
//   (JAN-DEC, SUN-SAT, any case); day-of-week 7 is Sunday;
// - when both day-of-month and day-of-week are restricted (do not start with `*`), a day matches
//   when either matches; otherwise both must;
// - daylight saving: a wall-clock time that does not exist (clocks go forward) is skipped, and a
//   time that happens twice (clocks go back) fires once, at its first occurrence. Fewer windows,
//   never a surprise extra one: the safe side for a chaos tool.

export interface CronSchedule {
  minutes: readonly number[];
  hours: readonly number[];
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  domRestricted: boolean;
  dowRestricted: boolean;
}

export type CronParse = { ok: true; cron: CronSchedule } | { ok: false; error: string };

interface FieldDef {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const MONTH_NAMES = [
  "jan",
  "feb",
  "mar",
  "apr",
  "may",
  "jun",
  "jul",
  "aug",
  "sep",
  "oct",
  "nov",
  "dec",
] as const;
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;

const FIELDS: readonly FieldDef[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: MONTH_NAMES },
  { name: "day-of-week", min: 0, max: 7, names: DAY_NAMES },
];

function parseValue(text: string, def: FieldDef): number | string {
  if (/^[0-9]+$/.test(text)) {
    const n = Number(text);
    if (n < def.min || n > def.max) {
      return `${def.name} field: ${text} is out of range ${def.min}-${def.max}`;
    }
    return n;
  }
  const index = def.names?.indexOf(text.toLowerCase() as never) ?? -1;
  if (index < 0)
    return `${def.name} field: '${text}' is not a number${def.names ? " or name" : ""}`;
  // Month names are 1-based, day names 0-based.
  return def.name === "month" ? index + 1 : index;
}

function parseField(text: string, def: FieldDef): Set<number> | string {
  const out = new Set<number>();
  for (const element of text.split(",")) {
    const m = /^([^/]+)(?:\/([0-9]+))?$/.exec(element);
    if (m === null) return `${def.name} field: '${element}' is not a value, range or step`;
    const [, base = "", stepText] = m;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1 || step > def.max) {
      return `${def.name} field: step ${stepText} is out of range 1-${def.max}`;
    }
    let lo: number;
    let hi: number;
    if (base === "*") {
      lo = def.min;
      hi = def.max;
    } else {
      const dash = base.indexOf("-");
      const from = parseValue(dash < 0 ? base : base.slice(0, dash), def);
      if (typeof from === "string") return from;
      lo = from;
      if (dash >= 0) {
        const to = parseValue(base.slice(dash + 1), def);
        if (typeof to === "string") return to;
        hi = to;
      } else {
        hi = stepText === undefined ? from : def.max;
      }
      if (hi < lo) return `${def.name} field: range ${base} runs backwards`;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expr: string): CronParse {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === "") {
    return {
      ok: false,
      error: "cron must have five fields: minute hour day-of-month month day-of-week",
    };
  }
  const sets: Set<number>[] = [];
  for (let i = 0; i < 5; i++) {
    const field = parseField(parts[i] ?? "", FIELDS[i] as FieldDef);
    if (typeof field === "string") return { ok: false, error: field };
    sets.push(field);
  }
  const [minutes, hours, doms, months, dows] = sets as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  if (dows.delete(7)) dows.add(0);
  return {
    ok: true,
    cron: {
      minutes: [...minutes].sort((a, b) => a - b),
      hours: [...hours].sort((a, b) => a - b),
      daysOfMonth: doms,
      months,
      daysOfWeek: dows,
      domRestricted: !(parts[2] ?? "").startsWith("*"),
      dowRestricted: !(parts[4] ?? "").startsWith("*"),
    },
  };
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether the expression can ever fire: `0 0 31 2 *` (31 February) parses but never fires.
 * Only day-of-month against month can make that happen, and only when day-of-week does not
 * widen the match.
 */
export function canEverFire(cron: CronSchedule): boolean {
  if (cron.domRestricted && cron.dowRestricted) return true;
  if (!cron.domRestricted) return true;
  for (const month of cron.months) {
    for (const day of cron.daysOfMonth) {
      if (day <= (DAYS_IN_MONTH[month - 1] ?? 0)) return true;
    }
  }
  return false;
}

function dayMatches(cron: CronSchedule, dom: number, month: number, dow: number): boolean {
  if (!cron.months.has(month)) return false;
  const domOk = cron.daysOfMonth.has(dom);
  const dowOk = cron.daysOfWeek.has(dow);
  if (cron.domRestricted && cron.dowRestricted) return domOk || dowOk;
  return domOk && dowOk;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone (an IANA name such as Europe/Berlin, or UTC). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallClock(ms: number, timeZone: string): WallClock {
  const wall: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(ms)) {
    if (part.type in wall) wall[part.type as keyof WallClock] = Number(part.value);
  }
  return wall;
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (east positive). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const w = wallClock(ms, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ms - (((ms % 1000) + 1000) % 1000));
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** The first instant at which the wall clock in `timeZone` reads the given local time, if any. */
function firstInstantOf(localAsUtc: number, timeZone: string): number | undefined {
  const offsets = new Set([
    zoneOffsetMs(localAsUtc - DAY_MS, timeZone),
    zoneOffsetMs(localAsUtc, timeZone),
    zoneOffsetMs(localAsUtc + DAY_MS, timeZone),
  ]);
  let best: number | undefined;
  for (const offset of offsets) {
    const instant = localAsUtc - offset;
    if (zoneOffsetMs(instant, timeZone) === offset && (best === undefined || instant < best)) {
      best = instant;
    }
  }
  return best;
}

/** How far ahead the search looks: long enough for 29 February across a skipped leap year. */
export const MAX_SEARCH_DAYS = 9 * 366;

/**
 * Fire times in [fromMs, untilMs), ascending, at most `max`. The search walks local calendar
 * days and stops after MAX_SEARCH_DAYS days, so it is bounded whatever the expression.
 */
export function fireTimes(
  cron: CronSchedule,
  timeZone: string,
  fromMs: number,
  untilMs: number,
  max: number,
): number[] {
  const out: number[] = [];
  if (max <= 0 || !(untilMs > fromMs)) return out;
  const start = wallClock(fromMs, timeZone);
  // Start one local day early: a local date can begin before `fromMs` in UTC terms.
  let day = Date.UTC(start.year, start.month - 1, start.day) - DAY_MS;
  for (let i = 0; i < MAX_SEARCH_DAYS; i++, day += DAY_MS) {
    // Local midnight expressed as if it were UTC; past untilMs by more than a day: done.
    if (day - DAY_MS > untilMs + DAY_MS) break;
    const date = new Date(day);
    if (!dayMatches(cron, date.getUTCDate(), date.getUTCMonth() + 1, date.getUTCDay())) continue;
    // Fast path: the same offset from well before to well after this local day means no
    // transition inside it, so local time maps to UTC by one subtraction.
    const before = zoneOffsetMs(day - DAY_MS, timeZone);
    const after = zoneOffsetMs(day + 2 * DAY_MS, timeZone);
    const steady = before === after && zoneOffsetMs(day, timeZone) === before;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const local = day + hour * HOUR_MS + minute * 60_000;
        const instant = steady ? local - before : firstInstantOf(local, timeZone);
        if (instant === undefined || instant < fromMs) continue;
        if (instant >= untilMs) return out;
        out.push(instant);
        if (out.length >= max) return out;
      }
    }
  }
  return out;
}
