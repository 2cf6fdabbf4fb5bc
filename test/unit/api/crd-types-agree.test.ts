// Proves the schema description (api/v1alpha1/schema.ts, from which the CRD is generated) and
// the TypeScript interfaces (api/v1alpha1/types.ts) describe the same resource:
// - PATHS and REQUIRED below are checked by the compiler against the interfaces (a missing or
//   extra entry fails `tsc`), and by this test against the schema (a missing or extra property
//   fails here), so schema and interfaces have the same properties and the same required ones;
// - every enum in the schema is a constant of types.ts, and every constant is used.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { buildCrd } from "../../../api/v1alpha1/crd.ts";
import { type SchemaNode, SPEC_SCHEMA, STATUS_SCHEMA } from "../../../api/v1alpha1/schema.ts";
import * as types from "../../../api/v1alpha1/types.ts";
import {
  type Condition,
  type CorruptSignatureParams,
  DELAY_DISTRIBUTIONS,
  type DelayParams,
  ERROR_KINDS,
  type ErrorParams,
  FAULT_FORMS,
  FAULT_TYPES,
  type Fault,
  HTTP_METHODS,
  INTROSPECTION_BEHAVIOURS,
  type IntrospectionParams,
  KEYSET_BEHAVIOURS,
  type KeySetParams,
  LIMITS,
  MALFORMED_VARIANTS,
  type MalformedParams,
  MODES,
  PHASES,
  REVOKE_KEYS,
  type Recovery,
  type RevokeParams,
  ROTATE_ALGORITHMS,
  type RotateParams,
  SIGNATURE_CORRUPTIONS,
  type Target,
  TOKEN_ENDPOINT_ERRORS,
  type TokenChaosExperimentSpec,
  type TokenChaosExperimentStatus,
  type TokenEndpointParams,
} from "../../../api/v1alpha1/types.ts";

// ---- type-level paths of the interfaces --------------------------------------------------

type IsMap<T> = string extends keyof T ? true : false;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

/** "spec.faults[].revoke.afterRequests" for every property; maps and `unknown` are leaves. */
type PathsOf<T, P extends string> = T extends readonly (infer U)[]
  ? PathsOf<U, `${P}[]`>
  : T extends object
    ? IsMap<T> extends true
      ? never
      : {
          [K in keyof T & string]-?: `${P}.${K}` | PathsOf<NonNullable<T[K]>, `${P}.${K}`>;
        }[keyof T & string]
    : never;

type RequiredPathsOf<T, P extends string> = T extends readonly (infer U)[]
  ? RequiredPathsOf<U, `${P}[]`>
  : T extends object
    ? IsMap<T> extends true
      ? never
      : {
          [K in keyof T & string]-?:
            | (K extends RequiredKeys<T> ? `${P}.${K}` : never)
            | RequiredPathsOf<NonNullable<T[K]>, `${P}.${K}`>;
        }[keyof T & string]
    : never;

type Paths =
  | PathsOf<TokenChaosExperimentSpec, "spec">
  | PathsOf<TokenChaosExperimentStatus, "status">;
type RequiredPaths =
  | RequiredPathsOf<TokenChaosExperimentSpec, "spec">
  | RequiredPathsOf<TokenChaosExperimentStatus, "status">;

