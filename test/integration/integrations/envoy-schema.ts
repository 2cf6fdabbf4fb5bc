// Checks an Envoy configuration (as YAML-loaded data) against Envoy's own protos, the canonical
// copies @grpc/grpc-js-xds ships. Envoy itself cannot run here; this catches what Envoy would
// reject at load: unknown or misspelt fields, wrong value types, unknown enum values, a typed
// config whose @type does not exist, and deprecated fields.

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { loadSync, type PackageDefinition } from "@grpc/proto-loader";

const require = createRequire(import.meta.url);

/** The protos a bootstrap with the ext_authz filter, router and HTTP/2 upstreams needs. */
const ROOT_PROTOS = [
  "envoy/config/bootstrap/v3/bootstrap.proto",
  "envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto",
  "envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto",
  "envoy/extensions/filters/http/router/v3/router.proto",
  "envoy/extensions/upstreams/http/v3/http_protocol_options.proto",
];

interface FieldDescriptor {
  name: string;
  jsonName?: string;
  label: string;
  type: string;
  typeName: string;
  options: { deprecated?: boolean } | null;
}

interface EnumType {
  name: string;
  value: Array<{ name: string; number: number }>;
}

interface MessageType {
  name: string;
  field: FieldDescriptor[];
  nestedType?: MessageType[];
  enumType?: EnumType[];
  options: { mapEntry?: boolean } | null;
}

export function loadEnvoyProtos(): PackageDefinition {
  const deps = join(dirname(require.resolve("@grpc/grpc-js-xds/package.json")), "deps");
  return loadSync(ROOT_PROTOS, {
    keepCase: true,
    includeDirs: ["envoy-api", "xds", "googleapis", "protoc-gen-validate"].map((d) =>
      join(deps, d),
    ),
  });
}

