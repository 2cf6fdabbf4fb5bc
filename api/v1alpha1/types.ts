// The TokenChaosExperiment resource, as users write it and as the operator reports it.
// This file is the single source of truth for the shape of the resource in TypeScript; the
// CRD's OpenAPI schema under crds/ is checked against the constants here by a test
// (test/unit/api/crd-types-agree.test.ts), so the two cannot drift apart silently.

export const GROUP = "chaos.tokenchaos.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;
export const KIND = "TokenChaosExperiment";
export const PLURAL = "tokenchaosexperiments";
export const SHORT_NAME = "tce";

/** Every fault the engine knows. Request faults first, identity-provider faults after. */
export const FAULT_TYPES = [
  "expire",
  "revoke",
  "scope",
  "tamper",
  "corrupt-signature",
  "rotate",
  "malformed",
  "strip",
  "delay",
  "error",
  "deny",
  "token-endpoint",
  "introspection",
  "jwks",
  "discovery",
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

/** Where a fault acts: deny at the edge, or forward with a broken token upstream. */
export const FAULT_FORMS = ["edge", "upstream"] as const;
export type FaultForm = (typeof FAULT_FORMS)[number];

/** Faults that have an upstream form (the request goes on with a broken token). */
export const UPSTREAM_FAULTS: readonly FaultType[] = [
  "expire",
  "scope",
  "tamper",
  "corrupt-signature",
  "rotate",
  "malformed",
  "strip",
];
/** Faults that only exist upstream (there is no sensible denial for them). */
export const UPSTREAM_ONLY_FAULTS: readonly FaultType[] = ["tamper"];

export const MODES = ["enforce", "dryRun"] as const;
export type Mode = (typeof MODES)[number];

export const PHASES = [
  "Pending",
  "Scheduled",
  "Running",
  "Paused",
  "Completed",
  "Aborted",
  "Invalid",
] as const;
export type Phase = (typeof PHASES)[number];

export const MALFORMED_VARIANTS = [
  "no-scheme",
  "empty-token",
  "wrong-scheme",
  "lowercase-scheme",
  "extra-spaces",
  "two-segments",
  "bad-base64",
  "oversize",
] as const;
export type MalformedVariant = (typeof MALFORMED_VARIANTS)[number];

export const REVOKE_KEYS = ["jti", "sub", "hash"] as const;
export type RevokeKey = (typeof REVOKE_KEYS)[number];

export const DELAY_DISTRIBUTIONS = ["fixed", "uniform", "normal"] as const;
export type DelayDistribution = (typeof DELAY_DISTRIBUTIONS)[number];

export const ERROR_KINDS = ["grpc", "http", "timeout"] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export const SIGNATURE_CORRUPTIONS = ["flip", "truncate", "zero"] as const;
export type SignatureCorruption = (typeof SIGNATURE_CORRUPTIONS)[number];

export const ROTATE_ALGORITHMS = ["auto", "RS256", "PS256", "ES256", "EdDSA"] as const;
export type RotateAlgorithm = (typeof ROTATE_ALGORITHMS)[number];

export const HTTP_METHODS = [
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
  "CONNECT",
  "TRACE",
] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Bounds shared by the CRD schema, offline validation and the data plane. */
export const LIMITS = {
  maxFaults: 8,
  maxHosts: 32,
  maxPaths: 32,
  maxMatchers: 16,
  maxPrincipals: 32,
  maxScopes: 32,
  maxTamperClaims: 16,
  maxDenyHeaders: 16,
  maxDenyBodyBytes: 4096,
  maxDelayMs: 60_000,
  maxDurationMs: 24 * 60 * 60 * 1000,
  minDurationMs: 1000,
  maxRevokeRequests: 1_000_000,
  maxRevokeSeconds: 86_400,
  maxStringLength: 253,
  maxRegexLength: 256,
  maxQueryLength: 4096,
} as const;

/** A string comparison: exactly one of the fields is set. */
export interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}

