// A small, deterministic YAML writer for JSON-shaped data (the generated CRD). Strings that
// could be read back as anything but themselves are written as JSON strings, which YAML reads
// as double-quoted scalars with the same escapes.

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

// Plain scalars that YAML 1.1 or 1.2 would read as something other than a string.
const SPECIAL = /^(true|false|yes|no|on|off|y|n|null|~|[-+.0-9].*|)$/i;
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./() -]*$/;

function scalar(v: string | number | boolean | null): string {
  if (typeof v !== "string") return JSON.stringify(v);
  if (PLAIN.test(v) && !SPECIAL.test(v) && !v.endsWith(" ") && !v.includes(" -")) return v;
  return JSON.stringify(v);
}

function key(k: string): string {
  return PLAIN.test(k) && !SPECIAL.test(k) && !k.includes(" ") ? k : JSON.stringify(k);
}

const isContainer = (v: Json): v is Json[] | { [key: string]: Json } =>
  typeof v === "object" && v !== null;

function lines(v: Json, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      if (isContainer(item) && (Array.isArray(item) ? item.length : Object.keys(item).length) > 0) {
        const inner: string[] = [];
        lines(item, `${indent}  `, inner);
        // The first line of the item goes after the dash.
        out.push(`${indent}- ${(inner[0] ?? "").trimStart()}`, ...inner.slice(1));
      } else {
        out.push(`${indent}- ${inline(item)}`);
      }
    }
    return;
  }
  if (isContainer(v)) {
    for (const [k, child] of Object.entries(v)) {
      const empty =
        isContainer(child) &&
        (Array.isArray(child) ? child.length : Object.keys(child).length) === 0;
      if (isContainer(child) && !empty) {
        out.push(`${indent}${key(k)}:`);
        lines(child, Array.isArray(child) ? indent : `${indent}  `, out);
      } else {
        out.push(`${indent}${key(k)}: ${inline(child)}`);
      }
    }
    return;
  }
  out.push(`${indent}${inline(v)}`);
}

function inline(v: Json): string {
  if (Array.isArray(v)) return "[]";
  if (isContainer(v)) return "{}";
  return scalar(v);
}

export function emitYaml(v: Json): string {
  const out: string[] = [];
  lines(v, "", out);
  return `${out.join("\n")}\n`;
}
