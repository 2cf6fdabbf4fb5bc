// Standalone plan source: TokenChaosExperiment manifests from a file or a folder (the same YAML
// people `kubectl apply`), compiled with the operator's own compile step. Reloads on change
// (fs.watch, plus a periodic stat as a backstop for file systems that miss events) and
// recompiles periodically so cron windows keep rolling forward.
//
// A file that fails to parse or validate is reported with its path and problems, and the
// experiments it held at its last good version stay in force; the other files still apply.
// Deleting a file removes its experiments.

import { type Dirent, type FSWatcher, promises as fsp, watch } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { compilePlan } from "../../api/plan/compile.ts";
import type { CompiledPlan } from "../../api/plan/types.ts";
import { KIND, type TokenChaosExperiment } from "../../api/v1alpha1/types.ts";
import { formatProblem, validateExperiment } from "../../api/v1alpha1/validate.ts";
import { loadYamlDocuments } from "../../api/yaml.ts";
import type { Logger } from "../observability/logger.ts";
import type { PlanSink, PlanSource } from "./plan-source.ts";

export interface YamlFilesOptions {
  /** A manifest file, or a folder whose *.yaml / *.yml files are read (not recursively). */
  path: string;
  logger: Logger;
  now?: () => number;
  /** Backstop stat of the files, in ms. */
  pollMs?: number;
  /** Recompile even without changes, so repeating windows roll forward, in ms. */
  recompileMs?: number;
}

interface FileEntry {
  /** mtime, size and inode: a change in any of them means the file must be read again. */
  signature: string;
  /** The experiments of the file's last good version. */
  experiments: TokenChaosExperiment[];
  /** The problem of the current version, if it is bad (reported once per version). */
  problem?: string;
}

const DEFAULT_NAMESPACE = "default";

function isManifestName(name: string): boolean {
  // Dot files include editor swap files and the "..data" links of a mounted ConfigMap.
  return !name.startsWith(".") && /\.(ya?ml)$/i.test(name);
}

