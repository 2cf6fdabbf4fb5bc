// Loaded with `node --import` into a process under test: writes one line to stderr when any
// module of @kubernetes/client-node is loaded (resolving its location does not count), so a
// test can show that a mode of the product never loads the Kubernetes client.

import { registerHooks } from "node:module";

export const CLIENT_NODE_LOADED = "[tripwire] @kubernetes/client-node loaded";

let reported = false;
registerHooks({
  load(url, context, nextLoad) {
    if (!reported && url.includes("/@kubernetes/client-node/")) {
      reported = true;
      process.stderr.write(`${CLIENT_NODE_LOADED}: ${url}\n`);
    }
    return nextLoad(url, context);
  },
});
