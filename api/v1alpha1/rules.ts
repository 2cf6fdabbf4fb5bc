// Cross-field rules of the TokenChaosExperiment schema: each one's CEL (for the API server)
// next to its TypeScript predicate (for `token-chaos validate` and the operator).

import { canEverFire, isKnownTimeZone, parseCron } from "../plan/cron.ts";
import { parseDuration, parseTimestamp } from "../plan/schedule.ts";
import { type Rule, rule } from "./schema-node.ts";
import {
  type DelayParams,
  type ErrorParams,
  type Fault,
  type FaultType,
  type IntrospectionParams,
  type KeySetParams,
  LIMITS,
  type PrometheusCondition,
  type Ramp,
  type Schedule,
  type TamperClaim,
  type Target,
  type TokenEndpointParams,
  UPSTREAM_FAULTS,
  UPSTREAM_ONLY_FAULTS,
} from "./types.ts";

const celList = (xs: readonly string[]): string => `[${xs.map((x) => `'${x}'`).join(", ")}]`;
const count = (...xs: boolean[]): number => xs.filter(Boolean).length;

// ---- durations -------------------------------------------------------------------------

/** The duration grammar (also the CRD pattern): a subset of Go's, which CEL's duration() reads. */
export const DURATION_SYNTAX = "^([0-9]+(ms|s|m|h))+$";

/** Bounds on a duration string, written as durations ("1s", "24h"). */
export function durationRange(min: string, max: string): Rule {
  const lo = parseDuration(min) ?? 0;
  const hi = parseDuration(max) ?? 0;
  return rule<string>({
    id: `duration-${min}-${max}`,
    // A value the pattern rejects is reported by the pattern alone, not by a conversion error.
    cel:
      `!self.matches('${DURATION_SYNTAX}') || ` +
      `(duration(self) >= duration('${min}') && duration(self) <= duration('${max}'))`,
    message: `must be a duration between ${min} and ${max}`,
    check: (s) => {
      const ms = parseDuration(s);
      return ms !== undefined && ms >= lo && ms <= hi;
    },
  });
}

// ---- matchers --------------------------------------------------------------------------

export const pathOneOf = rule<{ exact?: string; prefix?: string; regex?: string }>({
  id: "path-one-of",
  cel: "(has(self.exact) ? 1 : 0) + (has(self.prefix) ? 1 : 0) + (has(self.regex) ? 1 : 0) == 1",
  message: "exactly one of exact, prefix or regex must be set",
  check: (m) => count(m.exact !== undefined, m.prefix !== undefined, m.regex !== undefined) === 1,
});

export const matcherOneOf = rule<{
  exact?: string;
  prefix?: string;
  regex?: string;
  present?: boolean;
}>({
  id: "matcher-one-of",
  cel:
    "(has(self.exact) ? 1 : 0) + (has(self.prefix) ? 1 : 0) + (has(self.regex) ? 1 : 0) + " +
    "(has(self.present) ? 1 : 0) == 1",
  message: "exactly one of exact, prefix, regex or present must be set",
  check: (m) =>
    count(
      m.exact !== undefined,
      m.prefix !== undefined,
      m.regex !== undefined,
      m.present !== undefined,
    ) === 1,
});

