#!/usr/bin/env node
// token-chaos command line: one binary, a subcommand for each part.
import { runCli, v8FlagsFor } from "../cli/main.ts";
import { restartWithV8Flags } from "../cli/v8-flags.ts";

// Heap flags only count when the process starts with them: restart in place if they are missing.
restartWithV8Flags(v8FlagsFor(process.argv.slice(2)));

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
