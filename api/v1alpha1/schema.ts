// The TokenChaosExperiment schema, described once in TypeScript.
//
// Why a description in code rather than hand-written YAML: three things must agree on every
// field, bound and rule: the CRD the API server enforces, `token-chaos validate` (and the
// operator, which must never trust a stored object blindly), and the field reference in docs/.
// From this one description scripts/gen-crd.ts writes crds/tokenchaosexperiments.yaml and
// docs/resource.md (tests fail when either is stale), and validate.ts walks it for the
// structural half of validation. The TypeScript interfaces in types.ts stay the source of truth
// for shape; test/unit/api/crd-types-agree.test.ts proves this description has exactly their
// properties, required fields and enums.

import {
  cronWellFormed,
  DELAY_RULES,
  DURATION_SYNTAX,
  denyBodyBytes,
  durationRange,
  ERROR_RULES,
  FAULT_RULES,
  introspectionStatusOnlyError,
  KEYSET_RULES,
  matcherOneOf,
  pathOneOf,
  rampOrder,
  regexCompiles,
  SCHEDULE_RULES,
  staleDiscoveryIsObject,
  staleJwksIsKeySet,
  tamperValueOrRemove,
  targetNotEmpty,
  thresholdOneOf,
  timeZoneKnown,
  tokenEndpointOutageNoDescription,
} from "./rules.ts";
import type { Rule, SchemaNode } from "./schema-node.ts";
import {
  DELAY_DISTRIBUTIONS,
  ERROR_KINDS,
  FAULT_FORMS,
  FAULT_TYPES,
  HTTP_METHODS,
  INTROSPECTION_BEHAVIOURS,
  KEYSET_BEHAVIOURS,
  LIMITS,
  MALFORMED_VARIANTS,
  MODES,
  PHASES,
  REVOKE_KEYS,
  ROTATE_ALGORITHMS,
  SIGNATURE_CORRUPTIONS,
  TOKEN_ENDPOINT_ERRORS,
} from "./types.ts";

export type { Rule, SchemaNode } from "./schema-node.ts";

// ---- patterns (anchored, in the syntax Go's regexp and JavaScript share) ----------------

export const DURATION_PATTERN = DURATION_SYNTAX;
export const RFC3339_PATTERN =
  "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$";
const HOST_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const HOST_PATTERN = `^([*][.])?${HOST_LABEL}([.]${HOST_LABEL})*(:[0-9]{1,5})?$`;
const PATH_PATTERN = "^/[^ \\t\\r\\n]*$";
const HEADER_NAME_PATTERN = "^:?[A-Za-z0-9!#$%&'*+.^_`|~-]+$";
const HEADER_VALUE_PATTERN = "^[^\\r\\n\\x00]*$";
const NO_SPACE_PATTERN = "^[^ \\t\\r\\n]+$";
const SCOPE_PATTERN = "^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$";
const URL_PATTERN = "^https?://[^ \\t\\r\\n]+$";
const TIME_ZONE_PATTERN = "^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$";
const CONDITION_TYPE_PATTERN =
  "^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$";
const CONDITION_REASON_PATTERN = "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$";

// ---- node builders ----------------------------------------------------------------------

type Extra = Omit<SchemaNode, "type" | "description">;

const str = (description: string, extra: Extra = {}): SchemaNode => ({
  type: "string",
  description,
  maxLength: LIMITS.maxStringLength,
  ...extra,
});
const int = (description: string, minimum: number, maximum: number, extra: Extra = {}) =>
  ({ type: "integer", description, minimum, maximum, ...extra }) satisfies SchemaNode;