const NUMBER_WRAPPERS = new Set([
  "google.protobuf.UInt32Value",
  "google.protobuf.UInt64Value",
  "google.protobuf.Int32Value",
  "google.protobuf.Int64Value",
  "google.protobuf.DoubleValue",
  "google.protobuf.FloatValue",
]);
const NUMERIC = new Set([
  "TYPE_DOUBLE",
  "TYPE_FLOAT",
  "TYPE_INT64",
  "TYPE_UINT64",
  "TYPE_INT32",
  "TYPE_FIXED64",
  "TYPE_FIXED32",
  "TYPE_UINT32",
  "TYPE_SFIXED32",
  "TYPE_SFIXED64",
  "TYPE_SINT32",
  "TYPE_SINT64",
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function lowerCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export class EnvoySchema {
  /** Every message and enum by fully qualified name, nested ones included. */
  readonly #messages = new Map<string, MessageType>();
  readonly #enums = new Map<string, EnumType>();

  constructor(def: PackageDefinition) {
    const addMessage = (name: string, m: MessageType) => {
      this.#messages.set(name, m);
      for (const n of m.nestedType ?? []) addMessage(`${name}.${n.name}`, n);
      for (const e of m.enumType ?? []) this.#enums.set(`${name}.${e.name}`, e);
    };
    for (const [name, d] of Object.entries(def)) {
      const entry = d as { format?: string; type?: unknown };
      if (entry.format === "Protocol Buffer 3 DescriptorProto")
        addMessage(name, entry.type as MessageType);
      if (entry.format === "Protocol Buffer 3 EnumDescriptorProto")
        this.#enums.set(name, entry.type as EnumType);
    }
  }

  /** Resolves a relative type name the way protoc does: innermost scope first. */
  #resolve(scope: string, typeName: string): string | undefined {
    if (typeName.startsWith(".")) return typeName.slice(1);
    const parts = scope.split(".");
    for (let i = parts.length; i >= 0; i--) {
      const candidate = [...parts.slice(0, i), typeName].join(".");
      if (this.#messages.has(candidate) || this.#enums.has(candidate)) return candidate;
    }
    return undefined;
  }

  #message(name: string): MessageType | undefined {
    return this.#messages.get(name);
  }

  #enum(name: string): EnumType | undefined {
    return this.#enums.get(name);
  }

  /** Problems found in `value` read as message `typeName`; empty when Envoy would accept it. */
  check(value: unknown, typeName: string, path = "$"): string[] {
    const errors: string[] = [];
    this.#checkMessage(value, typeName, path, errors);
    return errors;
  }

  #checkMessage(value: unknown, name: string, path: string, errors: string[]): void {
    switch (name) {
      case "google.protobuf.Duration":
        if (typeof value !== "string" || !/^-?\d+(\.\d+)?s$/.test(value)) {
          errors.push(`${path}: a Duration is written like "0.25s", got ${JSON.stringify(value)}`);
        }
        return;
      case "google.protobuf.Struct":
      case "google.protobuf.Value":
        return;
      case "google.protobuf.BoolValue":
        if (typeof value !== "boolean") errors.push(`${path}: expected a boolean`);
        return;
      case "google.protobuf.StringValue":
        if (typeof value !== "string") errors.push(`${path}: expected a string`);
        return;
      case "google.protobuf.Any": {
        if (!isObject(value) || typeof value["@type"] !== "string") {
          errors.push(`${path}: a typed config needs "@type"`);
          return;
        }
        const url = value["@type"];
        const target = url.startsWith("type.googleapis.com/") ? url.slice(20) : "";
        if (this.#message(target) === undefined) {
          errors.push(`${path}: unknown @type ${url}`);
          return;
        }
        const { "@type": _, ...rest } = value;
        this.#checkMessage(rest, target, path, errors);
        return;
      }
    }
    if (NUMBER_WRAPPERS.has(name)) {
      if (typeof value !== "number") errors.push(`${path}: expected a number`);
      return;
    }
    const msg = this.#message(name);
    if (msg === undefined) {
      errors.push(`${path}: unknown message type ${name}`);
      return;
    }
    if (!isObject(value)) {
      errors.push(`${path}: expected an object for ${name}, got ${JSON.stringify(value)}`);
      return;
    }
    for (const [key, v] of Object.entries(value)) {
      const field = msg.field.find((f) => f.name === key || lowerCamel(f.name) === key);
      const at = `${path}.${key}`;
      if (field === undefined) {
        errors.push(`${at}: ${name} has no field "${key}"`);
        continue;
      }
      if (field.options?.deprecated === true) errors.push(`${at}: deprecated in ${name}`);
      this.#checkField(field, v, name, at, errors);
    }
  }

  #checkField(
    field: FieldDescriptor,
    value: unknown,
    scope: string,
    path: string,
    errors: string[],
  ): void {
    const resolved =
      field.type === "TYPE_MESSAGE" || field.type === "TYPE_ENUM"
        ? this.#resolve(scope, field.typeName)
        : undefined;
    if ((field.type === "TYPE_MESSAGE" || field.type === "TYPE_ENUM") && resolved === undefined) {
      errors.push(`${path}: cannot resolve type ${field.typeName} from ${scope}`);
      return;
    }
    const entry = resolved !== undefined ? this.#message(resolved) : undefined;
    if (field.label === "LABEL_REPEATED" && entry?.options?.mapEntry === true) {
      if (!isObject(value)) {
        errors.push(`${path}: expected a map`);
        return;
      }
      const valueField = entry.field.find((f) => f.name === "value");
      if (valueField === undefined) return;
      for (const [k, v] of Object.entries(value)) {
        this.#checkField(valueField, v, resolved as string, `${path}.${k}`, errors);
      }
      return;
    }
    if (field.label === "LABEL_REPEATED") {
      if (!Array.isArray(value)) {
        errors.push(`${path}: expected a list`);
        return;
      }
      const single = { ...field, label: "LABEL_OPTIONAL" };
      value.forEach((item, i) => {
        this.#checkField(single, item, scope, `${path}[${i}]`, errors);
      });
      return;
    }
    switch (field.type) {
      case "TYPE_MESSAGE":
        this.#checkMessage(value, resolved as string, path, errors);
        return;
      case "TYPE_ENUM": {
        const e = this.#enum(resolved as string);
        const ok =
          e?.value.some(
            (x) => x.name === value || (typeof value === "number" && x.number === value),
          ) === true;
        if (!ok) errors.push(`${path}: ${JSON.stringify(value)} is not a value of ${resolved}`);
        return;
      }
      case "TYPE_BOOL":
        if (typeof value !== "boolean") errors.push(`${path}: expected a boolean`);
        return;
      case "TYPE_STRING":
      case "TYPE_BYTES":
        if (typeof value !== "string") errors.push(`${path}: expected a string`);
        return;
      default:
        if (NUMERIC.has(field.type) && typeof value !== "number" && typeof value !== "string") {
          errors.push(`${path}: expected a number`);
        }
    }
  }
}
