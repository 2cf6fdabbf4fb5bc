// Subcommand dispatch. Each subcommand lives in its own module and is loaded on demand,
// so `token-chaos validate` does not pay for gRPC or the Kubernetes client.

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export interface Subcommand {
  summary: string;
  run(args: string[], io: CliIo): Promise<number>;
}

type Loader = () => Promise<Subcommand>;

/** Registry of subcommands; each entry loads its module lazily. */
export const SUBCOMMANDS: Record<string, Loader> = {
  authz: async () => (await import("../authz-server/cli.ts")).authzCommand,
  operator: async () => (await import("../operator/cli.ts")).operatorCommand,
  halt: async () => (await import("../operator/halt-cli.ts")).haltCommand,
  resume: async () => (await import("../operator/halt-cli.ts")).resumeCommand,
  validate: async () => (await import("./validate.ts")).validateCommand,
};

export function usage(): string {
  const names = Object.keys(SUBCOMMANDS).sort();
  const lines = [
    "Usage: token-chaos <command> [options]",
    "",
    "Token-aware chaos for Kubernetes: inject API token failures through Envoy ext_authz.",
    "",
    "Commands:",
    ...names.map((n) => `  ${n}`),
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
  const load = SUBCOMMANDS[name];
  if (load === undefined) {
    io.stderr.write(`token-chaos: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const cmd = await load();
  return cmd.run(rest, io);
}