const num = (description: string, minimum: number, maximum: number): SchemaNode => ({
  type: "number",
  description,
  minimum,
  maximum,
});
const bool = (description: string, extra: Extra = {}): SchemaNode => ({
  type: "boolean",
  description,
  ...extra,
});
const obj = (
  description: string,
  properties: Record<string, SchemaNode>,
  extra: Extra = {},
): SchemaNode => ({ type: "object", description, properties, ...extra });
const list = (description: string, items: SchemaNode, maxItems: number, extra: Extra = {}) =>
  ({ type: "array", description, items, minItems: 1, maxItems, ...extra }) satisfies SchemaNode;
const oneOf = (description: string, values: readonly string[], extra: Extra = {}): SchemaNode => ({
  type: "string",
  description,
  enum: values,
  ...extra,
});
const duration = (description: string, min: string, max: string): SchemaNode =>
  str(description, {
    maxLength: 32,
    pattern: DURATION_PATTERN,
    patternHint: "must be a duration such as 500ms, 30s, 10m or 1h30m",
    rules: [durationRange(min, max)],
  });
const timestamp = (description: string): SchemaNode =>
  str(description, {
    maxLength: 64,
    format: "date-time",
    pattern: RFC3339_PATTERN,
    patternHint: "must be an RFC 3339 time such as 2026-12-01T10:00:00Z",
  });
const status = (description: string, minimum: number, maximum: number) =>
  int(description, minimum, maximum);

// ---- target -----------------------------------------------------------------------------

const regexNode = (what: string): SchemaNode =>
  str(
    `${what} matches this RE2 regular expression (anchor it with ^ and $ to match the whole value).`,
    {
      maxLength: LIMITS.maxRegexLength,
    },
  );

const stringMatch = (what: string): Record<string, SchemaNode> => ({
  exact: str(`${what} equals this value.`),
  prefix: str(`${what} starts with this value.`),
  regex: regexNode(what),
});

const pathMatch = obj(
  "A path matcher: exactly one of exact, prefix or regex. The query string is not part of the path.",
  {
    exact: str("The path equals this value.", {
      pattern: PATH_PATTERN,
      patternHint: "must start with /",
    }),
    prefix: str("The path starts with this value.", {
      pattern: PATH_PATTERN,
      patternHint: "must start with /",
    }),
    regex: regexNode("The path"),
  },
  { rules: [pathOneOf, regexCompiles] },
);

const namedMatcher = (what: string, nameNode: SchemaNode): SchemaNode =>
  obj(
    `A ${what} matcher: exactly one of exact, prefix, regex or present. present: true matches any value; present: false matches when the ${what} is absent.`,
    {
      name: nameNode,
      ...stringMatch(`The ${what} value`),
      present: bool(`true: the ${what} is present with any value; false: it is absent.`),
    },
    { required: ["name"], rules: [matcherOneOf, regexCompiles] },
  );

const headerName = (description: string): SchemaNode =>
  str(description, {
    maxLength: 128,
    minLength: 1,
    pattern: HEADER_NAME_PATTERN,
    patternHint: "must be an HTTP header name",
  });
const headerValue = (description: string): SchemaNode =>
  str(description, {
    maxLength: LIMITS.maxStringLength,
    pattern: HEADER_VALUE_PATTERN,
    patternHint: "must not contain line breaks",
  });

