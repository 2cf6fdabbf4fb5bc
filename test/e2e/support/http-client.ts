// The client side of the end-to-end tests and the demo: plain HTTP/1.1 to a port on loopback,
// with the Host header set to the in-mesh name the experiments target, timing each request.

import { Agent, request } from "node:http";

export interface ClientRequest {
  port: number;
  host: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
}

export interface ClientResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Parsed JSON body, or undefined. */
  json: unknown;
  /** Client-observed latency in milliseconds. */
  ms: number;
}

// Keep-alive like a real client; bounded so a test cannot open unbounded sockets.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

export function send(r: ClientRequest): Promise<ClientResponse> {
  const body = r.body === undefined ? undefined : JSON.stringify(r.body);
  const headers: Record<string, string> = { host: r.host, ...r.headers };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: r.port,
        method: r.method ?? "GET",
        path: r.path,
        headers,
        agent,
        timeout: r.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const flat: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(", ") : v;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: flat,
            text,
            json: parseMaybe(text),
            ms: performance.now() - started,
          });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`request to ${r.path} timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

function parseMaybe(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Runs `count` tasks with at most `concurrency` in flight; results in task order. */
export async function bounded<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

/** A JSON field of a response body, when the body is an object. */
export function field(res: ClientResponse, name: string): unknown {
  const j = res.json;
  return typeof j === "object" && j !== null ? (j as Record<string, unknown>)[name] : undefined;
}

export function closeClient(): void {
  agent.destroy();
}
