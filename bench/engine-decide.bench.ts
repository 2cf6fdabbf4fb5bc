// Decision cost of the fault engine at 1, 100 and 1,000 loaded experiments, for requests that
// match nothing and for requests that match and get a fault. Single process, no I/O; bounded
// iterations after a warm-up; reports the median of a few rounds in ns per decision, as wall
// time (process.hrtime.bigint) and as this process's CPU time (process.cpuUsage), which stays
// meaningful when other processes share the cores.
// Run: node bench/engine-decide.bench.ts

import type { CompiledPlan, PlanExperiment } from "../api/plan/types.ts";
import type { Fault } from "../api/v1alpha1/types.ts";
import {
  type CheckAttributes,
  createEngineState,
  createSigningKeys,
  decide,
  type LoadedPlan,
  loadPlan,
  seededRandom,
} from "../authz-server/engine/engine.ts";

const SIZES = [1, 100, 1000];
const WARMUP = 20_000;
const ITERATIONS = 50_000;
const ROUNDS = 5;
const NOW = Date.UTC(2026, 11, 1, 10, 5, 0);

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
const TOKEN = `${b64({ alg: "RS256", typ: "JWT", kid: "k1" })}.${b64({
  iss: "https://idp.example",
  sub: "user-42",
  aud: "checkout",
  scope: "orders:read orders:write",
  exp: Math.floor(NOW / 1000) + 3600,
})}.${Buffer.alloc(256, 7).toString("base64url")}`;

function host(i: number): string {
  return `svc-${i}.ns-${i % 50}.svc.cluster.local`;
}

function buildPlan(n: number, fault: Fault): CompiledPlan {
  const experiments: PlanExperiment[] = [];
  for (let i = 0; i < n; i++) {
    experiments.push({
      id: `ns-${i % 50}/exp-${i}`,
      namespace: `ns-${i % 50}`,
      name: `exp-${i}`,
      mode: "enforce",
      sticky: true,
      target: {
        hosts: [host(i)],
        paths: [{ prefix: "/api/" }, { regex: "^/v[0-9]+/orders/[0-9]+$" }],
        methods: ["GET", "POST"],
        headers: [{ name: "x-tenant", prefix: "acme" }],
      },
      faults: [fault],
      windows: [{ start: NOW - 60_000, end: NOW + 600_000 }],
    });
  }
  return {
    format: "token-chaos.plan/v1",
    version: 1,
    generatedAt: NOW,
    halted: false,
    experiments,
  };
}

function attrs(h: string, path: string): CheckAttributes {
  return {
    method: "GET",
    host: h,
    path,
    headers: {
      ":authority": h,
      authorization: `Bearer ${TOKEN}`,
      "x-tenant": "acme-eu",
      "user-agent": "bench/1.0",
      accept: "application/json",
    },
    sourcePrincipal: "spiffe://cluster.local/ns/shop/sa/frontend",
  };
}

const state = createEngineState({ keys: await createSigningKeys() });

interface Figure {
  wall: number;
  cpu: number;
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function measure(plan: LoadedPlan, request: CheckAttributes, expectKind: string): Figure {
  const rng = seededRandom(1);
  const check = decide(request, plan, NOW, rng, state);
  const got = check.reason === undefined ? "none" : check.kind;
  if (expectKind !== "any" && got !== expectKind)
    throw new Error(`expected ${expectKind}, got ${got}`);
  for (let i = 0; i < WARMUP; i++) decide(request, plan, NOW, rng, state);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) decide(request, plan, NOW, rng, state);
    wall.push(Number(process.hrtime.bigint() - start) / ITERATIONS);
    const used = process.cpuUsage(cpu0);
    cpu.push(((used.user + used.system) * 1000) / ITERATIONS);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

const cases: {
  label: string;
  fault: Fault;
  request: (n: number) => CheckAttributes;
  kind: string;
}[] = [
  {
    label: "no match (unknown host)",
    fault: { type: "expire" },
    request: () => attrs("unrelated.other.svc.cluster.local", "/api/orders?page=2"),
    kind: "none",
  },
  {
    label: "no match (host matches, path does not)",
    fault: { type: "expire" },
    request: (n) => attrs(host(n - 1), "/health"),
    kind: "none",
  },
  {
    label: "match, expire edge (deny 401)",
    fault: { type: "expire" },
    request: (n) => attrs(host(n - 1), "/api/orders?page=2"),
    kind: "deny",
  },
  {
    label: "match, expire upstream (JWT rewritten)",
    fault: { type: "expire", at: "upstream" },
    request: (n) => attrs(host(n - 1), "/v2/orders/17"),
    kind: "allow",
  },
  {
    label: "match, 25% sticky, expire edge",
    fault: { type: "expire", percent: 25 },
    request: (n) => attrs(host(n - 1), "/api/orders"),
    kind: "any",
  },
];

const rows: string[][] = [];
for (const c of cases) {
  const row = [c.label];
  for (const n of SIZES) {
    const plan = loadPlan(buildPlan(n, c.fault));
    const f = measure(plan, c.request(n), c.kind);
    row.push(`${f.wall.toFixed(0)} / ${f.cpu.toFixed(0)}`);
  }
  rows.push(row);
}

const header = ["request", ...SIZES.map((n) => `${n} exp: wall / cpu ns/op`)];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
const line = (cells: string[]) =>
  `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
console.log(
  `node ${process.version}, ${ITERATIONS} iterations x ${ROUNDS} rounds after ${WARMUP} warm-up, median`,
);
console.log(line(header));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const r of rows) console.log(line(r));