const target = obj(
  "Which requests the experiment touches. Every condition given must match; at least one must be given, so the blast radius is always explicit.",
  {
    hosts: list(
      "Hosts (the :authority, without port unless one is given), lower case; *.example.com matches any subdomain.",
      str("A host name.", {
        pattern: HOST_PATTERN,
        patternHint: "must be a lower-case host name, optionally *. prefixed and :port suffixed",
      }),
      LIMITS.maxHosts,
      { listType: "set" },
    ),
    paths: list("Request paths; any one may match.", pathMatch, LIMITS.maxPaths),
    methods: list(
      "HTTP methods; any one may match.",
      oneOf("An HTTP method.", HTTP_METHODS),
      HTTP_METHODS.length,
      { listType: "set" },
    ),
    headers: list(
      "Request header matchers; all must match. Names match case-insensitively.",
      namedMatcher("header", headerName("Header name.")),
      LIMITS.maxMatchers,
    ),
    sourcePrincipals: list(
      "Peer identities (e.g. spiffe://cluster.local/ns/shop/sa/frontend) as the proxy reports them; any one may match.",
      str("A principal.", {
        minLength: 1,
        pattern: NO_SPACE_PATTERN,
        patternHint: "must not contain spaces",
      }),
      LIMITS.maxPrincipals,
      { listType: "set" },
    ),
    claims: list(
      "JWT claim matchers on the decoded (unverified) bearer token; all must match. A request without a JWT does not match.",
      namedMatcher(
        "claim",
        str("Claim name, e.g. client_id.", {
          minLength: 1,
          pattern: NO_SPACE_PATTERN,
          patternHint: "must not contain spaces",
        }),
      ),
      LIMITS.maxMatchers,
    ),
    optInHeader: obj(
      "Only requests that carry this header with this value are touched: a way to let a client ask for chaos.",
      {
        name: headerName("Header name, e.g. x-token-chaos."),
        value: headerValue("Exact header value, e.g. on."),
      },
      { required: ["name", "value"] },
    ),
  },
  { rules: [targetNotEmpty] },
);

// ---- faults -----------------------------------------------------------------------------

const scopeList = (description: string): SchemaNode =>
  list(
    description,
    str("An OAuth scope.", {
      pattern: SCOPE_PATTERN,
      patternHint: "must be an OAuth scope token (no spaces or quotes)",
    }),
    LIMITS.maxScopes,
    { listType: "set" },
  );

const keySet = (what: string, staleRule: Rule): SchemaNode =>
  obj(
    `How the ${what} endpoint fails.`,
    {
      behaviour: oneOf(
        "unavailable (an error status, default), malformed (invalid JSON), stale (the staleKeys document), empty (no keys).",
        KEYSET_BEHAVIOURS,
      ),
      status: status("For unavailable: the HTTP status (default 503).", 400, 599),
      staleKeys: str(
        "For stale: the document served instead (JSON text), e.g. a key set missing the newest keys.",
        { maxLength: 4 * LIMITS.maxDenyBodyBytes },
      ),
    },
    { rules: [...KEYSET_RULES, staleRule] },
  );

