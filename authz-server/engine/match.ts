// Target matchers, compiled once per plan. Every given condition must match. A regular
// expression matches when it is found anywhere in the value (users anchor with ^ and $, as the
// resource reference says); it is compiled when the plan is loaded, never per request, in the
// RE2-compatible subset that validation admits (no lookaround, no backreferences).

import type { ClaimMatch, HeaderMatch, StringMatch, Target } from "../../api/v1alpha1/types.ts";
import { LIMITS } from "../../api/v1alpha1/types.ts";
import type { RequestView } from "./request-view.ts";
import { claimValue } from "./token.ts";

type StringTest = (value: string) => boolean;

interface NamedTest {
  name: string;
  /** Tests the value; `undefined` means absent. */
  test: (value: unknown) => boolean;
}

export interface CompiledTarget {
  readonly optIn?: { readonly name: string; readonly value: string };
  readonly methods?: ReadonlySet<string>;
  readonly paths?: readonly StringTest[];
  readonly principals?: ReadonlySet<string>;
  readonly headers?: readonly NamedTest[];
  readonly claims?: readonly NamedTest[];
}

export function compileRegex(source: string): RegExp {
  if (source.length > LIMITS.maxRegexLength) {
    throw new Error(`regex longer than ${LIMITS.maxRegexLength} characters`);
  }
  return new RegExp(source);
}

/** One string test from exact | prefix | regex, or undefined when none is given. */
export function compileStringMatch(m: StringMatch): StringTest | undefined {
  if (m.exact !== undefined) {
    const want = m.exact;
    return (v) => v === want;
  }
  if (m.prefix !== undefined) {
    const want = m.prefix;
    return (v) => v.startsWith(want);
  }
  if (m.regex !== undefined) {
    const re = compileRegex(m.regex);
    return (v) => re.test(v);
  }
  return undefined;
}

/** `present: false` means "absent", as in Envoy's header matcher; no condition means present. */
function presence(present: boolean | undefined): (value: unknown) => boolean {
  return present === false ? (v) => v === undefined : (v) => v !== undefined;
}

function compileHeader(h: HeaderMatch): NamedTest {
  const str = compileStringMatch(h);
  return {
    name: h.name.toLowerCase(),
    test: str === undefined ? presence(h.present) : (v) => typeof v === "string" && str(v),
  };
}

/**
 * Claims compare as strings: numbers and booleans by their JSON text, arrays when any element
 * matches (aud, scp, groups), objects and null only by presence.
 */
function compileClaim(c: ClaimMatch): NamedTest {
  const str = compileStringMatch(c);
  if (str === undefined) return { name: c.name, test: presence(c.present) };
  const scalar = (v: unknown): boolean =>
    (typeof v === "string" && str(v)) ||
    ((typeof v === "number" || typeof v === "boolean") && str(String(v)));
  return {
    name: c.name,
    test: (v) => (Array.isArray(v) ? v.some(scalar) : scalar(v)),
  };
}

/** Compiles a target; throws (naming the problem) on an invalid regex. */
export function compileTarget(t: Target): CompiledTarget {
  const out: {
    -readonly [K in keyof CompiledTarget]: CompiledTarget[K];
  } = {};
  if (t.optInHeader !== undefined) {
    out.optIn = { name: t.optInHeader.name.toLowerCase(), value: t.optInHeader.value };
  }
  if (t.methods !== undefined && t.methods.length > 0) {
    out.methods = new Set(t.methods.map((m) => m.toUpperCase()));
  }
  if (t.paths !== undefined && t.paths.length > 0) {
    out.paths = t.paths.map((p) => compileStringMatch(p) ?? (() => false));
  }
  if (t.sourcePrincipals !== undefined && t.sourcePrincipals.length > 0) {
    out.principals = new Set(t.sourcePrincipals);
  }
  if (t.headers !== undefined && t.headers.length > 0) out.headers = t.headers.map(compileHeader);
  if (t.claims !== undefined && t.claims.length > 0) out.claims = t.claims.map(compileClaim);
  return out;
}

/** A header by lower-case name; own properties only, so "constructor" is not a header. */
export function headerValue(
  headers: Readonly<Record<string, string>>,
  name: string,
): string | undefined {
  return Object.hasOwn(headers, name) ? headers[name] : undefined;
}

/** Cheap conditions first; claims last, since they may need the token decoded. */
export function matchesTarget(t: CompiledTarget, view: RequestView): boolean {
  const attrs = view.attrs;
  if (t.optIn !== undefined && headerValue(attrs.headers, t.optIn.name) !== t.optIn.value)
    return false;
  if (t.methods !== undefined && !t.methods.has(attrs.method)) return false;
  if (t.paths !== undefined) {
    const path = view.path;
    if (!t.paths.some((test) => test(path))) return false;
  }
  if (t.principals !== undefined) {
    if (attrs.sourcePrincipal === undefined || !t.principals.has(attrs.sourcePrincipal)) {
      return false;
    }
  }
  if (t.headers !== undefined) {
    for (const h of t.headers) if (!h.test(headerValue(attrs.headers, h.name))) return false;
  }
  if (t.claims !== undefined) {
    const auth = view.authorization;
    if (auth.kind !== "jwt") return false;
    for (const c of t.claims) if (!c.test(claimValue(auth.payload, c.name))) return false;
  }
  return true;
}
