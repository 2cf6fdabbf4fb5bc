// Captures a subcommand's output when it runs in-process.

import { Writable } from "node:stream";
import type { CliIo } from "../../../cli/main.ts";

export function captureIo(
  env: NodeJS.ProcessEnv = process.env,
): CliIo & { out(): string; err(): string } {
  let out = "";
  let err = "";
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, cb) {
        append(chunk.toString());
        cb();
      },
    });
  return {
    stdout: sink((s) => {
      out += s;
    }),
    stderr: sink((s) => {
      err += s;
    }),
    env,
    out: () => out,
    err: () => err,
  };
}