const fault = obj(
  "One fault. Only the parameter block named for its type may be set.",
  {
    type: oneOf("The fault.", FAULT_TYPES),
    percent: num("Share of matching requests that get this fault, 0-100 (default 100).", 0, 100),
    at: oneOf(
      "edge: answer in place of the service (deny, delay, error). upstream: forward the request with a broken token, so the service's own validation is tested. Default edge (upstream for tamper).",
      FAULT_FORMS,
    ),
    correlationHeader: bool(
      "Add an x-token-chaos response header naming the fault (default on for edge forms).",
    ),
    expire: obj("Parameters of expire.", {
      by: duration(
        "Upstream form: how far into the past exp is moved (default 1h).",
        "1s",
        "8760h",
      ),
    }),
    revoke: obj(
      "Parameters of revoke: each token works for its first requests or seconds, then is refused for the rest of the window.",
      {
        key: oneOf(
          "How a token is identified: jti (default, falling back to hash), sub or hash.",
          REVOKE_KEYS,
        ),
        afterRequests: int(
          "Allow this many requests per token, then refuse.",
          0,
          LIMITS.maxRevokeRequests,
        ),
        afterSeconds: int(
          "Allow this many seconds from a token's first request, then refuse (whichever comes first).",
          0,
          LIMITS.maxRevokeSeconds,
        ),
      },
    ),
    scope: obj("Parameters of scope.", {
      require: scopeList("Edge form: the scopes the endpoint demands, named in the 403 answer."),
      remove: scopeList("Upstream form: scopes removed from the token's scope/scp claim."),
    }),
    tamper: obj(
      "Parameters of tamper.",
      {
        claims: list(
          "Claims to change; the original signature is kept.",
          obj(
            "A claim to change: set value, or remove: true.",
            {
              name: str("Claim name, e.g. sub, role, aud.", {
                minLength: 1,
                pattern: NO_SPACE_PATTERN,
                patternHint: "must not contain spaces",
              }),
              value: { description: "The new value: any JSON (string, number, list, object)." },
              remove: bool("Remove the claim instead."),
            },
            { required: ["name"], rules: [tamperValueOrRemove] },
          ),
          LIMITS.maxTamperClaims,
          { listType: "map", listMapKeys: ["name"] },
        ),
      },
      { required: ["claims"] },
    ),
    corruptSignature: obj("Parameters of corrupt-signature.", {
      method: oneOf(
        "flip (default) some signature bits, truncate it, or zero it.",
        SIGNATURE_CORRUPTIONS,
      ),
    }),
    rotate: obj("Parameters of rotate.", {
      algorithm: oneOf(
        "Algorithm of the key the token is re-signed with; auto keeps the token's own family.",
        ROTATE_ALGORITHMS,
      ),
      jwks: obj(
        "JWKS takeover: answer the identity provider's JWKS endpoint with its real keys plus the new key, as a real rotation would.",
        {
          url: str("The real JWKS URL the existing keys are fetched from.", {
            maxLength: 2048,
            pattern: URL_PATTERN,
            patternHint: "must be an http(s) URL",
          }),
          host: str("Host of the JWKS endpoint as the mesh sees it (default: the URL's host).", {
            pattern: HOST_PATTERN,
            patternHint: "must be a lower-case host name, optionally :port suffixed",
          }),
          path: str("Path of the JWKS endpoint as the mesh sees it.", {
            maxLength: 1024,
            pattern: PATH_PATTERN,
            patternHint: "must start with /",
          }),
          cacheFor: duration("How long the fetched key set is cached (default 5m).", "1s", "24h"),
        },
        { required: ["url", "path"] },
      ),
    }),
    malformed: obj(
      "Parameters of malformed.",
      { variant: oneOf("How the Authorization header is broken.", MALFORMED_VARIANTS) },
      { required: ["variant"] },
    ),
    delay: obj(
      "Parameters of delay: the Check answer is held, then the request goes on.",
      {
        distribution: oneOf("fixed (default), uniform or normal.", DELAY_DISTRIBUTIONS),
        ms: int("Fixed delay, or the mean of a normal distribution.", 0, LIMITS.maxDelayMs),
        minMs: int("Lower bound (uniform; clamps normal).", 0, LIMITS.maxDelayMs),
        maxMs: int("Upper bound (uniform; clamps normal).", 0, LIMITS.maxDelayMs),
        stddevMs: int("Standard deviation of a normal distribution.", 0, LIMITS.maxDelayMs),
      },
      { rules: DELAY_RULES },
    ),
    error: obj(
      "Parameters of error: the authorization service itself fails, so the proxy's failure mode is exercised.",
      {
        kind: oneOf(
          "grpc (default): a gRPC status; http: an HTTP status; timeout: answer too late.",
          ERROR_KINDS,
        ),
        grpcCode: int(
          "gRPC status code: for kind grpc (default 14, UNAVAILABLE), or the code a timeout ends with (default 4).",
          1,
          16,
        ),
        httpStatus: status(
          "HTTP status: for kind http (default 503), or the status a timeout ends with (default 504).",
          500,
          599,
        ),
        timeoutMs: int(
          "For kind timeout: how long to hold the Check, past the proxy's limit (default 5000).",
          1,
          LIMITS.maxDelayMs,
        ),
      },
      { rules: ERROR_RULES },
    ),
    deny: obj("Parameters of deny: any answer at all.", {
      status: status("HTTP status (default 403).", 100, 599),
      body: str("Response body.", { maxLength: LIMITS.maxDenyBodyBytes, rules: [denyBodyBytes] }),
      headers: list(
        "Response headers.",
        obj(
          "A response header.",
          { name: headerName("Header name."), value: headerValue("Header value.") },
          { required: ["name", "value"] },
        ),
        LIMITS.maxDenyHeaders,
      ),
    }),
    tokenEndpoint: obj(
      "Parameters of token-endpoint: the identity provider's token endpoint answers with an RFC 6749 error or an outage.",
      {
        error: oneOf(
          "RFC 6749 section 5.2 error code (default temporarily_unavailable unless status is given).",
          TOKEN_ENDPOINT_ERRORS,
        ),
        description: str("error_description in the answer.", { maxLength: 1024 }),
        grantTypes: list(
          "Only token requests for these grant types (read from the form body when the proxy forwards it).",
          str("A grant type, e.g. refresh_token.", {
            minLength: 1,
            pattern: NO_SPACE_PATTERN,
            patternHint: "must not contain spaces",
          }),
          LIMITS.maxMatchers,
          { listType: "set" },
        ),
        status: status(
          "With error: the status of the error answer (instead of the RFC's usual one). Alone: the provider's outage page with this status.",
          400,
          599,
        ),
      },
      { rules: [tokenEndpointOutageNoDescription] },
    ),
    introspection: obj(
      "Parameters of introspection (RFC 7662).",
      {
        behaviour: oneOf(
          'inactive (default): {"active": false}; error: an error status.',
          INTROSPECTION_BEHAVIOURS,
        ),
        status: status("For error: the HTTP status (default 503).", 400, 599),
      },
      { rules: [introspectionStatusOnlyError] },
    ),
    jwks: keySet("JWKS", staleJwksIsKeySet),
    discovery: keySet("OIDC discovery", staleDiscoveryIsObject),
  },
  { required: ["type"], rules: FAULT_RULES },
);

