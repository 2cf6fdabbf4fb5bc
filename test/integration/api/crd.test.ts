// The CRD against a real kube-apiserver: every example is accepted, every invalid manifest is
// rejected with a message naming the problem (and fails validateExperiment too), what only the
// operator can check is accepted by the server but not offline, and kubectl get shows the columns.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { before, describe, test } from "node:test";
import { loadAllYaml } from "@kubernetes/client-node";
import { formatProblem, validateExperiment } from "../../../api/v1alpha1/validate.ts";
import { createTestNamespace, kubectl } from "../../support/cluster.ts";
import { installCrd } from "../../support/crd.ts";
import { exampleFiles, loadInvalidFixtures, REPO_ROOT } from "../../support/invalid-fixtures.ts";

let ns = "";

async function must(args: string[], input?: string): Promise<string> {
  const res = await kubectl(args, input === undefined ? undefined : { input });
  assert.equal(res.code, 0, `kubectl ${args.join(" ")} failed:\n${res.stderr}`);
  return res.stdout;
}

/** The manifest as JSON, moved into the test namespace. */
function inNamespace(doc: unknown, name?: string): string {
  const o = structuredClone(doc) as { metadata: { namespace?: string; name: string } };
  o.metadata.namespace = ns;
  if (name !== undefined) o.metadata.name = name;
  return JSON.stringify(o);
}

function dryRun(doc: unknown) {
  return kubectl(["apply", "--dry-run=server", "-f", "-"], { input: inNamespace(doc) });
}

const load = (file: string): unknown => loadAllYaml(readFileSync(file, "utf8"))[0];

before(async () => {
  await installCrd();
  ns = await createTestNamespace("api-crd");
});

// Each dry run is one kubectl process; a few at a time keeps the file quick on two cores.
const concurrency = 4;

describe("examples on the real API server", { concurrency }, () => {
  for (const file of exampleFiles()) {
    test(`${basename(file)} passes kubectl apply --dry-run=server`, async () => {
      const res = await dryRun(load(file));
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /created \(server dry run\)/);
    });
  }
});

describe("invalid manifests are rejected by the server and by validateExperiment", {
  concurrency,
}, () => {
  for (const f of loadInvalidFixtures("invalid")) {
    test(`${f.file}: ${f.rule}`, async () => {
      const res = await dryRun(f.doc);
      assert.notEqual(res.code, 0, `the server accepted ${f.file}`);
      assert.ok(
        res.stderr.includes(f.serverPath) && res.stderr.includes(f.server),
        `expected the server to name ${f.serverPath} and "${f.server}", got:\n${res.stderr}`,
      );
      const problems = validateExperiment(f.doc);
      assert.ok(
        problems.some((p) => p.path === f.path && p.message.includes(f.expect)),
        `validateExperiment: expected ${f.path}: ${f.expect}, got ${problems.map(formatProblem).join("; ")}`,
      );
    });
  }
});

describe("what CEL cannot check: accepted by the server, rejected offline", { concurrency }, () => {
  for (const f of loadInvalidFixtures("invalid-offline")) {
    test(`${f.file}: ${f.rule}`, async () => {
      const res = await dryRun(f.doc);
      assert.equal(
        res.code,
        0,
        `the server now rejects ${f.file}; move it to invalid/:\n${res.stderr}`,
      );
      assert.ok(
        validateExperiment(f.doc).some((p) => p.path === f.path && p.message.includes(f.expect)),
      );
    });
  }
});

describe("kubectl get tce", () => {
  const name = "columns";
  const patchStatus = (body: unknown) =>
    kubectl([
      "patch",
      "tce",
      name,
      "-n",
      ns,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify(body),
    ]);

  before(async () => {
    const doc = load(join(REPO_ROOT, "examples", "expired-token-under-load.yaml"));
    await must(["apply", "-f", "-"], inNamespace(doc, name));
    const status = {
      status: {
        phase: "Running",
        observedGeneration: 1,
        message: "window open, 5% ramping to 50%",
        faultSummary: "expire",
        percentSummary: "25%",
        injections: { total: 1234, byFault: { expire: 1234 } },
        currentWindow: { start: "2026-12-01T10:00:00Z", end: "2026-12-01T10:10:00Z" },
        nextWindow: { start: "2026-12-02T10:00:00Z", end: "2026-12-02T10:10:00Z" },
        conditions: [
          {
            type: "Ready",
            status: "True",
            observedGeneration: 1,
            lastTransitionTime: "2026-12-01T10:00:00Z",
            reason: "WindowOpen",
            message: "injecting",
          },
        ],
      },
    };
    const patched = await patchStatus(status);
    assert.equal(patched.code, 0, `kubectl patch --subresource=status failed:\n${patched.stderr}`);
  });

  function table(out: string): { header: string[]; row: string[] } {
    const [header = "", row = ""] = out.trimEnd().split("\n");
    // Columns are separated by runs of spaces; cells here contain single spaces only in Message.
    const split = (l: string) => l.trim().split(/ {2,}/);
    return { header: split(header), row: split(row) };
  }

  test("shows phase, faults, percent, injected count, next window and age", async () => {
    const { header, row } = table(await must(["get", "tce", name, "-n", ns]));
    assert.deepEqual(header, ["NAME", "PHASE", "FAULTS", "PERCENT", "INJECTED", "NEXT", "AGE"]);
    assert.deepEqual(row.slice(0, 6), [
      name,
      "Running",
      "expire",
      "25%",
      "1234",
      "2026-12-02T10:00:00Z",
    ]);
    assert.match(row[6] ?? "", /^[0-9]+[smhd]/);
  });

  test("-o wide adds mode (defaulted by the server), window end and message", async () => {
    const { header, row } = table(await must(["get", "tce", name, "-n", ns, "-o", "wide"]));
    assert.deepEqual(header.slice(7), ["MODE", "WINDOW", "MESSAGE"]);
    assert.deepEqual(row.slice(7), [
      "enforce",
      "2026-12-01T10:10:00Z",
      "window open, 5% ramping to 50%",
    ]);
  });

  test("the short name, the full name and the chaos category all list it", async () => {
    for (const what of ["tce", "tokenchaosexperiments", "chaos"]) {
      const out = await must(["get", what, "-n", ns, "-o", "name"]);
      assert.match(
        out,
        new RegExp(`tokenchaosexperiment\\.chaos\\.tokenchaos\\.dev/${name}`),
        what,
      );
    }
  });

  test("status is a subresource: an update of the main resource cannot change it", async () => {
    const doc = JSON.parse(
      inNamespace(load(join(REPO_ROOT, "examples", "expired-token-under-load.yaml")), name),
    );
    doc.status = { phase: "Aborted" };
    await must(["apply", "-f", "-"], JSON.stringify(doc));
    const phase = await must(["get", "tce", name, "-n", ns, "-o", "jsonpath={.status.phase}"]);
    assert.equal(phase, "Running");
  });

  test("an invalid status is rejected on the status subresource too", async () => {
    const res = await patchStatus({ status: { phase: "Exploded" } });
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /status\.phase: Unsupported value: "Exploded"/);
  });
});
