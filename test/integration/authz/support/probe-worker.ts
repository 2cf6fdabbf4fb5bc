// Probes the authz-server from a worker thread, so the probing client does not share the
// server's event loop: `lanes` checks in flight until `until`, each recorded with when it was
// sent and answered (epoch ms, sub-ms resolution) and whether a fault was injected.

import { parentPort, workerData } from "node:worker_threads";
import { envoyAuthzClient } from "../../../support/envoy-authz-client.ts";

export interface ProbeTask {
  target: string;
  host: string;
  warmHost: string;
  lanes: number;
}

/** Probing stops at `until` (epoch ms), sent once known; 60 s at the latest. */
export interface ProbeStop {
  until: number;
}

export interface Sample {
  send: number;
  recv: number;
  injected: boolean;
}

const task = workerData as ProbeTask;
const clock = (): number => performance.timeOrigin + performance.now();
const client = envoyAuthzClient(task.target);
let until = clock() + 60_000;
parentPort?.on("message", (m: ProbeStop) => {
  until = Math.min(until, m.until);
});

// Warm up: connection open, allow and deny answers decoded once.
for (let i = 0; i < 20; i++) {
  await client.check({ host: task.host, path: "/", headers: {} });
  await client.check({ host: task.warmHost, path: "/", headers: {} });
}
parentPort?.postMessage({ ready: true });

const samples: Sample[] = [];
const lane = async (): Promise<void> => {
  for (let i = 0; i < 500_000 && clock() < until; i++) {
    const send = clock();
    const r = await client.check({ host: task.host, path: "/x", headers: {} });
    const recv = clock();
    if (r.error !== undefined) throw r.error;
    samples.push({ send, recv, injected: r.response?.status?.code !== 0 });
  }
};
await Promise.all(Array.from({ length: task.lanes }, lane));
client.close();
parentPort?.postMessage({ samples });
parentPort?.close();
