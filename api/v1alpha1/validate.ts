// Offline validation of a TokenChaosExperiment: the same rules the API server applies (the
// structural half driven by the schema description, the cross-field half by each rule's
// TypeScript predicate), plus what CEL cannot check (a regex JavaScript compiles, a cron that
// can fire, a time zone that exists). Used by `token-chaos validate`, the standalone mode and
// the operator, which must not trust a stored object blindly.

import { RFC3339_PATTERN, type SchemaNode, SPEC_SCHEMA, STATUS_SCHEMA } from "./schema.ts";
import { API_VERSION, KIND } from "./types.ts";

export interface Problem {
  /** Field path as the API server writes it, e.g. spec.faults[0].revoke. */
  path: string;
  message: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);

const join = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`);

const TYPE_NAMES = {
  object: "an object",
  array: "a list",
  string: "a string",
  integer: "an integer",
  number: "a number",
  boolean: "a boolean",
} as const;

function hasType(node: SchemaNode, v: unknown): boolean {
  switch (node.type) {
    case undefined:
      return true;
    case "object":
      return isObject(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isSafeInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "boolean":
      return typeof v === "boolean";
  }
}

const patterns = new Map<string, RegExp>();
function compiled(pattern: string): RegExp {
  let re = patterns.get(pattern);
  if (re === undefined) {
    re = new RegExp(pattern);
    patterns.set(pattern, re);
  }
  return re;
}

/** RFC 3339 with a real calendar date and clock time (Date.parse alone accepts 30 February). */
function isRealTime(s: string): boolean {
  if (!compiled(RFC3339_PATTERN).test(s)) return false;
  const [y, mo, d, h, mi, sec] = [0, 5, 8, 11, 14, 17].map((at) =>
    Number(s.slice(at, at + (at === 0 ? 4 : 2))),
  );
  const days = new Date(Date.UTC(y ?? 0, mo ?? 0, 0)).getUTCDate();
  return (
    (mo ?? 0) >= 1 &&
    (mo ?? 0) <= 12 &&
    (d ?? 0) >= 1 &&
    (d ?? 0) <= days &&
    (h ?? 24) <= 23 &&
    (mi ?? 60) <= 59 &&
    (sec ?? 60) <= 59 &&
    Number.isFinite(Date.parse(s))
  );
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Checks `value` against `node`; appends problems; returns whether it found none. */
function walk(node: SchemaNode, value: unknown, path: string, out: Problem[]): boolean {
  const before = out.length;
  if (!hasType(node, value)) {
    out.push({ path, message: `must be ${TYPE_NAMES[node.type ?? "object"]}` });
    return false;
  }
  if (node.enum !== undefined && !node.enum.includes(value as string)) {
    out.push({ path, message: `must be one of: ${node.enum.join(", ")}` });
  }
  if (typeof value === "string") checkString(node, value, path, out);
  if (typeof value === "number") {
    if (node.minimum !== undefined && value < node.minimum) {
      out.push({ path, message: `must be at least ${node.minimum}` });
    }
    if (node.maximum !== undefined && value > node.maximum) {
      out.push({ path, message: `must be at most ${node.maximum}` });
    }
  }
  if (Array.isArray(value)) checkList(node, value, path, out);
  if (isObject(value) && node.type === "object") checkObject(node, value, path, out);
  // Like the API server, cross-field rules only see values whose shape is right.
  if (out.length === before) {
    for (const r of node.rules ?? []) {
      let verdict: boolean | string;
      try {
        verdict = r.check(value);
      } catch {
        // A predicate that cannot decide counts as a failure: never accept what was not checked.
        verdict = false;
      }
      if (verdict === true) continue;
      out.push({
        path: r.fieldPath === undefined ? path : `${path}${r.fieldPath}`,
        message: verdict === false ? r.message : verdict,
      });
    }
  }
  return out.length === before;
}

function checkString(node: SchemaNode, value: string, path: string, out: Problem[]): void {
  // The API server counts characters (runes), not UTF-16 units.
  const length = [...value].length;
  if (node.minLength !== undefined && length < node.minLength) {
    out.push({
      path,
      message:
        node.minLength === 1
          ? "must not be empty"
          : `must be at least ${plural(node.minLength, "character")}`,
    });
  }
  if (node.maxLength !== undefined && length > node.maxLength) {
    out.push({ path, message: `must be at most ${plural(node.maxLength, "character")}` });
  }
  if (node.pattern !== undefined && !compiled(node.pattern).test(value)) {
    out.push({ path, message: node.patternHint ?? `must match ${node.pattern}` });
  } else if (node.format === "date-time" && !isRealTime(value)) {
    out.push({ path, message: "must be an RFC 3339 time such as 2026-12-01T10:00:00Z" });
  }
}

function checkList(node: SchemaNode, value: unknown[], path: string, out: Problem[]): void {
  if (node.minItems !== undefined && value.length < node.minItems) {
    out.push({ path, message: `must have at least ${plural(node.minItems, "item")}` });
  }
  if (node.maxItems !== undefined && value.length > node.maxItems) {
    out.push({ path, message: `must have at most ${plural(node.maxItems, "item")}` });
    // Like the server, do not look inside a list that is too long.
    return;
  }
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const itemPath = `${path}[${i}]`;
    if (node.items !== undefined) walk(node.items, item, itemPath, out);
    let key: string | undefined;
    if (node.listType === "set") key = JSON.stringify(item);
    if (node.listType === "map" && isObject(item)) {
      key = JSON.stringify((node.listMapKeys ?? []).map((k) => item[k]));
    }
    if (key === undefined) return;
    if (seen.has(key)) out.push({ path: itemPath, message: `duplicate entry ${key}` });
    seen.add(key);
  });
}

function checkObject(node: SchemaNode, value: Json, path: string, out: Problem[]): void {
  for (const key of node.required ?? []) {
    // The API server drops null fields before validating, so null counts as absent.
    if (value[key] === undefined || value[key] === null) {
      out.push({ path: join(path, key), message: "must be set" });
    }
  }
  const keys = Object.keys(value);
  if (node.maxProperties !== undefined && keys.length > node.maxProperties) {
    out.push({ path, message: `must have at most ${plural(node.maxProperties, "entry")}` });
  }
  for (const key of keys) {
    const v = value[key];
    if (v === undefined || v === null) continue;
    const child = node.properties?.[key] ?? node.additionalProperties;
    if (child === undefined) {
      out.push({ path: join(path, key), message: "unknown field" });
      continue;
    }
    walk(child, v, join(path, key), out);
  }
}

// DNS-1123 subdomain (names) and label (namespaces), as Kubernetes requires.
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkMetadata(meta: unknown, out: Problem[]): void {
  if (!isObject(meta)) {
    out.push({
      path: "metadata",
      message: meta === undefined ? "must be set" : "must be an object",
    });
    return;
  }
  const { name, namespace } = meta;
  if (typeof name !== "string" || name === "") {
    out.push({ path: "metadata.name", message: "must be set" });
  } else if (name.length > 253 || !NAME.test(name)) {
    out.push({
      path: "metadata.name",
      message: "must be a lower-case DNS subdomain (a-z, 0-9, '-', '.'), at most 253 characters",
    });
  }
  if (namespace !== undefined && namespace !== null) {
    if (typeof namespace !== "string" || namespace.length > 63 || !NAMESPACE.test(namespace)) {
      out.push({
        path: "metadata.namespace",
        message: "must be a lower-case DNS label (a-z, 0-9, '-'), at most 63 characters",
      });
    }
  }
}

const TOP_LEVEL = new Set(["apiVersion", "kind", "metadata", "spec", "status"]);

/** Every problem with `obj` as a TokenChaosExperiment; empty when it is valid. Never throws. */
export function validateExperiment(obj: unknown): Problem[] {
  const out: Problem[] = [];
  if (!isObject(obj)) return [{ path: "", message: "must be an object" }];
  if (obj.apiVersion !== API_VERSION) {
    out.push({ path: "apiVersion", message: `must be ${API_VERSION}` });
  }
  if (obj.kind !== KIND) out.push({ path: "kind", message: `must be ${KIND}` });
  checkMetadata(obj.metadata, out);
  for (const key of Object.keys(obj)) {
    if (!TOP_LEVEL.has(key)) out.push({ path: key, message: "unknown field" });
  }
  if (obj.spec === undefined || obj.spec === null) {
    out.push({ path: "spec", message: "must be set" });
  } else {
    walk(SPEC_SCHEMA, obj.spec, "spec", out);
  }
  if (obj.status !== undefined && obj.status !== null)
    walk(STATUS_SCHEMA, obj.status, "status", out);
  return out;
}

/** `path: message`, the way problems are printed. */
export function formatProblem(p: Problem): string {
  return p.path === "" ? p.message : `${p.path}: ${p.message}`;
}