/** A path matcher: exactly one of exact, prefix or regex. */
export type PathMatch = StringMatch;

/** A request header matcher; `present: true` matches any value. */
export interface HeaderMatch extends StringMatch {
  name: string;
  present?: boolean;
}

/** A JWT claim matcher, evaluated on the decoded (unverified) token payload. */
export interface ClaimMatch extends StringMatch {
  name: string;
  present?: boolean;
}

export interface OptInHeader {
  name: string;
  value: string;
}

/** Which requests an experiment touches. Every given condition must match. */
export interface Target {
  hosts?: string[];
  paths?: PathMatch[];
  methods?: HttpMethod[];
  headers?: HeaderMatch[];
  sourcePrincipals?: string[];
  claims?: ClaimMatch[];
  optInHeader?: OptInHeader;
}

export interface ExpireParams {
  /** How far into the past `exp` is moved for the upstream form, e.g. "1h". Default 1h. */
  by?: string;
}

export interface RevokeParams {
  /** How the token is identified. Default jti, falling back to a hash when absent. */
  key?: RevokeKey;
  /** Allow this many requests per token, then deny. */
  afterRequests?: number;
  /** Allow this many seconds from a token's first request, then deny. */
  afterSeconds?: number;
}

export interface ScopeParams {
  /** Edge form: the scope the endpoint demands, named in the 403. */
  require?: string[];
  /** Upstream form: scopes removed from the `scope`/`scp` claim. */
  remove?: string[];
}

export interface TamperClaim {
  name: string;
  /** Any JSON value; omitted together with `remove: true` to delete the claim. */
  value?: unknown;
  remove?: boolean;
}

export interface TamperParams {
  claims: TamperClaim[];
}

export interface CorruptSignatureParams {
  method?: SignatureCorruption;
}

export interface RotateParams {
  /** Signing algorithm for the re-signed token; auto keeps the token's own family. */
  algorithm?: RotateAlgorithm;
  /** Optional JWKS takeover: answer the identity provider's JWKS endpoint with old + new keys. */
  jwks?: JwksTakeover;
}

export interface JwksTakeover {
  /** The real JWKS URL to fetch the existing keys from. */
  url: string;
  /** Host and path of the JWKS endpoint as the mesh sees it. */
  host?: string;
  path: string;
  /** How long the fetched key set is cached, e.g. "5m". */
  cacheFor?: string;
}

export interface MalformedParams {
  variant: MalformedVariant;
}

export interface DelayParams {
  distribution?: DelayDistribution;
  /** Fixed delay, or the mean of a normal distribution, in milliseconds. */
  ms?: number;
  minMs?: number;
  maxMs?: number;
  stddevMs?: number;
}

export interface ErrorParams {
  kind?: ErrorKind;
  /** gRPC status code for kind grpc (default 14, UNAVAILABLE). */
  grpcCode?: number;
  /** HTTP status for kind http (default 503). */
  httpStatus?: number;
  /** For kind timeout: how long to hold the Check before answering, past the proxy's limit. */
  timeoutMs?: number;
}

export interface NameValue {
  name: string;
  value: string;
}

export interface DenyParams {
  status?: number;
  body?: string;
  headers?: NameValue[];
}

export const TOKEN_ENDPOINT_ERRORS = [
  "invalid_request",
  "invalid_client",
  "invalid_grant",
  "unauthorized_client",
  "unsupported_grant_type",
  "invalid_scope",
  "temporarily_unavailable",
  "server_error",
] as const;
export type TokenEndpointError = (typeof TOKEN_ENDPOINT_ERRORS)[number];

export const GRANT_TYPES = [
  "client_credentials",
  "refresh_token",
  "authorization_code",
  "password",
  "urn:ietf:params:oauth:grant-type:device_code",
  "urn:ietf:params:oauth:grant-type:token-exchange",
] as const;