// Constructs JavaScript accepts and RE2 (the server, and Envoy) rejects: lookaround,
// backreferences and named groups in JavaScript's spelling.
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k<|\(\?<[A-Za-z]/;

/** Compiles with JavaScript's RegExp and stays in the syntax RE2 shares; undefined when fine. */
export function regexProblem(source: string): string | undefined {
  if (NOT_RE2.test(source)) {
    return "regex must be a valid RE2 regular expression: lookaround and backreferences are not supported";
  }
  try {
    new RegExp(source);
    return undefined;
  } catch (e) {
    return `regex must be a valid RE2 regular expression: ${(e as Error).message}`;
  }
}

// CEL has no "is this a regex" function; `matches` with an invalid pattern fails at evaluation,
// and the API server turns that failure into a rejection that carries this rule's message.
// `type(...) == bool` keeps the call from being short-circuited away.
export const regexCompiles = rule<{ regex?: string }>({
  id: "regex-compiles",
  cel: "!has(self.regex) || type(''.matches(self.regex)) == bool",
  message: "regex must be a valid RE2 regular expression",
  fieldPath: ".regex",
  check: (m) => (m.regex === undefined ? true : (regexProblem(m.regex) ?? true)),
});

export const targetNotEmpty = rule<Target>({
  id: "target-not-empty",
  cel:
    "has(self.hosts) || has(self.paths) || has(self.methods) || has(self.headers) || " +
    "has(self.sourcePrincipals) || has(self.claims) || has(self.optInHeader)",
  message:
    "target must set at least one of hosts, paths, methods, headers, sourcePrincipals, claims or optInHeader",
  check: (t) =>
    t.hosts !== undefined ||
    t.paths !== undefined ||
    t.methods !== undefined ||
    t.headers !== undefined ||
    t.sourcePrincipals !== undefined ||
    t.claims !== undefined ||
    t.optInHeader !== undefined,
});

// ---- faults ----------------------------------------------------------------------------

/** The parameter block each fault type takes (strip takes none). */
export const FAULT_PARAM_BLOCKS = {
  expire: "expire",
  revoke: "revoke",
  scope: "scope",
  tamper: "tamper",
  "corrupt-signature": "corruptSignature",
  rotate: "rotate",
  malformed: "malformed",
  strip: undefined,
  delay: "delay",
  error: "error",
  deny: "deny",
  "token-endpoint": "tokenEndpoint",
  introspection: "introspection",
  jwks: "jwks",
  discovery: "discovery",
} as const satisfies Record<FaultType, keyof Fault | undefined>;

type ParamBlock = Exclude<(typeof FAULT_PARAM_BLOCKS)[FaultType], undefined>;

/** One rule per block: a block may only be set on a fault of its own type. */
export const blockMatchesType: readonly Rule[] = (
  Object.entries(FAULT_PARAM_BLOCKS) as [FaultType, ParamBlock | undefined][]
).flatMap(([type, block]) =>
  block === undefined
    ? []
    : [
        rule<Fault>({
          id: `block-${block}`,
          cel: `!has(self.${block}) || self.type == '${type}'`,
          message: `${block} parameters are only allowed with type: ${type}`,
          fieldPath: `.${block}`,
          check: (f) => f[block] === undefined || f.type === type,
        }),
      ],
);

const isUpstream = (f: Fault): boolean => f.at === "upstream";

export const revokeNeedsThreshold = rule<Fault>({
  id: "revoke-needs-threshold",
  cel:
    "self.type != 'revoke' || (has(self.revoke) && " +
    "(has(self.revoke.afterRequests) || has(self.revoke.afterSeconds)))",
  message: "type revoke needs revoke.afterRequests or revoke.afterSeconds",
  fieldPath: ".revoke",
  check: (f) =>
    f.type !== "revoke" ||
    f.revoke?.afterRequests !== undefined ||
    f.revoke?.afterSeconds !== undefined,
});

export const tamperNeedsClaims = rule<Fault>({
  id: "tamper-needs-claims",
  cel: "self.type != 'tamper' || has(self.tamper)",
  message: "type tamper needs tamper.claims (the claims to change)",
  fieldPath: ".tamper",
  check: (f) => f.type !== "tamper" || f.tamper !== undefined,
});

export const malformedNeedsVariant = rule<Fault>({
  id: "malformed-needs-variant",
  cel: "self.type != 'malformed' || has(self.malformed)",
  message: "type malformed needs malformed.variant",
  fieldPath: ".malformed",
  check: (f) => f.type !== "malformed" || f.malformed !== undefined,
});

export const delayNeedsParams = rule<Fault>({
  id: "delay-needs-params",
  cel: "self.type != 'delay' || has(self.delay)",
  message: "type delay needs a delay block (ms, or minMs and maxMs)",
  fieldPath: ".delay",
  check: (f) => f.type !== "delay" || f.delay !== undefined,
});

export const scopeEdgeNeedsRequire = rule<Fault>({
  id: "scope-edge-needs-require",
  cel:
    "self.type != 'scope' || (has(self.at) && self.at == 'upstream') || " +
    "(has(self.scope) && has(self.scope.require))",
  message: "type scope at the edge needs scope.require (the scopes the endpoint demands)",
  fieldPath: ".scope",
  check: (f) => f.type !== "scope" || isUpstream(f) || f.scope?.require !== undefined,
});

export const scopeUpstreamNeedsRemove = rule<Fault>({
  id: "scope-upstream-needs-remove",
  cel:
    "self.type != 'scope' || !has(self.at) || self.at != 'upstream' || " +
    "(has(self.scope) && has(self.scope.remove))",
  message: "type scope at: upstream needs scope.remove (the scopes taken out of the token)",
  fieldPath: ".scope",
  check: (f) => f.type !== "scope" || !isUpstream(f) || f.scope?.remove !== undefined,
});

export const upstreamFormExists = rule<Fault>({
  id: "upstream-form-exists",
  cel: `!has(self.at) || self.at != 'upstream' || self.type in ${celList(UPSTREAM_FAULTS)}`,
  message: `at: upstream is only for faults with an upstream form: ${UPSTREAM_FAULTS.join(", ")}`,
  fieldPath: ".at",
  check: (f) => !isUpstream(f) || UPSTREAM_FAULTS.includes(f.type),
});

export const upstreamOnly = rule<Fault>({
  id: "upstream-only",
  cel: `!(self.type in ${celList(UPSTREAM_ONLY_FAULTS)}) || !has(self.at) || self.at == 'upstream'`,
  message: `${UPSTREAM_ONLY_FAULTS.join(", ")} only acts upstream: set at: upstream or leave at out`,
  fieldPath: ".at",
  check: (f) => !UPSTREAM_ONLY_FAULTS.includes(f.type) || f.at === undefined || isUpstream(f),
});

export const FAULT_RULES: readonly Rule[] = [
  ...blockMatchesType,
  revokeNeedsThreshold,
  tamperNeedsClaims,
  malformedNeedsVariant,
  delayNeedsParams,
  scopeEdgeNeedsRequire,
  scopeUpstreamNeedsRemove,
  upstreamFormExists,
  upstreamOnly,
];

// ---- fault parameters ------------------------------------------------------------------

const distribution = (d: DelayParams): string => d.distribution ?? "fixed";

export const DELAY_RULES: readonly Rule[] = [
  rule<DelayParams>({
    id: "delay-fixed-needs-ms",
    cel: "(has(self.distribution) && self.distribution != 'fixed') || has(self.ms)",
    message: "a fixed delay needs ms",
    fieldPath: ".ms",
    check: (d) => distribution(d) !== "fixed" || d.ms !== undefined,
  }),
  rule<DelayParams>({
    id: "delay-uniform-needs-bounds",
    cel:
      "!has(self.distribution) || self.distribution != 'uniform' || " +
      "(has(self.minMs) && has(self.maxMs))",
    message: "a uniform delay needs minMs and maxMs",
    check: (d) => distribution(d) !== "uniform" || (d.minMs !== undefined && d.maxMs !== undefined),
  }),
  rule<DelayParams>({
    id: "delay-normal-needs-mean-stddev",
    cel:
      "!has(self.distribution) || self.distribution != 'normal' || " +
      "(has(self.ms) && has(self.stddevMs))",
    message: "a normal delay needs ms (the mean) and stddevMs",
    check: (d) => distribution(d) !== "normal" || (d.ms !== undefined && d.stddevMs !== undefined),
  }),
  rule<DelayParams>({
    id: "delay-stddev-only-normal",
    cel: "!has(self.stddevMs) || (has(self.distribution) && self.distribution == 'normal')",
    message: "stddevMs is only for distribution: normal",
    fieldPath: ".stddevMs",
    check: (d) => d.stddevMs === undefined || distribution(d) === "normal",
  }),
  rule<DelayParams>({
    id: "delay-min-max",
    cel: "!has(self.minMs) || !has(self.maxMs) || self.minMs <= self.maxMs",
    message: "minMs must not exceed maxMs",
    fieldPath: ".minMs",
    check: (d) => d.minMs === undefined || d.maxMs === undefined || d.minMs <= d.maxMs,
  }),
  rule<DelayParams>({
    id: "delay-ms-within-bounds",
    cel:
      "!has(self.ms) || ((!has(self.minMs) || self.minMs <= self.ms) && " +
      "(!has(self.maxMs) || self.ms <= self.maxMs))",
    message: "ms must lie between minMs and maxMs",
    fieldPath: ".ms",
    check: (d) =>
      d.ms === undefined ||
      ((d.minMs === undefined || d.minMs <= d.ms) && (d.maxMs === undefined || d.ms <= d.maxMs)),
  }),
];

const errorKind = (e: ErrorParams): string => e.kind ?? "grpc";

export const ERROR_RULES: readonly Rule[] = [
  rule<ErrorParams>({
    id: "error-grpc-code-kind",
    cel: "!has(self.grpcCode) || !has(self.kind) || self.kind != 'http'",
    message: "grpcCode is only for kind: grpc or timeout",
    fieldPath: ".grpcCode",
    check: (e) => e.grpcCode === undefined || errorKind(e) !== "http",
  }),
  rule<ErrorParams>({
    id: "error-http-status-kind",
    cel: "!has(self.httpStatus) || (has(self.kind) && self.kind != 'grpc')",
    message: "httpStatus is only for kind: http or timeout",
    fieldPath: ".httpStatus",
    check: (e) => e.httpStatus === undefined || errorKind(e) !== "grpc",
  }),
  rule<ErrorParams>({
    id: "error-timeout-kind",
    cel: "!has(self.timeoutMs) || (has(self.kind) && self.kind == 'timeout')",
    message: "timeoutMs is only for kind: timeout",
    fieldPath: ".timeoutMs",
    check: (e) => e.timeoutMs === undefined || errorKind(e) === "timeout",
  }),
];

export const denyBodyBytes = rule<string>({
  id: "deny-body-bytes",
  cel: `bytes(self).size() <= ${LIMITS.maxDenyBodyBytes}`,
  message: `must be at most ${LIMITS.maxDenyBodyBytes} bytes`,
  check: (s) => Buffer.byteLength(s, "utf8") <= LIMITS.maxDenyBodyBytes,
});

// No CEL: the API server does not expose a typeless (any JSON) field such as `value` to CEL.
export const tamperValueOrRemove = rule<TamperClaim>({
  id: "tamper-value-or-remove",
  message: "set value, or remove: true, but not both",
  check: (c) => (c.value !== undefined) !== (c.remove === true),
});

export const tokenEndpointOutageNoDescription = rule<TokenEndpointParams>({
  id: "token-endpoint-outage-no-description",
  cel: "!has(self.status) || has(self.error) || !has(self.description)",
  message:
    "description needs error: status alone answers with an outage page, which has no description",
  fieldPath: ".description",
  check: (t) => t.status === undefined || t.error !== undefined || t.description === undefined,
});

export const introspectionStatusOnlyError = rule<IntrospectionParams>({
  id: "introspection-status-only-error",
  cel: "!has(self.status) || (has(self.behaviour) && self.behaviour == 'error')",
  message: "status is only for behaviour: error",
  fieldPath: ".status",
  check: (i) => i.status === undefined || i.behaviour === "error",
});

export const KEYSET_RULES: readonly Rule[] = [
  rule<KeySetParams>({
    id: "keyset-stale-keys",
    cel: "(has(self.behaviour) && self.behaviour == 'stale') == has(self.staleKeys)",
    message: "staleKeys is required for behaviour: stale and only allowed with it",
    fieldPath: ".staleKeys",
    check: (k) => (k.behaviour === "stale") === (k.staleKeys !== undefined),
  }),
  rule<KeySetParams>({
    id: "keyset-status-only-unavailable",
    cel: "!has(self.status) || !has(self.behaviour) || self.behaviour == 'unavailable'",
    message: "status is only for behaviour: unavailable",
    fieldPath: ".status",
    check: (k) => k.status === undefined || (k.behaviour ?? "unavailable") === "unavailable",
  }),
];

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** No CEL: CEL cannot parse JSON. A stale JWKS is a key set; a stale discovery document an object. */
export const staleJwksIsKeySet = rule<KeySetParams>({
  id: "stale-jwks-is-key-set",
  message: "staleKeys must be a JSON key set: an object with a keys list",
  fieldPath: ".staleKeys",
  check: (k) => k.staleKeys === undefined || Array.isArray(parseObject(k.staleKeys)?.keys),
});

export const staleDiscoveryIsObject = rule<KeySetParams>({
  id: "stale-discovery-is-object",
  message: "staleKeys must be a JSON object (the discovery document served)",
  fieldPath: ".staleKeys",
  check: (k) => k.staleKeys === undefined || parseObject(k.staleKeys) !== undefined,
});

// ---- schedule, ramp, conditions --------------------------------------------------------

export const rampOrder = rule<Ramp>({
  id: "ramp-order",
  cel: "self.from <= self.to",
  message: "ramp.from must not exceed ramp.to",
  fieldPath: ".from",
  check: (r) => r.from <= r.to,
});

// Five space-separated fields of values, names, ranges, lists and steps; written without
// backslashes so it reads the same in CEL, YAML and TypeScript.
const CRON_ELEMENT = "([*]|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(/[0-9]+)?";
const CRON_FIELD = `${CRON_ELEMENT}(,${CRON_ELEMENT})*`;
export const CRON_PATTERN = `^ *${CRON_FIELD}( +${CRON_FIELD}){4} *$`;

export const cronWellFormed = rule<string>({
  id: "cron-five-fields",
  cel: `self.matches('${CRON_PATTERN}')`,
  message:
    "cron must have five fields (minute hour day-of-month month day-of-week), each a value, name, range, list or step",
  check: (s) => {
    if (!new RegExp(CRON_PATTERN).test(s)) return false;
    const parsed = parseCron(s);
    if (!parsed.ok) return `cron: ${parsed.error}`;
    return canEverFire(parsed.cron) || "cron never fires (no such day in the chosen months)";
  },
});

export const timeZoneKnown = rule<string>({
  id: "time-zone-known",
  message: "timeZone must be an IANA time zone such as Europe/Berlin or UTC",
  check: (s) => isKnownTimeZone(s),
});

export const SCHEDULE_RULES: readonly Rule[] = [
  rule<Schedule>({
    id: "end-after-start",
    cel: "!has(self.startAt) || !has(self.endAt) || self.endAt > self.startAt",
    message: "endAt must be after startAt",
    fieldPath: ".endAt",
    check: (s) => {
      const start = parseTimestamp(s.startAt);
      const end = parseTimestamp(s.endAt);
      return start === undefined || end === undefined || end > start;
    },
  }),
  rule<Schedule>({
    id: "time-zone-needs-cron",
    cel: "!has(self.timeZone) || has(self.cron)",
    message: "timeZone is only used with cron",
    fieldPath: ".timeZone",
    check: (s) => s.timeZone === undefined || s.cron !== undefined,
  }),
  rule<Schedule>({
    id: "ramp-within-duration",
    cel:
      `!has(self.ramp) || !self.ramp.over.matches('${DURATION_SYNTAX}') || ` +
      `!self.duration.matches('${DURATION_SYNTAX}') || ` +
      "duration(self.ramp.over) <= duration(self.duration)",
    message: "ramp.over must not exceed duration",
    fieldPath: ".ramp.over",
    check: (s) => {
      if (s.ramp === undefined) return true;
      const over = parseDuration(s.ramp.over);
      const duration = parseDuration(s.duration);
      return over === undefined || duration === undefined || over <= duration;
    },
  }),
];

export const thresholdOneOf = rule<PrometheusCondition>({
  id: "threshold-one-of",
  cel: "has(self.above) != has(self.below)",
  message: "set exactly one of above or below",
  check: (p) => (p.above !== undefined) !== (p.below !== undefined),
});