const PATHS = {
  "spec.target": true,
  "spec.target.hosts": true,
  "spec.target.paths": true,
  "spec.target.paths[].exact": true,
  "spec.target.paths[].prefix": true,
  "spec.target.paths[].regex": true,
  "spec.target.methods": true,
  "spec.target.headers": true,
  "spec.target.headers[].name": true,
  "spec.target.headers[].exact": true,
  "spec.target.headers[].prefix": true,
  "spec.target.headers[].regex": true,
  "spec.target.headers[].present": true,
  "spec.target.sourcePrincipals": true,
  "spec.target.claims": true,
  "spec.target.claims[].name": true,
  "spec.target.claims[].exact": true,
  "spec.target.claims[].prefix": true,
  "spec.target.claims[].regex": true,
  "spec.target.claims[].present": true,
  "spec.target.optInHeader": true,
  "spec.target.optInHeader.name": true,
  "spec.target.optInHeader.value": true,
  "spec.faults": true,
  "spec.faults[].type": true,
  "spec.faults[].percent": true,
  "spec.faults[].at": true,
  "spec.faults[].correlationHeader": true,
  "spec.faults[].expire": true,
  "spec.faults[].expire.by": true,
  "spec.faults[].revoke": true,
  "spec.faults[].revoke.key": true,
  "spec.faults[].revoke.afterRequests": true,
  "spec.faults[].revoke.afterSeconds": true,
  "spec.faults[].scope": true,
  "spec.faults[].scope.require": true,
  "spec.faults[].scope.remove": true,
  "spec.faults[].tamper": true,
  "spec.faults[].tamper.claims": true,
  "spec.faults[].tamper.claims[].name": true,
  "spec.faults[].tamper.claims[].value": true,
  "spec.faults[].tamper.claims[].remove": true,
  "spec.faults[].corruptSignature": true,
  "spec.faults[].corruptSignature.method": true,
  "spec.faults[].rotate": true,
  "spec.faults[].rotate.algorithm": true,
  "spec.faults[].rotate.jwks": true,
  "spec.faults[].rotate.jwks.url": true,
  "spec.faults[].rotate.jwks.host": true,
  "spec.faults[].rotate.jwks.path": true,
  "spec.faults[].rotate.jwks.cacheFor": true,
  "spec.faults[].malformed": true,
  "spec.faults[].malformed.variant": true,
  "spec.faults[].delay": true,
  "spec.faults[].delay.distribution": true,
  "spec.faults[].delay.ms": true,
  "spec.faults[].delay.minMs": true,
  "spec.faults[].delay.maxMs": true,
  "spec.faults[].delay.stddevMs": true,
  "spec.faults[].error": true,
  "spec.faults[].error.kind": true,
  "spec.faults[].error.grpcCode": true,
  "spec.faults[].error.httpStatus": true,
  "spec.faults[].error.timeoutMs": true,
  "spec.faults[].deny": true,
  "spec.faults[].deny.status": true,
  "spec.faults[].deny.body": true,
  "spec.faults[].deny.headers": true,
  "spec.faults[].deny.headers[].name": true,
  "spec.faults[].deny.headers[].value": true,
  "spec.faults[].tokenEndpoint": true,
  "spec.faults[].tokenEndpoint.error": true,
  "spec.faults[].tokenEndpoint.description": true,
  "spec.faults[].tokenEndpoint.grantTypes": true,
  "spec.faults[].tokenEndpoint.status": true,
  "spec.faults[].introspection": true,
  "spec.faults[].introspection.behaviour": true,
  "spec.faults[].introspection.status": true,
  "spec.faults[].jwks": true,
  "spec.faults[].jwks.behaviour": true,
  "spec.faults[].jwks.status": true,
  "spec.faults[].jwks.staleKeys": true,
  "spec.faults[].discovery": true,
  "spec.faults[].discovery.behaviour": true,
  "spec.faults[].discovery.status": true,
  "spec.faults[].discovery.staleKeys": true,
  "spec.schedule": true,
  "spec.schedule.startAt": true,
  "spec.schedule.duration": true,
  "spec.schedule.cron": true,
  "spec.schedule.timeZone": true,
  "spec.schedule.endAt": true,
  "spec.schedule.ramp": true,
  "spec.schedule.ramp.from": true,
  "spec.schedule.ramp.to": true,
  "spec.schedule.ramp.over": true,
  "spec.mode": true,
  "spec.sticky": true,
  "spec.paused": true,
  "spec.guard": true,
  "spec.guard.prometheus": true,
  "spec.guard.prometheus.query": true,
  "spec.guard.prometheus.above": true,
  "spec.guard.prometheus.below": true,
  "spec.guard.prometheus.for": true,
  "spec.steadyState": true,
  "spec.steadyState.prometheus": true,
  "spec.steadyState.prometheus.query": true,
  "spec.steadyState.prometheus.above": true,
  "spec.steadyState.prometheus.below": true,
  "spec.steadyState.prometheus.for": true,
  "spec.steadyState.timeout": true,
  "status.phase": true,
  "status.observedGeneration": true,
  "status.message": true,
  "status.conditions": true,
  "status.conditions[].type": true,
  "status.conditions[].status": true,
  "status.conditions[].observedGeneration": true,
  "status.conditions[].lastTransitionTime": true,
  "status.conditions[].reason": true,
  "status.conditions[].message": true,
  "status.currentWindow": true,
  "status.currentWindow.start": true,
  "status.currentWindow.end": true,
  "status.nextWindow": true,
  "status.nextWindow.start": true,
  "status.nextWindow.end": true,
  "status.injections": true,
  "status.injections.total": true,
  "status.injections.byFault": true,
  "status.injections.dryRun": true,
  "status.injections.skipped": true,
  "status.recovery": true,
  "status.recovery.seconds": true,
  "status.recovery.measuredAt": true,
  "status.recovery.state": true,
  "status.faultSummary": true,
  "status.percentSummary": true,
} as const satisfies Record<Paths, true>;