/** Splits on document separator lines and drops empty documents (a trailing `---`). */
function yamlDocuments(text: string): unknown[] {
  const docs: unknown[] = [];
  for (const chunk of text.split(/^---[ \t]*(?:#.*)?$/m)) {
    for (const doc of loadYamlDocuments(chunk)) {
      if (doc !== null && doc !== undefined) docs.push(doc);
    }
  }
  return docs;
}

/** Plain JSON, as the API server would store it: Dates (YAML timestamps) as RFC 3339. */
function plain(doc: unknown): unknown {
  return JSON.parse(JSON.stringify(doc));
}

export class YamlFilesSource implements PlanSource {
  readonly description: string;
  #path: string;
  #logger: Logger;
  #now: () => number;
  #pollMs: number;
  #recompileMs: number;
  #files = new Map<string, FileEntry>();
  #firstSeen = new Map<string, number>();
  #sink: PlanSink | undefined;
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;
  #version = 0;
  #lastBody = "";
  #lastCompileAt = 0;
  #lastValidUntil: number | undefined;
  #scanning: Promise<void> | undefined;
  #rescan = false;
  #stopped = false;
  #missingReported = false;

  constructor(opts: YamlFilesOptions) {
    this.#path = resolve(opts.path);
    this.description = `file:${this.#path}`;
    this.#logger = opts.logger;
    this.#now = opts.now ?? Date.now;
    this.#pollMs = opts.pollMs ?? 1000;
    this.#recompileMs = opts.recompileMs ?? 30_000;
  }

  async start(sink: PlanSink): Promise<void> {
    this.#sink = sink;
    await this.#scan();
    sink.ready();
    this.#startWatch();
    this.#poll = setInterval(() => {
      if (this.#watcher === undefined) this.#startWatch();
      this.#trigger();
    }, this.#pollMs);
    this.#poll.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#poll !== undefined) clearInterval(this.#poll);
    if (this.#debounce !== undefined) clearTimeout(this.#debounce);
    this.#watcher?.close();
    this.#watcher = undefined;
    await this.#scanning;
  }

  /** Scans now and resolves when done (used by tests and by the CLI's reload). */
  async rescan(): Promise<void> {
    await this.#scanning;
    await this.#scan();
  }

  #startWatch(): void {
    if (this.#stopped) return;
    // Watching the folder (the file's parent for a single file) sees editors that replace a
    // file by renaming a new one over it, which a watch on the file itself would lose.
    const dir = this.#isDirectoryPath() ? this.#path : dirname(this.#path);
    const only = this.#isDirectoryPath() ? undefined : basename(this.#path);
    try {
      this.#watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (only === undefined || name === null || name === only) this.#schedule();
      });
      this.#watcher.on("error", () => {
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch {
      this.#watcher = undefined; // retried from the poll
    }
  }

  /** The plan in force expires before the next two recompiles: publish a fresh one. */
  #validUntilDue(now: number): boolean {
    return this.#lastValidUntil !== undefined && this.#lastValidUntil - now < 2 * this.#recompileMs;
  }

  #isDir: boolean | undefined;
  #isDirectoryPath(): boolean {
    return this.#isDir === true;
  }

  #schedule(): void {
    if (this.#debounce !== undefined) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.#trigger();
    }, 50);
    this.#debounce.unref();
  }

  #trigger(): void {
    if (this.#stopped) return;
    if (this.#scanning !== undefined) {
      this.#rescan = true;
      return;
    }
    this.#scanning = this.#scan()
      .catch((err: unknown) => this.#logger.error({ err }, "experiment scan failed"))
      .finally(() => {
        this.#scanning = undefined;
        if (this.#rescan) {
          this.#rescan = false;
          this.#trigger();
        }
      });
  }

  async #listFiles(): Promise<string[] | undefined> {
    let stat: Awaited<ReturnType<typeof fsp.stat>>;
    try {
      stat = await fsp.stat(this.#path);
    } catch (err) {
      if (!this.#missingReported) {
        this.#missingReported = true;
        this.#sink?.problem(this.description, `cannot read ${this.#path}: ${String(err)}`, {
          path: this.#path,
        });
      }
      return undefined;
    }
    this.#missingReported = false;
    const wasDir = this.#isDir;
    this.#isDir = stat.isDirectory();
    if (wasDir !== undefined && wasDir !== this.#isDir) {
      this.#watcher?.close();
      this.#watcher = undefined;
    }
    if (!this.#isDir) return [this.#path];
    const entries: Dirent[] = await fsp.readdir(this.#path, { withFileTypes: true });
    return entries
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && isManifestName(e.name))
      .map((e) => join(this.#path, e.name))
      .sort();
  }

  async #scan(): Promise<void> {
    const files = await this.#listFiles();
    // The path itself is gone (e.g. a remount in progress): keep everything as it was.
    if (files === undefined) return;
    let changed = false;
    const seen = new Set<string>();
    for (const file of files) {
      seen.add(file);
      let signature: string;
      try {
        const s = await fsp.stat(file);
        if (!s.isFile()) continue;
        signature = `${s.mtimeMs}:${s.size}:${s.ino}`;
      } catch {
        continue; // removed between listing and stat; the next scan sees it gone
      }
      const prev = this.#files.get(file);
      if (prev !== undefined && prev.signature === signature) continue;
      changed = true;
      this.#files.set(file, await this.#readFile(file, signature, prev));
    }
    for (const file of [...this.#files.keys()]) {
      if (!seen.has(file)) {
        this.#files.delete(file);
        changed = true;
        this.#logger.info({ path: file }, "experiment file removed");
      }
    }
    const now = this.#now();
    if (!changed && now - this.#lastCompileAt < this.#recompileMs && this.#version > 0) return;
    this.#publish(now);
  }

  async #readFile(
    file: string,
    signature: string,
    prev: FileEntry | undefined,
  ): Promise<FileEntry> {
    const kept = prev?.experiments ?? [];
    const bad = (problem: string): FileEntry => {
      this.#sink?.problem(this.description, `${file}: ${problem}`, { path: file });
      return { signature, experiments: kept, problem };
    };
    let docs: unknown[];
    try {
      docs = yamlDocuments(await fsp.readFile(file, "utf8"));
    } catch (err) {
      return bad(`not valid YAML: ${err instanceof Error ? err.message : String(err)}`);
    }
    const experiments: TokenChaosExperiment[] = [];
    const problems: string[] = [];
    docs.forEach((raw, i) => {
      const doc = plain(raw);
      if (typeof doc !== "object" || doc === null || (doc as { kind?: unknown }).kind !== KIND) {
        return; // other manifests may share the folder
      }
      const meta = (doc as { metadata?: unknown }).metadata;
      if (typeof meta === "object" && meta !== null && !("namespace" in meta)) {
        (meta as { namespace?: string }).namespace = DEFAULT_NAMESPACE;
      }
      const found = validateExperiment(doc);
      const name = (meta as { name?: unknown } | undefined)?.name;
      const label = `document ${i + 1}${typeof name === "string" ? ` (${name})` : ""}`;
      if (found.length > 0) {
        problems.push(`${label}: ${found.map(formatProblem).join("; ")}`);
      } else {
        experiments.push(doc as TokenChaosExperiment);
      }
    });
    if (problems.length > 0) {
      return bad(
        `${problems.join(" | ")}${prev !== undefined ? " (keeping its last good version)" : ""}`,
      );
    }
    this.#logger.info(
      { path: file, experiments: experiments.map((e) => e.metadata.name) },
      "experiment file loaded",
    );
    return { signature, experiments };
  }

  #publish(now: number): void {
    const byId = new Map<string, { exp: TokenChaosExperiment; file: string }>();
    for (const [file, entry] of this.#files) {
      for (const exp of entry.experiments) {
        const id = `${exp.metadata.namespace ?? DEFAULT_NAMESPACE}/${exp.metadata.name}`;
        const other = byId.get(id);
        if (other !== undefined) {
          if (entry.problem === undefined) {
            this.#sink?.problem(
              this.description,
              `${file}: experiment ${id} is also defined in ${other.file}; the first one is used`,
              { path: file },
            );
          }
          continue;
        }
        byId.set(id, { exp, file });
      }
    }
    // Without startAt a schedule starts when the experiment is first seen: remember that
    // instant, so editing or recompiling never moves a window. A removed experiment is
    // forgotten, so adding it back starts afresh.
    for (const id of [...this.#firstSeen.keys()]) if (!byId.has(id)) this.#firstSeen.delete(id);
    for (const id of byId.keys()) if (!this.#firstSeen.has(id)) this.#firstSeen.set(id, now);
    const objs = [...byId.values()].map((v) => v.exp);
    const { plan, problems } = compilePlan(objs, {
      nowMs: now,
      version: this.#version + 1,
      firstSeen: this.#firstSeen,
    });
    for (const [id, list] of problems) {
      const file = byId.get(id)?.file ?? this.#path;
      this.#sink?.problem(
        this.description,
        `${file}: experiment ${id}: ${list.map(formatProblem).join("; ")}`,
        { path: file, experiment: id },
      );
    }
    this.#lastCompileAt = now;
    const body = planBody(plan);
    // Same experiments and windows, and no validUntil coming due: nothing to hand over.
    if (body === this.#lastBody && !this.#validUntilDue(now)) return;
    this.#version++;
    this.#lastBody = body;
    this.#lastValidUntil = plan.validUntil;
    this.#sink?.offer(plan, this.description);
  }
}

function planBody(plan: CompiledPlan): string {
  return JSON.stringify([plan.halted, plan.experiments]);
}
