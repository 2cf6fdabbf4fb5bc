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
import { startAuthzServer } from "../../../authz-server/server.ts";
import { type EnvoyAuthzClient, envoyAuthzClient } from "../../support/envoy-authz-client.ts";

const HOST = "window.shop.test";
const WARM_HOST = "warm.shop.test";

function manifest(name: string, startAt: number, duration: string): string {
  return `apiVersion: chaos.tokenchaos.dev/v1alpha1
kind: TokenChaosExperiment
metadata: {name: ${name}, namespace: shop}
spec:
  target: {hosts: [${HOST}]}
  faults: [{type: deny, deny: {status: 503, body: window}}]
  schedule: {startAt: "${new Date(startAt).toISOString()}", duration: ${duration}}
`;
}

const clock = (): number => performance.timeOrigin + performance.now();

/**
 * Starts a probing worker against the server; resolves `ready` once it is warmed up, and
 * `samples` when `until` has passed.
 */
function probe(
  grpcPort: number,
  until: number,
  lanes: number,
): { ready: Promise<void>; samples: Promise<Sample[]> } {
  const task: ProbeTask = {
    target: `127.0.0.1:${grpcPort}`,
    host: HOST,
    warmHost: WARM_HOST,
    until,
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
  return { ready, samples };
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

describe("window edges", () => {
  it("starts and stops within 10 ms, with the source stalled and the file deleted", async () => {
    const dir = await tempDir();
    const server = await startAuthzServer({ grpcPort: 0, experiments: dir, logLevel: "warn" });
    const client = envoyAuthzClient(`127.0.0.1:${server.grpcPort}`);
    try {
      // Warm up before the clock starts: connection open, and both answers (allow, and the
      // denial of an always-on experiment on another host) decoded once.
      await writeFile(join(dir, "warm.yaml"), manifest("warm", Date.now(), "1h").replace(HOST, WARM_HOST));
      for (let i = 0; i < 100 && server.planState.plan.experiments.length === 0; i++) {
        await sleep(20);
      }
      for (let i = 0; i < 20; i++) {
        await client.check({ host: HOST, path: "/", headers: {} });
        await client.check({ host: WARM_HOST, path: "/", headers: {} });
      }
      const start = Math.ceil(Date.now() + 1000);
      const end = start + 1000;
      const file = join(dir, "edge.yaml");
      await writeFile(file, manifest("edge", start, "1s"));
      for (let i = 0; i < 100 && server.planState.plan.experiments.length < 2; i++) {
        await sleep(20);
      }
      assert.equal(server.planState.plan.experiments.length, 2, "the watch picked the file up");
      // The source goes silent and the experiment disappears: only the plan in memory and
      // the server's clock are left to start and end injection.
      await server.planSource.stop();
      await rm(file);

      const samples = await hammer(client, end + 300, 16);
      if (process.env.DEBUG_WINDOW) {
        const lat = samples.map((s) => s.recv - s.send).sort((a, b) => a - b);
        console.log(samples.length, lat[Math.floor(lat.length / 2)], lat.at(-1), (samples[0]?.send ?? 0) - start);
        console.log(JSON.stringify(samples.filter((s) => Math.abs(s.send - start) < 40).map((s) => [Math.round(s.send - start), Math.round(s.recv - start), s.injected ? 1 : 0])));
      }
      const inside = samples.filter((s) => s.send >= start && s.recv < end);
      const outside = samples.filter((s) => s.recv < start || s.send >= end);
      assert.ok(inside.length > 50, `enough checks inside the window (${inside.length})`);
      assert.ok(outside.length > 50, `enough checks outside the window (${outside.length})`);
      assert.deepEqual(
        inside.filter((s) => !s.injected).map((s) => s.send - start),
        [],
        "every check inside the window injected",
      );
      assert.deepEqual(
        outside.filter((s) => s.injected).map((s) => s.send - start),
        [],
        "no check outside the window injected",
      );
      // Those two checks hold at 0 ms wherever a check was sure to be decided on one side of an
      // edge. To bound the edges to 10 ms, checks must also have been sent in the first 10 ms
      // of the window and answered in its last 10 ms (and the same just outside).
      const covered = (from: number, to: number, pick: (s: Sample) => number): boolean =>
        samples.some((s) => pick(s) >= from && pick(s) < to);
      assert.ok(covered(start, start + 10, (s) => s.send), "a check sent within 10 ms after start");
      assert.ok(covered(end - 10, end, (s) => s.recv), "a check answered within 10 ms before end");
      assert.ok(covered(start - 10, start, (s) => s.recv), "a check answered just before start");
      assert.ok(covered(end, end + 10, (s) => s.send), "a check sent just after end");
      assert.ok(
        samples.some((s) => s.send >= end + 200),
        "checks continued well past the end (and were not injected)",
      );
    } finally {
      client.close();
      await server.close();
    }
  });

  it("deleting the file mid-window stops injection within a second", async () => {
    const dir = await tempDir();
    const start = Date.now() + 800;
    const file = join(dir, "stop.yaml");
    await writeFile(file, manifest("stop", start, "5s"));
    const server = await startAuthzServer({
      grpcPort: 0,
      experiments: dir,
      logLevel: "warn",
      pollMs: 500,
    });
    const client = envoyAuthzClient(`127.0.0.1:${server.grpcPort}`);
    try {
      const deleteAt = start + 600;
      const samplesP = hammer(client, start + 2200, 2);
      await sleep(Math.max(0, deleteAt - Date.now()));
      await rm(file);
      const deleted = clock();
      const samples = await samplesP;
      const injected = samples.filter((s) => s.injected);
      assert.ok(injected.length > 20, "injected while the file existed");
      assert.ok(Math.min(...injected.map((s) => s.recv)) >= start, "not before the start");
      const last = Math.max(...injected.map((s) => s.send));
      assert.ok(last - deleted < 1000, `stopped ${(last - deleted).toFixed(0)} ms after delete`);
      assert.equal(server.planState.plan.experiments.length, 0);
    } finally {
      client.close();
      await server.close();
    }
  });
});
