import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { type CliIo, runCli, SUBCOMMANDS } from "../../../cli/main.ts";

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(String(chunk));
        done();
      },
    });
  return {
    io: {
      stdout: sink((s) => {
        out += s;
      }),
      stderr: sink((s) => {
        err += s;
      }),
      env: {},
    },
    out: () => out,
    err: () => err,
  };
}

describe("token-chaos command line", () => {
  it("--help lists every subcommand with its summary and exits 0", async () => {
    const c = capture();
    assert.equal(await runCli(["--help"], c.io), 0);
    for (const [name, entry] of Object.entries(SUBCOMMANDS)) {
      assert.match(c.out(), new RegExp(`^  ${name}\\s+${entry.summary.slice(0, 20)}`, "m"));
    }
    assert.equal(c.err(), "");
  });

  it("no arguments prints usage and exits 2", async () => {
    const c = capture();
    assert.equal(await runCli([], c.io), 2);
    assert.match(c.out(), /^Usage: token-chaos <command>/);
  });

  it("an unknown subcommand is named on stderr, with usage, exit 2", async () => {
    for (const name of ["frobnicate", "toString", "__proto__"]) {
      const c = capture();
      assert.equal(await runCli([name], c.io), 2);
      assert.match(c.err(), new RegExp(`unknown command '${name}'`));
      assert.match(c.err(), /Commands:/);
      assert.equal(c.out(), "");
    }
  });
});
