// Windows are enforced by the data plane's own clock: injection starts and stops within 10 ms
// of the window edges, and nothing is injected after the end even when the plan source has
// gone silent and the experiment file is gone. Deleting the file mid-window stops injection
// within a second (the file watch) and never extends it.

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import { type RunningServer, startAuthzServer } from "../../../authz-server/server.ts";
import type { ProbeStop, ProbeTask, Sample } from "./support/probe-worker.ts";

const HOST = "window.shop.test";
const WARM_HOST = "warm.shop.test";

function manifest(name: string, host: string, startAt: number, duration: string): string {
  return `apiVersion: chaos.tokenchaos.dev/v1alpha1
kind: TokenChaosExperiment
metadata: {name: ${name}, namespace: shop}
spec:
  target: {hosts: [${host}]}
  faults: [{type: deny, deny: {status: 503, body: window}}]
  schedule: {startAt: "${new Date(startAt).toISOString()}", duration: ${duration}}
`;
}

const clock = (): number => performance.timeOrigin + performance.now();

interface Prober {
  /** Resolves once the worker has warmed up and is probing. */
  ready: Promise<void>;
  /** Tells the worker when to stop; resolves with every sample. */
  stopAt(until: number): Promise<Sample[]>;
}

/** Starts a probing worker (its own event loop) against the server's gRPC port. */
function probe(grpcPort: number, lanes: number): Prober {
  const task: ProbeTask = {
    target: `127.0.0.1:${grpcPort}`,
    host: HOST,
    warmHost: WARM_HOST,
    lanes,
  };
  const worker = new Worker(new URL("./support/probe-worker.ts", import.meta.url), {
    workerData: task,
  });
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => {
    onReady = r;
  });
  const samples = new Promise<Sample[]>((resolve, reject) => {
    worker.on("message", (m: { ready?: boolean; samples?: Sample[] }) => {
      if (m.ready === true) onReady();
      if (m.samples !== undefined) resolve(m.samples);
    });
    worker.on("error", reject);
    worker.on("exit", (code) => reject(new Error(`probe worker exited (${code})`)));
  });
  return {
    ready,
    stopAt(until) {
      const stop: ProbeStop = { until };
      worker.postMessage(stop);
      return samples;
    },
  };
}

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "token-chaos-window-"));
  dirs.push(d);
  return d;
}

/** Waits until the plan in force has `n` experiments (the file watch picked a change up). */
async function planHas(server: RunningServer, n: number): Promise<void> {
  for (let i = 0; i < 150 && server.planState.plan.experiments.length !== n; i++) await sleep(20);
  assert.equal(server.planState.plan.experiments.length, n, "the watch picked the change up");
}

describe("window edges", () => {
  it("starts and stops within 10 ms, with the source stalled and the files deleted", async () => {
    const dir = await tempDir();
    // An always-on experiment on another host lets the prober warm up its deny decoding.
    await writeFile(join(dir, "warm.yaml"), manifest("warm", WARM_HOST, Date.now(), "1h"));
    const server = await startAuthzServer({ grpcPort: 0, experiments: dir, logLevel: "warn" });
    try {
      const prober = probe(server.grpcPort, 4);
      await prober.ready;
      // Three 1 s windows, 0.6 s apart: each edge is probed three times, so one busy moment
      // of the machine cannot leave every start or every end unobserved.
      const first = Math.ceil(Date.now() + 3000);
      const windows = [0, 1, 2].map((i) => ({
        start: first + i * 1600,
        end: first + i * 1600 + 1000,
      }));
      const files = windows.map((_, i) => join(dir, `edge-${i}.yaml`));
      await Promise.all(
        windows.map((w, i) =>
          writeFile(files[i] ?? "", manifest(`edge-${i}`, HOST, w.start, "1s")),
        ),
      );
      await planHas(server, 4);
      // The source goes silent and the experiment files disappear: only the plan in memory
      // and the server's clock are left to start and end injection.
      await server.planSource.stop();
      await Promise.all(files.map((f) => rm(f)));
      assert.ok(Date.now() < first - 200, "set up before the first window opened");
      const last = windows[2];
      assert.ok(last !== undefined);

      const samples = await prober.stopAt(last.end + 300);
      const inside = samples.filter((s) =>
        windows.some((w) => s.send >= w.start && s.recv < w.end),
      );
      const outside = samples.filter((s) =>
        windows.every((w) => s.recv < w.start || s.send >= w.end),
      );
      assert.ok(inside.length > 20, `enough checks inside the windows (${inside.length})`);
      assert.ok(outside.length > 20, `enough checks outside the windows (${outside.length})`);
      assert.deepEqual(
        inside.filter((s) => !s.injected).map((s) => s.send - first),
        [],
        "every check inside a window injected",
      );
      assert.deepEqual(
        outside.filter((s) => s.injected).map((s) => s.send - first),
        [],
        "no check outside the windows injected",
      );
      // Those two hold at 0 ms for every check sure to be decided on one side of an edge. To
      // bound an edge to 10 ms, checks must also have been decided on both sides of it within
      // 10 ms: answered in the 10 ms before it, and sent in the 10 ms after it.
      const probed = (edge: number): boolean =>
        samples.some((s) => s.recv >= edge - 10 && s.recv < edge) &&
        samples.some((s) => s.send >= edge && s.send < edge + 10);
      assert.ok(
        windows.some((w) => probed(w.start)),
        "a window start observed to 10 ms (machine too busy to probe any of three?)",
      );
      assert.ok(
        windows.some((w) => probed(w.end)),
        "a window end observed to 10 ms (machine too busy to probe any of three?)",
      );
      assert.ok(
        samples.some((s) => s.send >= last.end + 200),
        "checks continued well past the end (and were not injected)",
      );
    } finally {
      await server.close();
    }
  });

  it("deleting the file mid-window stops injection within a second", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "warm.yaml"), manifest("warm", WARM_HOST, Date.now(), "1h"));
    const server = await startAuthzServer({
      grpcPort: 0,
      experiments: dir,
      logLevel: "warn",
      pollMs: 500,
    });
    try {
      const prober = probe(server.grpcPort, 2);
      await prober.ready;
      const start = Date.now() + 2000;
      const file = join(dir, "stop.yaml");
      await writeFile(file, manifest("stop", HOST, start, "5s"));
      await planHas(server, 2);
      await sleep(Math.max(0, start + 1000 - Date.now()));
      await rm(file);
      const deleted = clock();
      const samples = await prober.stopAt(deleted + 2000);
      const injected = samples.filter((s) => s.injected);
      assert.ok(injected.length > 5, "injected while the file existed");
      assert.ok(Math.min(...injected.map((s) => s.recv)) >= start, "not before the start");
      const last = Math.max(...injected.map((s) => s.send));
      assert.ok(last - deleted < 1000, `stopped ${(last - deleted).toFixed(0)} ms after delete`);
      assert.ok(
        samples.some((s) => s.send > deleted + 1000 && !s.injected),
        "checks after the stop were allowed",
      );
      assert.equal(server.planState.plan.experiments.length, 1);
    } finally {
      await server.close();
    }
  });
});
