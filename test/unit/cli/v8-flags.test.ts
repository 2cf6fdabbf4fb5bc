import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { v8FlagsFor } from "../../../cli/main.ts";
import {
  AUTHZ_V8_FLAGS,
  missingV8Flags,
  OPERATOR_V8_FLAGS,
  V8_FLAGS_ENV,
  v8Restart,
} from "../../../cli/v8-flags.ts";

const base = {
  execPath: "/usr/bin/node",
  execArgv: ["--enable-source-maps"],
  argv: ["/usr/bin/node", "/app/bin/token-chaos.ts", "authz", "--grpc-port=0"],
  env: { PATH: "/bin" },
};

describe("V8 flags for long-running subcommands", () => {
  it("each long-running subcommand has its own flags; the others none", () => {
    assert.equal(v8FlagsFor(["authz", "--help"]), AUTHZ_V8_FLAGS);
    assert.equal(v8FlagsFor(["operator"]), OPERATOR_V8_FLAGS);
    assert.equal(v8FlagsFor(["validate", "x.yaml"]), undefined);
    assert.equal(v8FlagsFor(["toString"]), undefined);
    assert.equal(v8FlagsFor([]), undefined);
  });

  it("restarts with the missing flags first, keeping node's and the script's arguments", () => {
    const r = v8Restart("--max-semi-space-size=1 --max-old-space-size=96", base);
    assert.ok(r !== undefined);
    assert.equal(r.file, "/usr/bin/node");
    assert.deepEqual(r.args, [
      "/usr/bin/node",
      "--max-semi-space-size=1",
      "--max-old-space-size=96",
      "--enable-source-maps",
      "/app/bin/token-chaos.ts",
      "authz",
      "--grpc-port=0",
    ]);
    assert.equal(r.env.PATH, "/bin");
  });

  it("never restarts twice", () => {
    const first = v8Restart("--max-semi-space-size=1", base);
    assert.ok(first !== undefined);
    // Even if the restarted process did not show the flag, the marker stops a loop.
    assert.equal(v8Restart("--max-semi-space-size=1", { ...base, env: first.env }), undefined);
  });

  it("flags already given on the command line or in NODE_OPTIONS win, in either spelling", () => {
    assert.deepEqual(
      missingV8Flags("--max-semi-space-size=1 --max-old-space-size=96", [
        "--max_old_space_size=256",
      ]),
      ["--max-semi-space-size=1"],
    );
    const r = v8Restart("--max-semi-space-size=1 --max-old-space-size=96", {
      ...base,
      env: { NODE_OPTIONS: "--max-old-space-size=512 --max-semi-space-size=8" },
    });
    assert.equal(r, undefined);
  });

  it("TOKEN_CHAOS_V8_FLAGS replaces the defaults; empty disables them", () => {
    const r = v8Restart("--max-semi-space-size=1", {
      ...base,
      env: { [V8_FLAGS_ENV]: "--max-old-space-size=200" },
    });
    assert.deepEqual(r?.args.slice(1, 2), ["--max-old-space-size=200"]);
    assert.equal(
      v8Restart("--max-semi-space-size=1", { ...base, env: { [V8_FLAGS_ENV]: "" } }),
      undefined,
    );
    assert.equal(v8Restart(undefined, base), undefined);
  });

  it("ignores anything that is not a flag", () => {
    assert.deepEqual(missingV8Flags("  -- x --max-semi-space-size=2  ", []), [
      "--max-semi-space-size=2",
    ]);
  });
});
