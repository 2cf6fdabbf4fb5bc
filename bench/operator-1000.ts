// Operator at scale: applies 1,000 experiments to the running cluster and measures how long
// until every one has its phase in status and the published plan carries them all, and the
// operator's resident memory (its own process, from /proc).
//
//   test/cluster/with-cluster.sh node bench/operator-1000.ts [--count N] [--from dist|src]
//   (or with TOKEN_CHAOS_KUBECONFIG pointing at a cluster that has crds/ applied)
//
// --from dist runs the operator from the JavaScript of `make build` (as the image does), --from
// src from the .ts sources through Node's type stripping; the default is dist when it is built.

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  loadYaml,
} from "@kubernetes/client-node";
import { decodePlan, PLAN_CONFIGMAP, PLAN_KEY } from "../api/plan/codec.ts";
import { GROUP, PLURAL, type TokenChaosExperiment, VERSION } from "../api/v1alpha1/types.ts";
import { freePort } from "../test/support/child-process.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const countArg = process.argv.indexOf("--count");
const COUNT = countArg > 0 ? Number(process.argv[countArg + 1]) : 1000;
const NAMESPACES = 10;
const CONCURRENCY = 16;
const DEADLINE_MS = 180_000;
// Node flags for the operator process, e.g. --node-options "--max-semi-space-size=1".
const optArg = process.argv.indexOf("--node-options");
const nodeOptions = optArg > 0 ? (process.argv[optArg + 1] ?? "").split(" ").filter(Boolean) : [];
if (process.argv.includes("--snapshot")) nodeOptions.push("--heapsnapshot-signal=SIGUSR2");
const DIST_BIN = `${ROOT}dist/bin/token-chaos.js`;
const fromArg = process.argv.indexOf("--from");
const FROM = fromArg > 0 ? process.argv[fromArg + 1] : existsSync(DIST_BIN) ? "dist" : "src";
if (FROM !== "dist" && FROM !== "src") {
  console.error(`--from must be dist or src, not ${FROM}`);
  process.exit(2);
}
if (FROM === "dist" && !existsSync(DIST_BIN)) {
  console.error(`${DIST_BIN} is missing: run make build first`);
  process.exit(2);
}
const OPERATOR_BIN = FROM === "dist" ? DIST_BIN : `${ROOT}bin/token-chaos.ts`;
if (FROM === "dist") {
  // A build older than the sources measures yesterday's operator: say so rather than mislead.
  const built = statSync(DIST_BIN).mtimeMs;
  const newer = ["api", "bin", "cli", "operator"].flatMap((dir) =>
    readdirSync(`${ROOT}${dir}`, { recursive: true, encoding: "utf8" }).filter(
      (f) => f.endsWith(".ts") && statSync(`${ROOT}${dir}/${f}`).mtimeMs > built,
    ),
  );
  if (newer.length > 0) {
    console.error(`warning: ${newer.length} source files are newer than dist/: run make build`);
  }
}

const kubeconfig = process.env.TOKEN_CHAOS_KUBECONFIG;
if (!kubeconfig) {
  console.error("TOKEN_CHAOS_KUBECONFIG is not set: run through test/cluster/with-cluster.sh");
  process.exit(2);
}
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve) =>
    spawn(cmd, args, { stdio: "inherit" }).on("exit", (c) => resolve(c ?? 1)),
  );
}

// Templates: the examples without a guard (no Prometheus here) and valid as they are.
const templates = readdirSync(`${ROOT}examples`)
  .filter((f) => f.endsWith(".yaml"))
  .map((f) => loadYaml<TokenChaosExperiment>(readFileSync(`${ROOT}examples/${f}`, "utf8")))
  .filter((o) => o?.kind === "TokenChaosExperiment" && o.spec.guard === undefined);

function experiment(i: number, namespace: string): TokenChaosExperiment {
  const t = structuredClone(templates[i % templates.length] as TokenChaosExperiment);
  const from = t.metadata.namespace ?? "default";
  t.metadata = { name: `${t.metadata.name}-${i}`, namespace };
  t.spec.target.hosts = t.spec.target.hosts?.map((h) =>
    h.replace(`.${from}.svc`, `.${namespace}.svc`),
  );
  return t;
}

async function listAll(namespaces: string[]): Promise<TokenChaosExperiment[]> {
  const out: TokenChaosExperiment[] = [];
  for (const namespace of namespaces) {
    const l = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
    })) as {
      items: TokenChaosExperiment[];
    };
    out.push(...l.items);
  }
  return out;
}

