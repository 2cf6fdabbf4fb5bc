// The page a load balancer in front of a failing service answers with: status line text in a
// minimal HTML document.

import { STATUS_CODES } from "node:http";
import { fixedDeny } from "./decisions.ts";
import type { FaultBase } from "./fault-runner.ts";
import type { DenyDecision } from "./types.ts";

export function outagePageBody(status: number): string {
  const text = `${status} ${STATUS_CODES[status] ?? "Error"}`;
  return `<html>\n<head><title>${text}</title></head>\n<body>\n<h1>${text}</h1>\n</body>\n</html>\n`;
}

export function outagePageDeny(base: FaultBase, status: number): DenyDecision {
  return fixedDeny(
    base,
    status,
    [{ name: "content-type", value: "text/html; charset=utf-8" }],
    outagePageBody(status),
  );
}
