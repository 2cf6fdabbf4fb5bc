// The CustomResourceDefinition, built from the schema description. Pure: scripts/gen-crd.ts
// writes it to crds/, and a test proves the committed file is this object.

import type { SchemaNode } from "./schema.ts";
import { SPEC_SCHEMA, STATUS_SCHEMA } from "./schema.ts";
import { GROUP, KIND, PLURAL, SHORT_NAME, VERSION } from "./types.ts";

export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

/** A schema node as OpenAPI v3 with the Kubernetes extensions, keys in a stable order. */
export function toOpenApi(node: SchemaNode): JsonObject {
  const out: JsonObject = {};
  if (node.type === undefined) {
    // Any JSON value: the one place the schema lets the server keep what it does not know.
    out["x-kubernetes-preserve-unknown-fields"] = true;
  } else {
    out.type = node.type;
  }
  out.description = node.description;
  if (node.enum !== undefined) out.enum = [...node.enum];
  if (node.default !== undefined) out.default = node.default;
  if (node.format !== undefined) out.format = node.format;
  if (node.pattern !== undefined) out.pattern = node.pattern;
  if (node.minLength !== undefined) out.minLength = node.minLength;
  if (node.maxLength !== undefined) out.maxLength = node.maxLength;
  if (node.minimum !== undefined) out.minimum = node.minimum;
  if (node.maximum !== undefined) out.maximum = node.maximum;
  if (node.minItems !== undefined) out.minItems = node.minItems;
  if (node.maxItems !== undefined) out.maxItems = node.maxItems;
  if (node.listType !== undefined) out["x-kubernetes-list-type"] = node.listType;
  if (node.listMapKeys !== undefined) out["x-kubernetes-list-map-keys"] = [...node.listMapKeys];
  if (node.items !== undefined) out.items = toOpenApi(node.items);
  if (node.maxProperties !== undefined) out.maxProperties = node.maxProperties;
  if (node.required !== undefined) out.required = [...node.required];
  if (node.properties !== undefined) {
    const props: JsonObject = {};
    for (const [key, child] of Object.entries(node.properties)) props[key] = toOpenApi(child);
    out.properties = props;
  }
  if (node.additionalProperties !== undefined) {
    out.additionalProperties = toOpenApi(node.additionalProperties);
  }
  const validations: JsonValue[] = [];
  for (const r of node.rules ?? []) {
    // Rules without CEL are checked offline and by the operator only.
    if (r.cel === undefined) continue;
    const v: JsonObject = { rule: r.cel, message: r.message };
    if (r.fieldPath !== undefined) v.fieldPath = r.fieldPath;
    validations.push(v);
  }
  if (validations.length > 0) out["x-kubernetes-validations"] = validations;
  return out;
}

const column = (
  name: string,
  type: string,
  jsonPath: string,
  description: string,
  priority = 0,
): JsonObject => ({
  name,
  type,
  jsonPath,
  description,
  ...(priority > 0 ? { priority } : {}),
});

export function buildCrd(): JsonObject {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${PLURAL}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: KIND,
        listKind: `${KIND}List`,
        plural: PLURAL,
        singular: KIND.toLowerCase(),
        shortNames: [SHORT_NAME],
        categories: ["chaos"],
      },
      scope: "Namespaced",
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            column("Phase", "string", ".status.phase", "Where the experiment is in its life."),
            column("Faults", "string", ".status.faultSummary", "Fault types."),
            column("Percent", "string", ".status.percentSummary", "Injected shares."),
            column("Injected", "integer", ".status.injections.total", "Injections so far."),
            // A string, not a date: kubectl prints future dates as <invalid>.
            column("Next", "string", ".status.nextWindow.start", "Start of the next window."),
            column("Age", "date", ".metadata.creationTimestamp", "Time since creation."),
            column("Mode", "string", ".spec.mode", "enforce or dryRun.", 1),
            column("Window", "string", ".status.currentWindow.end", "End of the open window.", 1),
            column("Message", "string", ".status.message", "Detail.", 1),
          ],
          schema: {
            openAPIV3Schema: {
              type: "object",
              description:
                "A token chaos experiment: which requests, which token faults, and when. Create it, and the data plane injects the faults inside the experiment's windows only.",
              required: ["spec"],
              properties: {
                apiVersion: { type: "string", description: "APIVersion of this object." },
                kind: { type: "string", description: "Kind of this object." },
                metadata: { type: "object" },
                spec: toOpenApi(SPEC_SCHEMA),
                status: toOpenApi(STATUS_SCHEMA),
              },
            },
          },
        },
      ],
    },
  };
}
