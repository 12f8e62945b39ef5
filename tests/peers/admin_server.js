#!/usr/bin/env node
// A real Socket.IO 4.x (or 3.1) server instrumented with @socket.io/admin-ui, for the
// monitor's integration tests: it exposes the admin namespace the monitor speaks
// to, two app namespaces whose sockets tests can steer, and GET /truth with the
// server's own view of sockets and rooms to compare the monitor's picture with.
//
// Flags (each has an environment fallback, for launchers that cannot pass argv):
//   --port N               PEER_PORT         0 = any free port (default)
//   --auth user:password   PEER_AUTH         basic auth (password hashed with bcrypt here)
//   --no-auth              PEER_AUTH=none    auth disabled (the default)
//   --mode M               PEER_MODE         development (default) | production
//   --read-only            PEER_READ_ONLY=1  no action features advertised
//   --namespace /admin     PEER_NAMESPACE    admin namespace
//   --server-id X          PEER_SERVER_ID    serverId in server_stats (default: hostname)
//   --redis URL            PEER_REDIS        use the Redis adapter (cluster tests)
//   --package NAME         PEER_PACKAGE      the socket.io package: socket.io (4.8, default)
//                                            or socket.io-v3 (3.1, an alias in package.json)
//
// When listening it prints one line to stdout: {"port": N, "url": "http://127.0.0.1:N"}.
"use strict";

const http = require("node:http");
const { parseArgs } = require("node:util");
const { instrument } = require("@socket.io/admin-ui");
const bcrypt = require("bcryptjs");

const APP_NAMESPACES = ["/", "/chat"];

function readOptions() {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      auth: { type: "string" },
      "no-auth": { type: "boolean" },
      mode: { type: "string" },
      "read-only": { type: "boolean" },
      namespace: { type: "string" },
      "server-id": { type: "string" },
      redis: { type: "string" },
      package: { type: "string" },
    },
    strict: true,
  });
  const env = process.env;
  let auth = values.auth ?? env.PEER_AUTH ?? "none";
  if (values["no-auth"]) auth = "none";
  const mode = values.mode ?? env.PEER_MODE ?? "development";
  if (mode !== "development" && mode !== "production") {
    throw new Error(`--mode must be development or production, not ${mode}`);
  }
  return {
    port: Number(values.port ?? env.PEER_PORT ?? 0),
    auth,
    mode,
    readOnly: Boolean(values["read-only"]) || ["1", "true"].includes(env.PEER_READ_ONLY ?? ""),
    namespace: values.namespace ?? env.PEER_NAMESPACE ?? "/admin",
    serverId: values["server-id"] ?? env.PEER_SERVER_ID,
    redis: values.redis ?? env.PEER_REDIS,
    package: values.package ?? env.PEER_PACKAGE ?? "socket.io",
  };
}

function adminAuth(spec) {
  if (spec === "none" || spec === "false") return false;
  const colon = spec.indexOf(":");
  if (colon < 0) throw new Error("--auth wants user:password");
  return {
    type: "basic",
    username: spec.slice(0, colon),
    // Low cost factor: the tests connect many times and the hash only has to be valid.
    password: bcrypt.hashSync(spec.slice(colon + 1), 4),
  };
}

// The server's own view, straight from the namespaces' adapters, so tests can
// check the monitor against ground truth rather than against admin-ui's events.
function truth(io, adminNamespace) {
  const namespaces = {};
  for (const [name, nsp] of io._nsps) {
    if (name === adminNamespace) continue;
    const rooms = {};
    for (const [room, ids] of nsp.adapter.rooms) rooms[room] = [...ids];
    namespaces[name] = { sockets: [...nsp.sockets.keys()], rooms };
  }
  return { namespaces };
}

function wireAppNamespace(nsp) {
  nsp.on("connection", (socket) => {
    const wanted = socket.handshake.query.rooms;
    if (typeof wanted === "string" && wanted !== "") {
      socket.join(wanted.split(",").filter((room) => room !== ""));
    }
    // Every handler acks when the client asks for it, so tests can await the
    // effect instead of sleeping.
    socket.on("join", (room, ack) => {
      socket.join(room);
      if (typeof ack === "function") ack(true);
    });
    socket.on("leave", (room, ack) => {
      socket.leave(room);
      if (typeof ack === "function") ack(true);
    });
    socket.on("echo", (...args) => {
      const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
      if (ack) ack(...args);
    });
    socket.on("broadcast", (room, event, payload, ack) => {
      (room ? nsp.to(room) : nsp).emit(event, payload);
      if (typeof ack === "function") ack(true);
    });
  });
}

async function main() {
  const options = readOptions();
  if (!["socket.io", "socket.io-v3"].includes(options.package)) {
    throw new Error(`--package must be socket.io or socket.io-v3, not ${options.package}`);
  }
  const { Server } = require(options.package);
  let io = null;

  // Handed to createServer before Socket.IO attaches: engine.io then wraps it
  // and only forwards requests outside /socket.io/ to it.
  const httpServer = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && path === "/truth" && io !== null) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(truth(io, options.namespace)));
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found\n");
  });

  io = new Server(httpServer, { cors: { origin: true, credentials: true } });

  let redisClients = [];
  if (options.redis) {
    const { createClient } = require("redis");
    const { createAdapter } = require("@socket.io/redis-adapter");
    const pub = createClient({ url: options.redis });
    const sub = pub.duplicate();
    // No error listener yet: an unreachable Redis fails start-up at once, and the
    // launcher reports it, instead of node-redis retrying forever.
    await Promise.all([pub.connect(), sub.connect()]);
    // From now on a dropped connection is logged and retried, not an uncaught error.
    for (const client of [pub, sub]) {
      client.on("error", (error) => process.stderr.write(`redis: ${error.message}\n`));
    }
    redisClients = [pub, sub];
    io.adapter(createAdapter(pub, sub));
  }

  for (const name of APP_NAMESPACES) wireAppNamespace(io.of(name));

  instrument(io, {
    auth: adminAuth(options.auth),
    mode: options.mode,
    readonly: options.readOnly,
    namespaceName: options.namespace,
    serverId: options.serverId,
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // io.close() waits for the HTTP server, which keep-alive connections can hold open.
    setTimeout(() => process.exit(0), 2000).unref();
    io.close(() => {
      Promise.allSettled(redisClients.map((client) => client.quit())).then(() => process.exit(0));
    });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  httpServer.listen(options.port, "127.0.0.1", () => {
    const { port } = httpServer.address();
    process.stdout.write(JSON.stringify({ port, url: `http://127.0.0.1:${port}` }) + "\n");
  });
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