async function main(): Promise<void> {
  if (
    (await run("kubectl", [
      "--kubeconfig",
      kubeconfig as string,
      "apply",
      "--server-side",
      "--force-conflicts",
      "-f",
      `${ROOT}crds/`,
    ])) !== 0
  ) {
    throw new Error("cannot apply crds/");
  }
  await run("kubectl", [
    "--kubeconfig",
    kubeconfig as string,
    "wait",
    "--for=condition=Established",
    `crd/${PLURAL}.${GROUP}`,
  ]);
  const tag = randomBytes(3).toString("hex");
  const opNs = `bench-op-${tag}`;
  const namespaces = Array.from({ length: NAMESPACES }, (_, i) => `bench-${tag}-${i}`);
  for (const name of [opNs, ...namespaces])
    await core.createNamespace({ body: { metadata: { name } } });

  const metricsPort = await freePort();
  const op = spawn(
    process.execPath,
    [
      ...nodeOptions,
      OPERATOR_BIN,
      "operator",
      "--kubeconfig",
      kubeconfig as string,
      "--operator-namespace",
      opNs,
      "--metrics-port",
      String(metricsPort),
      "--metrics-host",
      "127.0.0.1",
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  const rss = () => {
    const s = readFileSync(`/proc/${op.pid}/status`, "utf8");
    return {
      rss: Number(/VmRSS:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024,
      hwm: Number(/VmHWM:\s+(\d+)/.exec(s)?.[1] ?? 0) / 1024,
    };
  };
  // CPU seconds the operator used (utime + stime; clock ticks are 100 per second on Linux).
  const cpuSeconds = () => {
    const fields = readFileSync(`/proc/${op.pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  };
  try {
    await new Promise((r) => setTimeout(r, 3000));
    const idle = rss();
    const idleCpu = cpuSeconds();
    let peak = idle.rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rss().rss);
    }, 100);

    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < COUNT) {
          const i = next++;
          const ns = namespaces[i % NAMESPACES] as string;
          await custom.createNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace: ns,
            plural: PLURAL,
            body: experiment(i, ns),
          });
        }
      }),
    );
    const appliedMs = performance.now() - t0;

    let planMs: number | undefined;
    let phasesMs: number | undefined;
    let planBytes = 0;
    let phases: Record<string, number> = {};
    while (
      performance.now() - t0 < DEADLINE_MS &&
      (planMs === undefined || phasesMs === undefined)
    ) {
      if (planMs === undefined) {
        try {
          const cm = await core.readNamespacedConfigMap({ name: PLAN_CONFIGMAP, namespace: opNs });
          const data = cm.binaryData?.[PLAN_KEY];
          const plan = data ? decodePlan(data) : undefined;
          const ours =
            plan?.experiments.filter((e) => e.namespace.startsWith(`bench-${tag}-`)).length ?? 0;
          if (ours >= COUNT) {
            planMs = performance.now() - t0;
            planBytes = data?.length ?? 0;
          }
        } catch (err) {
          if (!(err instanceof ApiException && err.code === 404)) throw err;
        }
      }
      if (phasesMs === undefined) {
        const items = await listAll(namespaces);
        phases = {};
        for (const o of items) {
          const p = o.status?.phase ?? "none";
          phases[p] = (phases[p] ?? 0) + 1;
        }
        const settled = (phases.Running ?? 0) + (phases.Scheduled ?? 0) + (phases.Invalid ?? 0);
        if (items.length >= COUNT && settled >= COUNT) phasesMs = performance.now() - t0;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 5000));
    const after5s = rss();
    // Idle a while longer: V8's memory reducer compacts the heap once the burst is over.
    await new Promise((r) => setTimeout(r, 25_000));
    clearInterval(sampler);
    const settledRss = rss();
    const burstCpu = cpuSeconds() - idleCpu;
    const rollup = readFileSync(`/proc/${op.pid}/smaps_rollup`, "utf8");
    const kb = (field: string) =>
      Math.round(Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(rollup)?.[1] ?? 0) / 1024);
    const metricsText = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const metric = (name: string) =>
      Math.round(
        Number(new RegExp(`^${name} (\\S+)`, "m").exec(metricsText)?.[1] ?? Number.NaN) / 1048576,
      );
    const result = {
      from: FROM,
      experiments: COUNT,
      namespaces: NAMESPACES,
      applyMs: Math.round(appliedMs),
      allPhasesMs: phasesMs === undefined ? null : Math.round(phasesMs),
      planPublishedMs: planMs === undefined ? null : Math.round(planMs),
      planBytes,
      phases,
      operatorCpuSeconds: { start: idleCpu, burst: Math.round(burstCpu * 100) / 100 },
      operatorRssMiB: {
        idle: Math.round(idle.rss),
        peak: Math.round(Math.max(peak, settledRss.hwm)),
        after5s: Math.round(after5s.rss),
        settled: Math.round(settledRss.rss),
        heapUsed: metric("nodejs_heap_size_used_bytes"),
        heapTotal: metric("nodejs_heap_size_total_bytes"),
        external: metric("nodejs_external_memory_bytes"),
        anonymous: kb("Anonymous"),
        fileBacked: kb("Rss") - kb("Anonymous"),
      },
    };
    console.log(JSON.stringify(result, null, 2));
    if (process.argv.includes("--heap-spaces")) {
      for (const line of metricsText.split("\n")) {
        if (line.startsWith("nodejs_heap_space_size_used_bytes")) console.log(line);
      }
    }
    console.log(
      `${COUNT} experiments (operator from ${FROM}): applied in ${(appliedMs / 1000).toFixed(1)} s; plan with all of them ${planMs === undefined ? "NOT published" : `${(planMs / 1000).toFixed(1)} s`}; every phase in status ${phasesMs === undefined ? "NOT reached" : `${(phasesMs / 1000).toFixed(1)} s`} after the first apply; operator CPU ${burstCpu.toFixed(1)} s; RSS idle ${result.operatorRssMiB.idle} MiB, peak ${result.operatorRssMiB.peak} MiB, ${result.operatorRssMiB.after5s} MiB 5 s after, ${result.operatorRssMiB.settled} MiB 30 s after (budget 150 MiB)`,
    );
    if (planMs === undefined || phasesMs === undefined || result.operatorRssMiB.peak > 150)
      process.exitCode = 1;
  } finally {
    if (process.argv.includes("--snapshot")) {
      // Heap snapshot of the operator (written to its working directory) for memory analysis.
      op.kill("SIGUSR2");
      await new Promise((r) => setTimeout(r, 30_000));
    }
    op.kill("SIGTERM");
    await new Promise((r) => op.once("exit", r));
    // The test cluster has no namespace controller: delete the experiments themselves.
    for (const namespace of namespaces) {
      await custom
        .deleteCollectionNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace,
          plural: PLURAL,
        })
        .catch(() => undefined);
    }
    for (const name of [opNs, ...namespaces]) {
      await core.deleteNamespace({ name }).catch(() => undefined);
    }
  }
}

await main();