const REQUIRED = {
  "spec.target": true,
  "spec.target.headers[].name": true,
  "spec.target.claims[].name": true,
  "spec.target.optInHeader.name": true,
  "spec.target.optInHeader.value": true,
  "spec.faults": true,
  "spec.faults[].type": true,
  "spec.faults[].tamper.claims": true,
  "spec.faults[].tamper.claims[].name": true,
  "spec.faults[].rotate.jwks.url": true,
  "spec.faults[].rotate.jwks.path": true,
  "spec.faults[].malformed.variant": true,
  "spec.faults[].deny.headers[].name": true,
  "spec.faults[].deny.headers[].value": true,
  "spec.schedule": true,
  "spec.schedule.duration": true,
  "spec.schedule.ramp.from": true,
  "spec.schedule.ramp.to": true,
  "spec.schedule.ramp.over": true,
  "spec.guard.prometheus": true,
  "spec.guard.prometheus.query": true,
  "spec.steadyState.prometheus": true,
  "spec.steadyState.prometheus.query": true,
  "status.conditions[].type": true,
  "status.conditions[].status": true,
  "status.conditions[].lastTransitionTime": true,
  "status.conditions[].reason": true,
  "status.conditions[].message": true,
  "status.currentWindow.start": true,
  "status.currentWindow.end": true,
  "status.nextWindow.start": true,
  "status.nextWindow.end": true,
  "status.injections.total": true,
} as const satisfies Record<RequiredPaths, true>;

// ---- enums: the schema's, the constants', and the interfaces' agree --------------------------

type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const CONDITION_STATUSES = ["True", "False", "Unknown"] as const;
const RECOVERY_STATES = ["Measuring", "Recovered", "TimedOut"] as const;

