// Prints N distinct free TCP ports on 127.0.0.1, space separated (default 1).
// All listeners are held open together so the kernel cannot hand out the same port twice.
import { createServer, type Server } from "node:net";

function listen(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

const count = Number(process.argv[2] ?? "1");
if (!Number.isInteger(count) || count < 1 || count > 16) {
  process.stderr.write("usage: free-ports.ts [count 1..16]\n");
  process.exit(2);
}
const servers = await Promise.all(Array.from({ length: count }, listen));
const ports = servers.map((s) => {
  const addr = s.address();
  if (addr === null || typeof addr === "string") throw new Error("unexpected listener address");
  return addr.port;
});
await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
process.stdout.write(`${ports.join(" ")}\n`);
