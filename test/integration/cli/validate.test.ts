// token-chaos validate on real files: output format, exit codes, multi-document files, other
// kinds, directories, unreadable paths, and the real binary.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, describe, test } from "node:test";
import { runValidate, splitDocuments } from "../../../cli/validate.ts";
import { REPO_ROOT } from "../../support/invalid-fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "tce-validate-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function sink(): { stream: Writable; text: () => string } {
  let buf = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      buf += String(chunk);
      done();
    },
  });
  return { stream, text: () => buf };
}

async function run(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await runValidate(args, { stdout: out.stream, stderr: err.stream, env: {} });
  return { code, stdout: out.text(), stderr: err.text() };
}

const GOOD = `apiVersion: chaos.tokenchaos.dev/v1alpha1
kind: TokenChaosExperiment
metadata: {name: good, namespace: shop}
spec:
  target: {hosts: [checkout.shop.svc.cluster.local]}
  faults: [{type: expire}]
  schedule: {duration: 10m}
`;
const BAD = GOOD.replace("name: good", "name: bad").replace(
  "{type: expire}",
  "{type: expire, percent: 101}",
);

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("token-chaos validate", () => {
  test("valid files: exit 0 and a one-line summary", async () => {
    const r = await run([file("good.yaml", GOOD)]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "1 experiment in 1 file valid\n");
    assert.equal(r.stderr, "");
  });

  test("each problem: FILE: doc N (namespace/name): path: message; exit 1", async () => {
    const ConfigMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n";
    const p = file("multi.yaml", `${GOOD}---\n${ConfigMap}---\n# only a comment\n---\n${BAD}`);
    const r = await run([p]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, `${p}: doc 3 (shop/bad): spec.faults[0].percent: must be at most 100\n`);
    assert.match(
      r.stderr,
      new RegExp(`${p}: doc 2 \\(ConfigMap settings\\): skipped, not a TokenChaosExperiment`),
    );
    assert.match(
      r.stderr,
      /1 problem in 1 document \(2 experiments in 1 file, 1 other document skipped\)/,
    );
  });

  test("kind: List is unpacked, as kubectl does", async () => {
    const bad = {
      apiVersion: "chaos.tokenchaos.dev/v1alpha1",
      kind: "TokenChaosExperiment",
      metadata: { name: "bad", namespace: "shop" },
      spec: {
        target: { hosts: ["checkout.shop.svc.cluster.local"] },
        faults: [{ type: "expire", percent: 101 }],
        schedule: { duration: "10m" },
      },
    };
    const list = JSON.stringify({ apiVersion: "v1", kind: "List", items: [bad] });
    const r = await run([file("list.json", list)]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /doc 1 \(shop\/bad\): spec\.faults\[0\]\.percent/);
  });

  test("YAML that does not parse is a problem of that document", async () => {
    const r = await run([file("broken.yaml", "kind: [unclosed\n")]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /broken\.yaml: doc 1: not valid YAML/);
  });

  test("a directory means its manifests, in name order", async () => {
    const sub = join(dir, "d");
    mkdirSync(sub);
    writeFileSync(join(sub, "b.yaml"), BAD);
    writeFileSync(join(sub, "a.yml"), GOOD);
    writeFileSync(join(sub, "notes.txt"), "not a manifest");
    const r = await run([sub]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(2 experiments in 2 files\)/);
  });

  test("usage errors and unreadable files exit 2", async () => {
    assert.equal((await run([])).code, 2);
    assert.equal((await run(["--frobnicate", "x.yaml"])).code, 2);
    const missing = await run([join(dir, "nope.yaml"), file("good2.yaml", GOOD)]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.yaml: ENOENT/);
    if (process.getuid?.() !== 0) {
      const locked = file("locked.yaml", GOOD);
      chmodSync(locked, 0o000);
      assert.equal((await run([locked])).code, 2);
    }
  });

  test("--help prints usage and exits 0", async () => {
    const r = await run(["--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Usage: token-chaos validate FILE\|DIR\.\.\./);
  });

  test("splitDocuments keeps content that follows --- on its line", () => {
    assert.deepEqual(splitDocuments("a: 1\n--- b: 2\n---\nc: 3"), ["a: 1", "b: 2", "c: 3"]);
  });

  test("the real binary: every example is valid, every invalid fixture is not", () => {
    const bin = join(REPO_ROOT, "bin", "token-chaos.ts");
    const ok = spawnSync(process.execPath, [bin, "validate", join(REPO_ROOT, "examples")], {
      encoding: "utf8",
    });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^15 experiments in 15 files valid\n$/);
    for (const folder of ["invalid", "invalid-offline"]) {
      const bad = spawnSync(
        process.execPath,
        [bin, "validate", join(REPO_ROOT, "test", "fixtures", folder)],
        {
          encoding: "utf8",
        },
      );
      assert.equal(bad.status, 1, bad.stderr);
      const files = new Set(
        bad.stdout
          .split("\n")
          .filter(Boolean)
          .map((l) => l.split(": doc ")[0]),
      );
      assert.ok(
        files.size >= (folder === "invalid" ? 25 : 4),
        `${folder}: only ${files.size} files had problems`,
      );
    }
  });
});
