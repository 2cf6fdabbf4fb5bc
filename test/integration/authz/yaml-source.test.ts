// The standalone plan source on a real folder and file: loads the manifests users apply,
// reloads on change (including editors that replace the file by rename), reports a bad file
// with its path and problem while its last good experiments stay in force, drops the
// experiments of a deleted file, and ignores other kinds of manifests in the same folder.

import assert from "node:assert/strict";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { CompiledPlan } from "../../../api/plan/types.ts";
import { createLogger } from "../../../authz-server/observability/logger.ts";
import type { PlanSink } from "../../../authz-server/plan-source/plan-source.ts";
import { YamlFilesSource } from "../../../authz-server/plan-source/yaml-files.ts";

function tce(name: string, path: string, extra = ""): string {
  return `apiVersion: chaos.tokenchaos.dev/v1alpha1
kind: TokenChaosExperiment
metadata:
  name: ${name}
spec:
  target:
    hosts: [api.test]
    paths: [{prefix: ${path}}]
  faults:
    - type: deny${extra}
  schedule:
    duration: 1h
`;
}

class RecordingSink implements PlanSink {
  plans: CompiledPlan[] = [];
  problems: string[] = [];
  isReady = false;
  offer(plan: CompiledPlan): boolean {
    this.plans.push(plan);
    return true;
  }
  problem(_origin: string, message: string): void {
    this.problems.push(message);
  }
  ready(): void {
    this.isReady = true;
  }
  get last(): CompiledPlan {
    const p = this.plans.at(-1);
    assert.ok(p !== undefined, "a plan was offered");
    return p;
  }
  ids(): string[] {
    return this.last.experiments.map((e) => e.id);
  }
}

async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "token-chaos-yaml-"));
  dirs.push(d);
  return d;
}

const logger = createLogger({ level: "silent" });

describe("YAML plan source", () => {
  it("folder: loads, reloads, keeps the last good version of a bad file, drops deleted files", async () => {
    const dir = await tempDir();
    const a = join(dir, "a.yaml");
    await writeFile(a, tce("a", "/a"));
    await writeFile(
      join(dir, "other.yaml"),
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n",
    );
    await writeFile(join(dir, "notes.txt"), "not a manifest");
    const source = new YamlFilesSource({ path: dir, logger, pollMs: 200 });
    const sink = new RecordingSink();
    await source.start(sink);
    try {
      assert.ok(sink.isReady);
      assert.deepEqual(sink.ids(), ["default/a"], "namespace defaults to 'default'");
      assert.deepEqual(sink.problems, []);
      const v1 = sink.last.version;

      // Not YAML at all: reported with the path, the plan in force is untouched.
      await writeFile(a, "spec: [unclosed\n");
      await until("a YAML problem", () => sink.problems.length > 0);
      assert.match(sink.problems[0] ?? "", new RegExp(`${a}: not valid YAML`));
      assert.equal(sink.last.version, v1, "no new plan for a bad file");

      // Valid YAML, invalid experiment: reported with the path and the field.
      await writeFile(a, tce("a", "/a", "\n      percent: 500"));
      await until("a validation problem", () => sink.problems.length > 1);
      assert.match(sink.problems[1] ?? "", /a\.yaml: document 1 \(a\): spec\.faults\[0\]\.percent/);
      assert.match(sink.problems[1] ?? "", /keeping its last good version/);
      assert.equal(sink.last.version, v1);

      // Fixed, with a change: a new plan.
      await writeFile(a, tce("a", "/a2"));
      await until("the fixed file", () => sink.last.version > v1);
      assert.deepEqual(sink.last.experiments[0]?.target.paths, [{ prefix: "/a2" }]);

      // Another file adds its experiment; deleting it removes it again.
      const b = join(dir, "b.yml");
      await writeFile(b, `---\n${tce("b", "/b")}---\n`);
      await until("b added", () => sink.ids().length === 2);
      assert.deepEqual(sink.ids(), ["default/a", "default/b"]);
      await rm(b);
      await until("b removed", () => sink.ids().length === 1);
      assert.deepEqual(sink.ids(), ["default/a"]);

      // The same experiment in two files: the first file's wins, the second is reported.
      await writeFile(join(dir, "c.yaml"), tce("a", "/dup"));
      await until("a duplicate problem", () =>
        sink.problems.some((p) => p.includes("also defined")),
      );
      assert.deepEqual(sink.last.experiments[0]?.target.paths, [{ prefix: "/a2" }]);
    } finally {
      await source.stop();
    }
  });

  it("single file: an editor's rename-over is seen; the window start stays put", async () => {
    const dir = await tempDir();
    const file = join(dir, "exp.yaml");
    await writeFile(file, tce("one", "/x"));
    const source = new YamlFilesSource({ path: file, logger, pollMs: 200 });
    const sink = new RecordingSink();
    await source.start(sink);
    try {
      const firstStart = sink.last.experiments[0]?.windows[0]?.start;
      assert.ok(firstStart !== undefined);
      await sleep(30);
      const tmp = join(dir, ".exp.yaml.swp");
      await writeFile(tmp, tce("one", "/y"));
      await rename(tmp, file);
      await until(
        "the renamed file",
        () => sink.last.experiments[0]?.target.paths?.[0]?.prefix === "/y",
      );
      assert.equal(
        sink.last.experiments[0]?.windows[0]?.start,
        firstStart,
        "without startAt, the window starts when the experiment was first seen, not at each edit",
      );
    } finally {
      await source.stop();
    }
  });
});
