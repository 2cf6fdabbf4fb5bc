// The vocabulary of the schema description in schema.ts: a small subset of OpenAPI v3 as the
// Kubernetes API server knows it, plus, for each cross-field rule, both its CEL expression and
// a TypeScript predicate that says the same thing.

export type SchemaType = "object" | "array" | "string" | "integer" | "number" | "boolean";

/**
 * A rule that spans fields or needs more than a bound. `cel` is what the API server evaluates
 * (x-kubernetes-validations); `check` is what `token-chaos validate` and the operator evaluate.
 * Keeping both side by side is what keeps them in step; the invalid-manifest table proves it
 * against the real server. A rule without `cel` is one CEL cannot express (a zone that exists,
 * a cron that can fire): it is checked offline and by the operator, which reports Invalid.
 */
export interface Rule {
  /** Stable identifier, used in docs and tests. */
  id: string;
  cel?: string;
  message: string;
  /** Where the problem is reported, relative to the node (".revoke"), as the server does it. */
  fieldPath?: string;
  /** true: fine; false: `message`; a string: a more precise message than `message`. */
  check(self: unknown): boolean | string;
}

/** Builds a rule whose predicate is typed for the node it sits on. */
export function rule<T>(r: {
  id: string;
  cel?: string;
  message: string;
  fieldPath?: string;
  check: (self: T) => boolean | string;
}): Rule {
  // The validator calls `check` only once the node has passed the structural checks, so the
  // value has the shape T describes.
  return { ...r, check: r.check as (self: unknown) => boolean | string };
}

export interface SchemaNode {
  /** Absent: any JSON value (x-kubernetes-preserve-unknown-fields). */
  type?: SchemaType;
  description: string;
  properties?: Readonly<Record<string, SchemaNode>>;
  required?: readonly string[];
  /** A map with string keys and values of this shape. */
  additionalProperties?: SchemaNode;
  maxProperties?: number;
  items?: SchemaNode;
  minItems?: number;
  maxItems?: number;
  listType?: "atomic" | "set" | "map";
  listMapKeys?: readonly string[];
  enum?: readonly string[];
  minLength?: number;
  maxLength?: number;
  /** Anchored; written in the syntax Go's regexp (the server) and JavaScript share. */
  pattern?: string;
  /** What the pattern means, for offline messages and docs. */
  patternHint?: string;
  format?: "date-time";
  minimum?: number;
  maximum?: number;
  default?: string | number | boolean;
  rules?: readonly Rule[];
}