// ---- schedule, conditions ----------------------------------------------------------------

const schedule = obj(
  "When the experiment injects. Faults act only inside a window; outside, nothing is touched.",
  {
    startAt: timestamp(
      "Start of the first window (RFC 3339). Default: when the experiment is first seen.",
    ),
    duration: duration("Length of each window, from 1s to 24h.", "1s", "24h"),
    cron: str(
      "Five-field cron expression (minute hour day-of-month month day-of-week) that opens a window each time it fires, at or after startAt. A window closes early when the next opens.",
      { maxLength: 128, rules: [cronWellFormed] },
    ),
    timeZone: str("IANA time zone for cron (default UTC).", {
      maxLength: 64,
      minLength: 1,
      pattern: TIME_ZONE_PATTERN,
      patternHint: "must be an IANA time zone such as Europe/Berlin",
      rules: [timeZoneKnown],
    }),
    endAt: timestamp("No window opens at or after this time, and an open window closes at it."),
    ramp: obj(
      "Raise the injected share over the start of each window: each fault's percent is scaled by a value going linearly from `from` to `to` over `over`.",
      {
        from: num("Starting value, percent.", 0, 100),
        to: num("Final value, percent.", 0, 100),
        over: duration("How long the ramp takes, at most the window's duration.", "1s", "24h"),
      },
      { required: ["from", "to", "over"], rules: [rampOrder] },
    ),
  },
  { required: ["duration"], rules: SCHEDULE_RULES },
);

const prometheusCondition = (what: string): SchemaNode =>
  obj(
    `A Prometheus query and a threshold: ${what}.`,
    {
      query: str("PromQL query returning one value.", {
        maxLength: LIMITS.maxQueryLength,
        minLength: 1,
      }),
      above: { type: "number", description: "Holds when the value is above this." },
      below: { type: "number", description: "Holds when the value is below this." },
      for: duration("How long the condition must hold (default 0s).", "0s", "24h"),
    },
    { required: ["query"], rules: [thresholdOneOf] },
  );

