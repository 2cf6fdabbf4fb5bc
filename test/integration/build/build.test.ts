// `make build` for real (tsc, then the protos copied next to the code) into a temporary folder,
// then the compiled JavaScript run by node: what the image runs, checked without an image.

import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { envoyAuthzClient } from "../../support/envoy-authz-client.ts";
import { REPO_ROOT } from "../../support/invalid-fixtures.ts";

// Under the repository (git-ignored) so the compiled code finds node_modules as dist/ would.
mkdirSync(join(REPO_ROOT, "test", ".run"), { recursive: true });
const OUT = mkdtempSync(join(REPO_ROOT, "test", ".run", "build-"));
const BIN = join(OUT, "bin", "token-chaos.js");
const EXAMPLES = join(REPO_ROOT, "examples");

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(
  cmd: string,
  args: string[],
  timeoutMs: number,
): { child: ChildProcess; done: Promise<Exit> } {
  const child = spawn(cmd, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const done = new Promise<Exit>((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, done };
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(OUT, join(e.parentPath, e.name)));
}

describe("make build", () => {
  before(async () => {
    const r = await run("make", ["-s", "build", `BUILD_DIR=${OUT}`], 120_000).done;
    assert.equal(r.code, 0, `make build failed:\n${r.stdout}\n${r.stderr}`);
  });
  after(() => rmSync(OUT, { recursive: true, force: true }));

  it("emits JavaScript only for the runtime, with .js imports, and the protos beside it", () => {
    const out = files(OUT);
    const js = out.filter((f) => f.endsWith(".js"));
    assert.ok(js.length > 50, `expected the runtime modules, got ${js.length} files`);
    for (const top of ["bin", "cli", "api", "operator", "authz-server", "proto"]) {
      assert.ok(existsSync(join(OUT, top)), `${top}/ missing from the build`);
    }
    for (const absent of ["test", "bench", "scripts"]) {
      assert.ok(!existsSync(join(OUT, absent)), `${absent}/ must not be in the build`);
    }
    assert.deepEqual(
      out.filter((f) => /\.(ts|map)$/.test(f)),
      [],
      "no sources, declarations or source maps",
    );
    // Every relative specifier, static or dynamic, must point at a .js file that exists.
    const spec = /(?:from\s+|import\()\s*"(\.{1,2}\/[^"]+)"/g;
    for (const f of js) {
      const text = readFileSync(join(OUT, f), "utf8");
      for (const m of text.matchAll(spec)) {
        const target = m[1] as string;
        assert.match(target, /\.js$/, `${f} imports ${target}`);
        assert.ok(existsSync(join(OUT, f, "..", target)), `${f} imports missing ${target}`);
      }
    }
    assert.ok(
      existsSync(join(OUT, "proto", "envoy", "service", "auth", "v3", "external_auth.proto")),
    );
  });

  it("the Dockerfile compiles every folder the build includes and runs what it emits", () => {
    // No container engine here: this keeps the image recipe from drifting away from the build.
    const dockerfile = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
    const dockerignore = readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8").split("\n");
    const config = JSON.parse(readFileSync(join(REPO_ROOT, "tsconfig.build.json"), "utf8")) as {
      include: string[];
    };
    for (const dir of [...config.include, "proto"]) {
      assert.match(dockerfile, new RegExp(`^COPY ${dir}/ ${dir}/$`, "m"), `Dockerfile: ${dir}/`);
      assert.ok(dockerignore.includes(`!${dir}/`), `.dockerignore must let ${dir}/ in`);
    }
    const entry = /^ENTRYPOINT \["node", "dist\/(.+)"\]$/m.exec(dockerfile)?.[1];
    assert.ok(entry !== undefined, "ENTRYPOINT runs node on a file under dist/");
    assert.ok(existsSync(join(OUT, entry)), `ENTRYPOINT file ${entry} is not in the build`);
    assert.match(dockerfile, /^USER 1000$/m);
  });

  it("--help from the compiled JavaScript", async () => {
    const r = await run(process.execPath, [BIN, "--help"], 30_000).done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Usage: token-chaos <command>/);
    for (const cmd of ["authz", "operator", "validate", "halt", "resume"]) {
      assert.match(r.stdout, new RegExp(`^  ${cmd} `, "m"));
    }
  });

  it("validate examples from the compiled JavaScript", async () => {
    const r = await run(process.execPath, [BIN, "validate", EXAMPLES], 30_000).done;
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const yaml = readdirSync(EXAMPLES).filter((f) => f.endsWith(".yaml")).length;
    assert.match(r.stdout, new RegExp(`^${yaml} experiments in ${yaml} files valid$`, "m"));
  });

  it("validate finds the same problems as the sources do", async () => {
    // Rules only the operator's code checks (cron, time zones, key sets), not the schema.
    const bad = join(REPO_ROOT, "test", "fixtures", "invalid-offline");
    const built = await run(process.execPath, [BIN, "validate", bad], 30_000).done;
    const source = await run(
      process.execPath,
      [join(REPO_ROOT, "bin", "token-chaos.ts"), "validate", bad],
      30_000,
    ).done;
    assert.equal(built.code, 1, built.stdout + built.stderr);
    assert.match(built.stdout, /timeZone must be an IANA time zone/);
    assert.equal(built.stdout, source.stdout);
    assert.equal(built.code, source.code);
  });

  it("the compiled authz-server finds its protos and answers a Check", async () => {
    const { child, done } = run(
      process.execPath,
      [
        BIN,
        "authz",
        "--experiments",
        EXAMPLES,
        "--grpc-port=0",
        "--http-port=0",
        "--metrics-port=0",
        "--log-level=warn",
      ],
      60_000,
    );
    try {
      const ports = await new Promise<{ grpc: number; metrics: number }>((resolve, reject) => {
        let buf = "";
        child.stdout?.on("data", (d: Buffer) => {
          buf += d.toString();
          const line = buf.split("\n").find((l) => l.startsWith('{"listening"'));
          if (line !== undefined) {
            resolve(
              (JSON.parse(line) as { listening: { grpc: number; metrics: number } }).listening,
            );
          }
        });
        void done.then((r) => reject(new Error(`authz exited early (${r.code}): ${r.stderr}`)));
      });
      const ready = await fetch(`http://127.0.0.1:${ports.metrics}/readyz`);
      assert.equal(ready.status, 200);
      await ready.text();
      const client = envoyAuthzClient(`127.0.0.1:${ports.grpc}`);
      try {
        // A host no example targets: passed through untouched (OK).
        const r = await client.check({ host: "nothing.example.test", path: "/", headers: {} });
        assert.equal(r.error, undefined, r.error?.message);
        assert.equal(r.response?.http_response, "ok_response");
        assert.equal(r.response?.status?.code ?? 0, 0);
      } finally {
        client.close();
      }
    } finally {
      child.kill("SIGTERM");
    }
    const exit = await done;
    assert.equal(exit.code, 0, exit.stderr);
  });
});