// Each line fails to compile if an interface's literal union and its constant drift apart.
const TYPED_ENUMS = {
  "spec.faults[].type": [
    FAULT_TYPES,
    true satisfies Equal<Fault["type"], (typeof FAULT_TYPES)[number]>,
  ],
  "spec.faults[].at": [
    FAULT_FORMS,
    true satisfies Equal<NonNullable<Fault["at"]>, (typeof FAULT_FORMS)[number]>,
  ],
  "spec.mode": [
    MODES,
    true satisfies Equal<NonNullable<TokenChaosExperimentSpec["mode"]>, (typeof MODES)[number]>,
  ],
  "spec.target.methods[]": [
    HTTP_METHODS,
    true satisfies Equal<NonNullable<Target["methods"]>[number], (typeof HTTP_METHODS)[number]>,
  ],
  "spec.faults[].revoke.key": [
    REVOKE_KEYS,
    true satisfies Equal<NonNullable<RevokeParams["key"]>, (typeof REVOKE_KEYS)[number]>,
  ],
  "spec.faults[].corruptSignature.method": [
    SIGNATURE_CORRUPTIONS,
    true satisfies Equal<
      NonNullable<CorruptSignatureParams["method"]>,
      (typeof SIGNATURE_CORRUPTIONS)[number]
    >,
  ],
  "spec.faults[].rotate.algorithm": [
    ROTATE_ALGORITHMS,
    true satisfies Equal<
      NonNullable<RotateParams["algorithm"]>,
      (typeof ROTATE_ALGORITHMS)[number]
    >,
  ],
  "spec.faults[].malformed.variant": [
    MALFORMED_VARIANTS,
    true satisfies Equal<MalformedParams["variant"], (typeof MALFORMED_VARIANTS)[number]>,
  ],
  "spec.faults[].delay.distribution": [
    DELAY_DISTRIBUTIONS,
    true satisfies Equal<
      NonNullable<DelayParams["distribution"]>,
      (typeof DELAY_DISTRIBUTIONS)[number]
    >,
  ],
  "spec.faults[].error.kind": [
    ERROR_KINDS,
    true satisfies Equal<NonNullable<ErrorParams["kind"]>, (typeof ERROR_KINDS)[number]>,
  ],
  "spec.faults[].tokenEndpoint.error": [
    TOKEN_ENDPOINT_ERRORS,
    true satisfies Equal<
      NonNullable<TokenEndpointParams["error"]>,
      (typeof TOKEN_ENDPOINT_ERRORS)[number]
    >,
  ],
  "spec.faults[].introspection.behaviour": [
    INTROSPECTION_BEHAVIOURS,
    true satisfies Equal<
      NonNullable<IntrospectionParams["behaviour"]>,
      (typeof INTROSPECTION_BEHAVIOURS)[number]
    >,
  ],
  "spec.faults[].jwks.behaviour": [
    KEYSET_BEHAVIOURS,
    true satisfies Equal<
      NonNullable<KeySetParams["behaviour"]>,
      (typeof KEYSET_BEHAVIOURS)[number]
    >,
  ],
  "spec.faults[].discovery.behaviour": [
    KEYSET_BEHAVIOURS,
    true satisfies Equal<
      NonNullable<KeySetParams["behaviour"]>,
      (typeof KEYSET_BEHAVIOURS)[number]
    >,
  ],
  "status.phase": [
    PHASES,
    true satisfies Equal<NonNullable<TokenChaosExperimentStatus["phase"]>, (typeof PHASES)[number]>,
  ],
  "status.conditions[].status": [
    CONDITION_STATUSES,
    true satisfies Equal<Condition["status"], (typeof CONDITION_STATUSES)[number]>,
  ],
  "status.recovery.state": [
    RECOVERY_STATES,
    true satisfies Equal<NonNullable<Recovery["state"]>, (typeof RECOVERY_STATES)[number]>,
  ],
} as const satisfies Record<string, readonly [readonly string[], true]>;

// Exported lists of names in types.ts that are deliberately not a schema enum, and why.
const NOT_ENUMS: Record<string, string> = {
  UPSTREAM_FAULTS: "a subset of fault types, used by a CEL rule (checked below)",
  UPSTREAM_ONLY_FAULTS: "a subset of fault types, used by a CEL rule (checked below)",
  GRANT_TYPES: "well-known grant types; grantTypes also accepts extension grants",
};

// ---- the schema's side ----------------------------------------------------------------------

interface Walked {
  paths: string[];
  required: string[];
  enums: Map<string, readonly string[]>;
}

function walk(node: SchemaNode, path: string, out: Walked): void {
  if (node.enum !== undefined) out.enums.set(path, node.enum);
  if (node.type === "array" && node.items !== undefined) {
    walk(node.items, `${path}[]`, out);
    return;
  }
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const p = `${path}.${key}`;
    out.paths.push(p);
    if (node.required?.includes(key)) out.required.push(p);
    walk(child, p, out);
  }
}

