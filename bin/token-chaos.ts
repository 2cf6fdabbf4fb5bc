#!/usr/bin/env node
// token-chaos command line: one binary, a subcommand for each part.
import { runCli } from "../cli/main.ts";

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
