// The comparison server for `make bench` (ingest): what a Probot-style Node app
// does with a delivery. @octokit/webhooks verifies X-Hub-Signature-256 and
// parses the payload; the handler queues it in memory (no durability) and the
// middleware answers 200. Listens on 127.0.0.1 only.
//
//   node octokit_server.mjs PORT_FILE   (secret from RR_BENCH_SECRET)
import { createServer } from "node:http";
import { writeFileSync } from "node:fs";
import { Webhooks, createNodeMiddleware } from "@octokit/webhooks";

const portFile = process.argv[2];
const secret = process.env.RR_BENCH_SECRET;
if (!portFile || !secret) {
  console.error("usage: RR_BENCH_SECRET=... node octokit_server.mjs PORT_FILE");
  process.exit(2);
}

const queue = [];
const webhooks = new Webhooks({ secret });
webhooks.on("pull_request", ({ id, payload }) => {
  queue.push({ id, repo: payload.repository.full_name, number: payload.number,
               head: payload.pull_request.head.sha });
});
// Keep memory bounded over a long run, like a worker draining the queue would.
setInterval(() => { queue.length = 0; }, 1000).unref();

const middleware = createNodeMiddleware(webhooks, { path: "/webhooks/github", log: {
  debug() {}, info() {}, warn() {}, error(...a) { console.error(...a); } } });
const server = createServer(async (req, res) => {
  if (await middleware(req, res)) return;
  if (req.url === "/healthz") { res.writeHead(200); res.end('{"status":"ok"}'); return; }
  res.writeHead(404);
  res.end();
});
server.keepAliveTimeout = 60000;
server.listen(0, "127.0.0.1", () => {
  writeFileSync(portFile, String(server.address().port));
});
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
