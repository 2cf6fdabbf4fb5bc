// Runs every seed scenario through one front (nginx, Caddy or the Envoy stand-in) as a node:test
// suite: one stack per suite, a test per scenario, measured figures as test diagnostics.

import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { closeClient } from "./http-client.ts";
import { SCENARIOS } from "./scenarios.ts";
import { type Front, type FrontKind, type Stack, startFront, startStack } from "./stack.ts";

export const EXPERIMENTS_DIR = fileURLToPath(new URL("../experiments/", import.meta.url));

export function scenarioSuite(kind: FrontKind, title: string): void {
  describe(title, () => {
    let stack: Stack | undefined;
    let front: Front | undefined;
    let failOpenFront: Front | undefined;

    before(async () => {
      stack = await startStack({ experiments: EXPERIMENTS_DIR });
      front = await startFront(kind, stack.authz, stack.routes);
      if (kind !== "caddy") {
        failOpenFront = await startFront(kind, stack.authz, stack.routes, { failOpen: true });
      }
    });

    after(async () => {
      await failOpenFront?.close();
      await front?.close();
      await stack?.close();
      closeClient();
    });

    for (const scenario of SCENARIOS) {
      it(scenario.name, async (t) => {
        if (stack === undefined || front === undefined) throw new Error("stack did not start");
        const s = stack;
        const f = front;
        await scenario
          .run({ stack: s, front: f, report: (line) => t.diagnostic(line) })
          .catch(async (err: unknown) => {
            t.diagnostic(await f.logs());
            throw err;
          });
      });
    }

    if (kind !== "caddy") {
      for (const scenario of SCENARIOS.filter((s) => s.manifest.startsWith("auth-service"))) {
        it(`${scenario.name}, ${kind} configured to fail open`, async (t) => {
          if (stack === undefined || failOpenFront === undefined) throw new Error("not started");
          await scenario.run({ stack, front: failOpenFront, report: (l) => t.diagnostic(l) });
        });
      }
    }
  });
}
