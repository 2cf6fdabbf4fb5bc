// Plain node:http requests to the HTTP mode, so the Host header can be set as a proxy sets it
// (fetch does not allow that), over a keep-alive agent like the proxies use.

import { Agent, request } from "node:http";

export interface HttpCheck {
  status: number;
  headers: Headers;
  body: string;
  ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

export function httpCheck(
  port: number,
  r: { method?: string; path: string; headers: Record<string, string> },
): Promise<HttpCheck> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: r.method ?? "GET",
        path: r.path,
        headers: r.headers,
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) {
            if (v === undefined) continue;
            for (const x of Array.isArray(v) ? v : [v]) headers.append(k, x);
          }
          resolve({
            status: res.statusCode ?? 0,
            headers,
            body: Buffer.concat(chunks).toString("utf8"),
            ms: performance.now() - t0,
          });
        });
        res.on("error", reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error("HTTP check timed out")));
    req.on("error", reject);
    req.end();
  });
}

export function closeHttpAgent(): void {
  agent.destroy();
}
