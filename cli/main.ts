// Subcommand dispatch. Each subcommand lives in its own module and is loaded on demand,
// so `token-chaos validate` does not pay for gRPC or the Kubernetes client.

import { AUTHZ_V8_FLAGS, OPERATOR_V8_FLAGS } from "./v8-flags.ts";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export interface Subcommand {
  summary: string;
  run(args: string[], io: CliIo): Promise<number>;
}

interface Entry {
  /** One line for `token-chaos --help`; kept here so help never loads the subcommand. */
  summary: string;
  load: () => Promise<Subcommand>;
  /** V8 flags the long-running commands start with (cli/v8-flags.ts); known before loading. */
  v8Flags?: string;
}

/** Registry of subcommands; each entry loads its module lazily. */
export const SUBCOMMANDS: Record<string, Entry> = {
  authz: {
    summary: "run the ext_authz server (gRPC + HTTP) from YAML files or the operator's plan",
    load: async () => (await import("../authz-server/cli.ts")).authzCommand,
    v8Flags: AUTHZ_V8_FLAGS,
  },
  operator: {
    summary: "run the controller that turns experiments into the published plan",
    load: async () => (await import("../operator/cli.ts")).operatorCommand,
    v8Flags: OPERATOR_V8_FLAGS,
  },
  halt: {
    summary: "stop every experiment at once (the safety lever)",
    load: async () => (await import("../operator/halt-cli.ts")).haltCommand,
  },
  resume: {
    summary: "lift a halt",
    load: async () => (await import("../operator/halt-cli.ts")).resumeCommand,
  },
  validate: {
    summary: "check experiment manifests offline with the API server's rules",
    load: async () => (await import("./validate.ts")).validateCommand,
  },
};

/** The V8 flags for a command line's subcommand, if it has any. */
export function v8FlagsFor(argv: readonly string[]): string | undefined {
  const name = argv[0];
  return name !== undefined && Object.hasOwn(SUBCOMMANDS, name)
    ? SUBCOMMANDS[name]?.v8Flags
    : undefined;
}

export function usage(): string {
  const names = Object.keys(SUBCOMMANDS).sort();
  const lines = [
    "Usage: token-chaos <command> [options]",
    "",
    "Token-aware chaos for Kubernetes: inject API token failures through Envoy ext_authz.",
    "",
    "Commands:",
    ...names.map((n) => `  ${n.padEnd(10)} ${SUBCOMMANDS[n]?.summary ?? ""}`),
    "",
    "Run 'token-chaos <command> --help' for a command's options.",
  ];
  return `${lines.join("\n")}\n`;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const entry = Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
  if (entry === undefined) {
    io.stderr.write(`token-chaos: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const cmd = await entry.load();
  return cmd.run(rest, io);
}
