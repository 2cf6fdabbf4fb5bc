// token-chaos validate FILE|DIR...: checks TokenChaosExperiment manifests offline with the rules
// the API server applies, plus those only the operator can (regex, cron, time zone).
// Exit 0: all valid; 1: a problem in some manifest; 2: usage error or unreadable file.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { KIND } from "../api/v1alpha1/types.ts";
import { formatProblem, validateExperiment } from "../api/v1alpha1/validate.ts";
import { loadYamlDocuments } from "../api/yaml.ts";
import type { CliIo, Subcommand } from "./main.ts";

const HELP = `Usage: token-chaos validate FILE|DIR...

Check TokenChaosExperiment manifests offline: the CRD's schema and rules, plus what
only the operator can check (regular expressions, cron schedules, time zones).
A directory means its *.yaml, *.yml and *.json files. Documents of other kinds are
skipped with a note.

Each problem is printed as
  FILE: doc N (namespace/name): FIELD: MESSAGE

Exit status: 0 all valid, 1 a problem was found, 2 usage error or unreadable file.
`;

const MANIFEST = /\.(ya?ml|json)$/;

/** Splits a YAML stream at its document markers, keeping what follows `---` on its line. */
export function splitDocuments(text: string): string[] {
  const docs: string[] = [];
  let current: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^---(?:[ \t]+(.*))?$/.exec(line);
    if (m === null) {
      current.push(line);
      continue;
    }
    docs.push(current.join("\n"));
    current = m[1] === undefined ? [] : [m[1]];
  }
  docs.push(current.join("\n"));
  return docs;
}

/** Date values (from YAML timestamps) back to the strings the API sees. */
function plain(v: unknown): unknown {
  if (v instanceof Date) return Number.isFinite(v.getTime()) ? v.toISOString() : String(v);
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

interface Totals {
  files: number;
  experiments: number;
  invalid: number;
  problems: number;
  skipped: number;
}

function describe(doc: unknown): { kind: string; ref: string } {
  const o = (typeof doc === "object" && doc !== null ? doc : {}) as {
    kind?: unknown;
    metadata?: { name?: unknown; namespace?: unknown };
  };
  const name = typeof o.metadata?.name === "string" ? o.metadata.name : "<unnamed>";
  const ns = typeof o.metadata?.namespace === "string" ? `${o.metadata.namespace}/` : "";
  return { kind: typeof o.kind === "string" ? o.kind : "", ref: `${ns}${name}` };
}

function checkFile(file: string, text: string, io: CliIo, totals: Totals): void {
  totals.files++;
  let n = 0;
  const queue: unknown[] = [];
  for (const chunk of splitDocuments(text)) {
    let loaded: unknown[];
    try {
      loaded = loadYamlDocuments(chunk);
    } catch (e) {
      n++;
      totals.invalid++;
      totals.problems++;
      const reason = (e as Error).message.split("\n")[0];
      io.stdout.write(`${file}: doc ${n}: not valid YAML: ${reason}\n`);
      continue;
    }
    queue.push(...loaded.filter((d) => d !== null && d !== undefined));
    // kind: List wraps documents, as kubectl accepts it.
    while (queue.length > 0) {
      const doc = plain(queue.shift());
      const { kind, ref } = describe(doc);
      if (kind === "List" && Array.isArray((doc as { items?: unknown }).items)) {
        queue.unshift(...(doc as { items: unknown[] }).items);
        continue;
      }
      n++;
      if (kind !== KIND) {
        totals.skipped++;
        io.stderr.write(
          `${file}: doc ${n} (${kind || "no kind"} ${ref}): skipped, not a ${KIND}\n`,
        );
        continue;
      }
      totals.experiments++;
      const problems = validateExperiment(doc);
      if (problems.length === 0) continue;
      totals.invalid++;
      totals.problems += problems.length;
      for (const p of problems)
        io.stdout.write(`${file}: doc ${n} (${ref}): ${formatProblem(p)}\n`);
    }
  }
}

/** Expands directories into their manifest files; undefined (after a message) when unreadable. */
function expand(arg: string, io: CliIo): string[] | undefined {
  try {
    if (!statSync(arg).isDirectory()) return [arg];
    return readdirSync(arg)
      .filter((f) => MANIFEST.test(f))
      .sort()
      .map((f) => join(arg, f));
  } catch (e) {
    io.stderr.write(
      `token-chaos validate: cannot read ${arg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`,
    );
    return undefined;
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

export async function runValidate(args: string[], io: CliIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout.write(HELP);
    return 0;
  }
  const unknown = args.find((a) => a.startsWith("-") && a !== "--");
  const paths = args.filter((a) => a !== "--");
  if (unknown !== undefined || paths.length === 0) {
    io.stderr.write(
      `token-chaos validate: ${unknown ? `unknown option ${unknown}` : "no files given"}\n\n${HELP}`,
    );
    return 2;
  }
  const totals: Totals = { files: 0, experiments: 0, invalid: 0, problems: 0, skipped: 0 };
  let unreadable = false;
  for (const arg of paths) {
    const files = expand(arg, io);
    if (files === undefined) {
      unreadable = true;
      continue;
    }
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (e) {
        io.stderr.write(
          `token-chaos validate: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`,
        );
        unreadable = true;
        continue;
      }
      checkFile(file, text, io, totals);
    }
  }
  const scanned = `${plural(totals.experiments, "experiment")} in ${plural(totals.files, "file")}`;
  const skipped = totals.skipped > 0 ? `, ${plural(totals.skipped, "other document")} skipped` : "";
  if (totals.problems > 0) {
    io.stderr.write(
      `${plural(totals.problems, "problem")} in ${plural(totals.invalid, "document")} (${scanned}${skipped})\n`,
    );
  } else if (!unreadable) {
    io.stdout.write(`${scanned} valid${skipped}\n`);
  }
  if (unreadable) return 2;
  return totals.problems > 0 ? 1 : 0;
}

export const validateCommand: Subcommand = {
  summary: "check TokenChaosExperiment manifests offline",
  run: runValidate,
};
