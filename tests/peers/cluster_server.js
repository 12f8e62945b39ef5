#!/usr/bin/env node
// A Socket.IO 4 cluster on node:cluster: workers sharing one port (the primary
// balances connections round-robin), joined by @socket.io/redis-adapter, each
// instrumented with @socket.io/admin-ui under serverId "worker-<n>". Clients
// must use websocket only: without sticky sessions, polling requests would land
// on different workers.
//
// Flags:
//   --port N          0 = a free port (default); every worker shares it
//   --redis URL       the Redis every worker's adapter uses (required)
//   --workers N       workers started at once (default 3)
//   --late N          workers started only on SIGUSR2, one per signal (default 0)
//   --mute-late       the late workers never send server_stats: a node the monitor
//                     never hears from, though its sockets are in every snapshot
//
// Lines on stdout, one JSON object each:
//   {"port", "url", "workers": [{"index", "pid", "serverId"}]}   once all listen
//   {"event": "worker", "index", "pid", "serverId"}               a late worker listens
// GET /truth answers the whole cluster's sockets per namespace (fetchSockets),
// from whichever worker takes the request (503 while a dead worker is waited for).
"use strict";

const cluster = require("node:cluster");
const http = require("node:http");
const { parseArgs } = require("node:util");

const APP_NAMESPACES = ["/", "/chat"];

function readOptions() {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      redis: { type: "string" },
      workers: { type: "string" },
      late: { type: "string" },
      "mute-late": { type: "boolean" },
    },
    strict: true,
  });
  if (!values.redis) throw new Error("--redis URL is required");
  return {
    port: Number(values.port ?? 0),
    redis: values.redis,
    workers: Number(values.workers ?? 3),
    late: Number(values.late ?? 0),
    muteLate: Boolean(values["mute-late"]),
  };
}

function primary(options) {
  cluster.setupPrimary({ args: [] });
  const workers = [];
  let announced = false;
  let port = 0;
  let lateLeft = options.late;

  const fork = (index, muted) => {
    const env = {
      WORKER_INDEX: String(index),
      WORKER_PORT: String(options.port),
      WORKER_REDIS: options.redis,
      WORKER_MUTED: muted ? "1" : "",
    };
    const worker = cluster.fork(env);
    worker.on("message", (message) => {
      if (message && message.listening) {
        const entry = { index, pid: worker.process.pid, serverId: `worker-${index}` };
        port = message.port;
        workers.push(entry);
        if (announced) {
          process.stdout.write(JSON.stringify({ event: "worker", ...entry }) + "\n");
        } else if (workers.length === options.workers) {
          announced = true;
          const url = `http://127.0.0.1:${port}`;
          process.stdout.write(JSON.stringify({ port, url, workers }) + "\n");
        }
      }
    });
  };

  // Dead workers stay dead: the tests kill them on purpose.
  cluster.on("exit", (worker, code, signal) => {
    process.stderr.write(`worker ${worker.process.pid} exited (${signal ?? code})\n`);
  });
  // Workers listening on the same port (0 included) share one handle of the primary's.
  for (let index = 1; index <= options.workers; index++) fork(index, false);
  process.on("SIGUSR2", () => {
    if (lateLeft <= 0) return;
    lateLeft -= 1;
    fork(options.workers + (options.late - lateLeft), options.muteLate);
  });
  const stop = () => {
    for (const worker of Object.values(cluster.workers)) worker.process.kill("SIGKILL");
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

async function worker() {
  const { Server } = require("socket.io");
  const { instrument } = require("@socket.io/admin-ui");
  const { createClient } = require("redis");
  const { createAdapter } = require("@socket.io/redis-adapter");
  const index = Number(process.env.WORKER_INDEX);
  let io = null;

  const httpServer = http.createServer(async (req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && path === "/truth" && io !== null) {
      // The whole cluster's, through the adapter: a worker that died a moment ago
      // may still be waited for (and the request time out) until Redis notices.
      try {
        const namespaces = {};
        for (const name of APP_NAMESPACES) {
          const sockets = await io.of(name).fetchSockets();
          namespaces[name] = { sockets: sockets.map((socket) => socket.id) };
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ namespaces, answeredBy: `worker-${index}` }));
      } catch (error) {
        res.writeHead(503, { "content-type": "text/plain" });
        res.end(`${error.message}\n`);
      }
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found\n");
  });
  io = new Server(httpServer, { transports: ["websocket"] });
  const pub = createClient({ url: process.env.WORKER_REDIS });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  for (const client of [pub, sub]) {
    client.on("error", (error) => process.stderr.write(`redis: ${error.message}\n`));
  }
  io.adapter(createAdapter(pub, sub, { requestsTimeout: 2000 }));
  for (const name of APP_NAMESPACES) io.of(name).on("connection", () => {});
  const admin = io.of("/admin");
  if (process.env.WORKER_MUTED) {
    // This worker's stats never leave it: the monitor never hears from it.
    const emit = admin.emit.bind(admin);
    admin.emit = (event, ...args) => (event === "server_stats" ? true : emit(event, ...args));
  }
  instrument(io, { auth: false, mode: "development", serverId: `worker-${index}` });
  httpServer.listen(Number(process.env.WORKER_PORT), "127.0.0.1", () => {
    process.send({ listening: true, port: httpServer.address().port });
  });
}

if (cluster.isPrimary) {
  try {
    primary(readOptions());
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
} else {
  worker().catch((error) => {
    process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  });
}