// ---- spec and status ---------------------------------------------------------------------

export const SPEC_SCHEMA: SchemaNode = obj(
  "What to break, for which requests, and when.",
  {
    target,
    faults: list("The faults to inject into matching requests.", fault, LIMITS.maxFaults),
    schedule,
    mode: oneOf(
      "enforce: inject. dryRun: count what would be injected and inject nothing.",
      MODES,
      {
        default: "enforce",
      },
    ),
    sticky: bool("The same token gets the same verdict for the whole window (default true).", {
      default: true,
    }),
    paused: bool("Stop injecting now; the schedule is kept."),
    guard: obj(
      "Stop condition: the experiment is aborted while it holds.",
      { prometheus: prometheusCondition("the experiment is aborted when it holds") },
      { required: ["prometheus"] },
    ),
    steadyState: obj(
      "Recovery measurement: after a window, the time until this condition holds is reported.",
      {
        prometheus: prometheusCondition("the system counts as recovered when it holds"),
        timeout: duration("Give up measuring recovery after this long (default 10m).", "1s", "24h"),
      },
      { required: ["prometheus"] },
    ),
  },
  { required: ["target", "faults", "schedule"] },
);

const window = (what: string): SchemaNode =>
  obj(
    what,
    { start: timestamp("Window start."), end: timestamp("Window end.") },
    { required: ["start", "end"] },
  );

const count = (description: string) => int(description, 0, Number.MAX_SAFE_INTEGER);

export const STATUS_SCHEMA: SchemaNode = obj("What the operator observed.", {
  phase: oneOf("Where the experiment is in its life.", PHASES),
  observedGeneration: count("The generation of the spec this status describes."),
  message: str("Human-readable detail, e.g. why it is Invalid.", { maxLength: 1024 }),
  conditions: list(
    "Standard conditions (metav1.Condition).",
    obj(
      "A condition.",
      {
        type: str("Condition type, e.g. Ready.", {
          maxLength: 316,
          pattern: CONDITION_TYPE_PATTERN,
          patternHint: "must be a condition type such as Ready",
        }),
        status: oneOf("True, False or Unknown.", ["True", "False", "Unknown"]),
        observedGeneration: count("The generation the condition was set for."),
        lastTransitionTime: timestamp("When the status last changed."),
        reason: str("CamelCase reason.", {
          maxLength: 1024,
          minLength: 1,
          pattern: CONDITION_REASON_PATTERN,
          patternHint: "must be a CamelCase reason",
        }),
        message: str("Human-readable message.", { maxLength: 32768 }),
      },
      { required: ["type", "status", "lastTransitionTime", "reason", "message"] },
    ),
    16,
    { minItems: 0, listType: "map", listMapKeys: ["type"] },
  ),
  currentWindow: window("The window open now, if any."),
  nextWindow: window("The next window to open, if any."),
  injections: obj(
    "What the data plane did, summed over replicas.",
    {
      total: count("Injections so far."),
      byFault: {
        type: "object",
        description: "Injections by fault type.",
        additionalProperties: count("Injections of this fault."),
        maxProperties: 32,
      },
      dryRun: count("Injections counted but not made (dryRun)."),
      skipped: count("Requests that matched but could not take the fault (e.g. no JWT)."),
    },
    { required: ["total"] },
  ),
  recovery: obj("Recovery after the last window, from steadyState.", {
    seconds: {
      type: "number",
      description: "Seconds from the window's end until steady state.",
      minimum: 0,
    },
    measuredAt: timestamp("When recovery was measured."),
    state: oneOf("Measuring, Recovered or TimedOut.", ["Measuring", "Recovered", "TimedOut"]),
  }),
  faultSummary: str("Fault types, for kubectl get, e.g. expire,revoke.", { maxLength: 256 }),
  percentSummary: str("Injected shares, for kubectl get, e.g. 25%,10%.", { maxLength: 256 }),
});
