// V8 heap flags a long-running subcommand sets on itself (the operator, the authz-server).
// V8 sizes its heap when the process starts: flags given later through v8.setFlagsFromString
// (--max-semi-space-size, --max-old-space-size) are accepted without effect on the heap already
// set up. So the command's entry point restarts the process in place, once, before anything
// else is loaded: process.execve keeps the pid, the open stdio and the environment, so
// supervisors, signals and log pipes do not notice. TOKEN_CHAOS_V8_FLAGS overrides a
// subcommand's flags ("" disables them); flags already on the command line or in NODE_OPTIONS
// are the operator's choice and win.

export const V8_FLAGS_ENV = "TOKEN_CHAOS_V8_FLAGS";

/**
 * The operator: a controller allocates in small bursts around each reconcile; V8's default young
 * generation (up to 16 MB semi-spaces) and speed-tuned heuristics hold on to far more memory
 * than that needs. Its code is not hot enough for the optimizing compilers (TurboFan, Maglev)
 * to pay off: without them a burst of 1,000 experiments costs the same CPU time within noise,
 * and 13 MB less idle, 20 MB less at the peak (bench/operator-1000.ts, docs/operator.md); the
 * baseline compiler stays. These keep it well inside its memory budget.
 */
export const OPERATOR_V8_FLAGS = "--max-semi-space-size=1 --optimize-for-size --no-opt --no-maglev";

/**
 * The authz-server: each check allocates some 30 KB (mostly the gRPC and HTTP/2 stack) that
 * dies with it. On V8's defaults (16 MB semi-spaces, an old generation that grows lazily)
 * resident memory under load is about twice the idle figure, all of it garbage; the live heap
 * stays near 25 MB with 1,000 experiments. A 4 MB young generation still holds the checks in
 * flight (a smaller one promotes them and costs a fifth more CPU per check) and a bounded old
 * one stops the lazy growth. Not --optimize-for-size: it slows the hot path down markedly.
 */
export const AUTHZ_V8_FLAGS = "--max-semi-space-size=4 --max-old-space-size=96";
/** Set on the restarted process: it never restarts a second time, whatever its flags say. */
const RESTARTED_ENV = "TOKEN_CHAOS_V8_FLAGS_APPLIED";

/** "--max_old_space_size=96" -> "max-old-space-size": how Node and V8 compare flag names. */
function flagName(flag: string): string {
  return flag.replace(/^-+/, "").split("=")[0]?.replaceAll("_", "-") ?? "";
}

/** The flags in `wanted` whose names are not among `given` (the process's own flags). */
export function missingV8Flags(wanted: string, given: readonly string[]): string[] {
  const have = new Set(given.filter((g) => g.startsWith("-")).map(flagName));
  return wanted
    .split(/\s+/)
    .filter((f) => f.startsWith("--") && f.length > 2)
    .filter((f) => !have.has(flagName(f)));
}

export interface RestartTarget {
  execPath: string;
  execArgv: readonly string[];
  /** process.argv: the node binary, the script, then the script's arguments. */
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
}

/**
 * What to exec so the process runs with `defaults` (or TOKEN_CHAOS_V8_FLAGS), or undefined
 * when nothing is missing or the process was already restarted once.
 */
export function v8Restart(
  defaults: string | undefined,
  p: RestartTarget,
): { file: string; args: string[]; env: NodeJS.ProcessEnv } | undefined {
  if (p.env[RESTARTED_ENV] !== undefined) return undefined;
  const wanted = p.env[V8_FLAGS_ENV] ?? defaults ?? "";
  const nodeOptions = (p.env.NODE_OPTIONS ?? "").split(/\s+/);
  const missing = missingV8Flags(wanted, [...p.execArgv, ...nodeOptions]);
  if (missing.length === 0) return undefined;
  return {
    file: p.execPath,
    args: [p.execPath, ...missing, ...p.execArgv, ...p.argv.slice(1)],
    env: { ...p.env, [RESTARTED_ENV]: missing.join(" ") },
  };
}

/** Restarts this process with the subcommand's V8 flags when they are not in force yet. */
export function restartWithV8Flags(defaults: string | undefined): void {
  // Without execve (other platforms), the process runs on V8's defaults.
  if (typeof process.execve !== "function") return;
  const target = v8Restart(defaults, process);
  if (target !== undefined) process.execve(target.file, target.args, target.env);
}