const walked: Walked = { paths: [], required: [], enums: new Map() };
walk(SPEC_SCHEMA, "spec", walked);
walk(STATUS_SCHEMA, "status", walked);

const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

describe("schema and TypeScript types agree", () => {
  test("the same properties", () => {
    assert.deepEqual(sorted(walked.paths), sorted(Object.keys(PATHS)));
  });

  test("the same required properties", () => {
    assert.deepEqual(sorted(walked.required), sorted(Object.keys(REQUIRED)));
  });

  test("every schema enum is a constant of types.ts, in the same order", () => {
    assert.deepEqual(sorted(walked.enums.keys()), sorted(Object.keys(TYPED_ENUMS)));
    for (const [path, [values]] of Object.entries(TYPED_ENUMS)) {
      assert.deepEqual(walked.enums.get(path), values, path);
    }
  });

  test("every list of names exported by types.ts is a schema enum or accounted for", () => {
    const used = new Set<readonly string[]>(Object.values(TYPED_ENUMS).map(([v]) => v));
    for (const [name, value] of Object.entries(types)) {
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) continue;
      if (name in NOT_ENUMS) continue;
      assert.ok(used.has(value), `${name} is exported by types.ts but is no schema enum`);
    }
  });

  test("the CRD's CEL knows exactly the faults that have an upstream form", () => {
    const text = JSON.stringify(buildCrd());
    const list = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(", ")}]`;
    assert.ok(text.includes(`self.type in ${list(types.UPSTREAM_FAULTS)}`));
    assert.ok(text.includes(`self.type in ${list(types.UPSTREAM_ONLY_FAULTS)}`));
  });

  test("bounds come from LIMITS", () => {
    const spec = SPEC_SCHEMA.properties ?? {};
    const fault = spec.faults?.items?.properties ?? {};
    const target = spec.target?.properties ?? {};
    assert.equal(spec.faults?.maxItems, LIMITS.maxFaults);
    assert.equal(target.hosts?.maxItems, LIMITS.maxHosts);
    assert.equal(target.paths?.maxItems, LIMITS.maxPaths);
    assert.equal(target.headers?.maxItems, LIMITS.maxMatchers);
    assert.equal(target.sourcePrincipals?.maxItems, LIMITS.maxPrincipals);
    assert.equal(fault.delay?.properties?.maxMs?.maximum, LIMITS.maxDelayMs);
    assert.equal(fault.revoke?.properties?.afterRequests?.maximum, LIMITS.maxRevokeRequests);
    assert.equal(fault.revoke?.properties?.afterSeconds?.maximum, LIMITS.maxRevokeSeconds);
    assert.equal(fault.deny?.properties?.body?.maxLength, LIMITS.maxDenyBodyBytes);
    assert.equal(fault.tamper?.properties?.claims?.maxItems, LIMITS.maxTamperClaims);
  });

  test("every string and list is bounded, so CEL stays within the server's cost budget", () => {
    const unbounded: string[] = [];
    const check = (node: SchemaNode, path: string) => {
      if (node.type === "string" && node.maxLength === undefined && node.enum === undefined)
        unbounded.push(path);
      if (node.type === "array" && node.maxItems === undefined) unbounded.push(path);
      if (node.type === "object" && node.additionalProperties && node.maxProperties === undefined)
        unbounded.push(path);
      if ((node.type === "integer" || node.type === "number") && node.minimum === undefined)
        unbounded.push(path);
      if (node.items) check(node.items, `${path}[]`);
      if (node.additionalProperties) check(node.additionalProperties, `${path}{}`);
      for (const [k, c] of Object.entries(node.properties ?? {})) check(c, `${path}.${k}`);
    };
    check(SPEC_SCHEMA, "spec");
    check(STATUS_SCHEMA, "status");
    // Thresholds of Prometheus conditions are any number by nature.
    assert.deepEqual(unbounded, [
      "spec.guard.prometheus.above",
      "spec.guard.prometheus.below",
      "spec.steadyState.prometheus.above",
      "spec.steadyState.prometheus.below",
    ]);
  });
});