export interface TokenEndpointParams {
  /** RFC 6749 section 5.2 error code to answer with. */
  error?: TokenEndpointError;
  description?: string;
  /** Only requests for these grant types (from the form body when the proxy forwards it). */
  grantTypes?: string[];
  /** Answer with this status instead (e.g. 500, 503); the body is then the provider's outage page. */
  status?: number;
}

export const INTROSPECTION_BEHAVIOURS = ["inactive", "error"] as const;
export interface IntrospectionParams {
  behaviour?: (typeof INTROSPECTION_BEHAVIOURS)[number];
  status?: number;
}

export const KEYSET_BEHAVIOURS = ["unavailable", "malformed", "stale", "empty"] as const;
export interface KeySetParams {
  behaviour?: (typeof KEYSET_BEHAVIOURS)[number];
  status?: number;
  /** For stale: the key set served (as JSON text), missing the newest keys. */
  staleKeys?: string;
}

export interface Fault {
  type: FaultType;
  /** Share of matching requests, 0-100. Default 100. */
  percent?: number;
  at?: FaultForm;
  /** Add an `x-token-chaos` response header naming the fault (edge forms default on). */
  correlationHeader?: boolean;
  expire?: ExpireParams;
  revoke?: RevokeParams;
  scope?: ScopeParams;
  tamper?: TamperParams;
  corruptSignature?: CorruptSignatureParams;
  rotate?: RotateParams;
  malformed?: MalformedParams;
  delay?: DelayParams;
  error?: ErrorParams;
  deny?: DenyParams;
  tokenEndpoint?: TokenEndpointParams;
  introspection?: IntrospectionParams;
  jwks?: KeySetParams;
  discovery?: KeySetParams;
}

export interface Ramp {
  from: number;
  to: number;
  over: string;
}

export interface Schedule {
  /** RFC 3339 start of the first window. Default: when the experiment is first seen. */
  startAt?: string;
  /** Length of each window, e.g. "10m". Required, at most 24h. */
  duration: string;
  /** Five-field cron expression that opens a new window each time it fires. */
  cron?: string;
  /** IANA time zone for cron, default UTC. */
  timeZone?: string;
  /** Optional RFC 3339 end after which no window opens. */
  endAt?: string;
  ramp?: Ramp;
}

export interface PrometheusCondition {
  query: string;
  above?: number;
  below?: number;
  /** How long the condition must hold, e.g. "30s". */
  for?: string;
}

export interface Guard {
  prometheus: PrometheusCondition;
}

export interface SteadyState {
  prometheus: PrometheusCondition;
  /** Give up measuring recovery after this long, e.g. "10m". */
  timeout?: string;
}

export interface TokenChaosExperimentSpec {
  target: Target;
  faults: Fault[];
  schedule: Schedule;
  mode?: Mode;
  /** The same token gets the same verdict for the whole window. Default true. */
  sticky?: boolean;
  paused?: boolean;
  guard?: Guard;
  steadyState?: SteadyState;
}

/** metav1.Condition */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface Window {
  start: string;
  end: string;
}

export interface Injections {
  total: number;
  byFault?: Record<string, number>;
  dryRun?: number;
  skipped?: number;
}

export interface Recovery {
  seconds?: number;
  measuredAt?: string;
  state?: "Measuring" | "Recovered" | "TimedOut";
}

export interface TokenChaosExperimentStatus {
  phase?: Phase;
  observedGeneration?: number;
  message?: string;
  conditions?: Condition[];
  currentWindow?: Window;
  nextWindow?: Window;
  injections?: Injections;
  recovery?: Recovery;
  /** Short summary for printer columns, e.g. "expire,revoke". */
  faultSummary?: string;
  percentSummary?: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

export interface TokenChaosExperiment {
  apiVersion: typeof API_VERSION;
  kind: typeof KIND;
  metadata: ObjectMeta;
  spec: TokenChaosExperimentSpec;
  status?: TokenChaosExperimentStatus;
}
