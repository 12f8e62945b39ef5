#!/usr/bin/env node
// A plain Socket.IO server for the probe (emit console) tests: it echoes, reports
// what it received in the handshake, emits events unprompted, asks the client for
// acks and rejects connections whose auth says so.
//
// Flags:
//   --port N   0 = any free port (default)
//   --v2       serve Socket.IO 2.5 (Engine.IO 3) instead of 4.x: the same events, where
//              whoami's auth is always {} (Socket.IO 2 has no auth payload)
//
// When listening it prints one line to stdout: {"port": N, "url": "http://127.0.0.1:N"}.
//
// Events, on the namespaces / and /chat:
//   echo(...args, ack)          acks with every argument it got (binary included)
//   whoami(ack)                 acks {headers, query, auth, transport, requests}, where
//                               requests = {total, withHeader}: the engine requests after the
//                               handshake and how many carried the x-probe-token header
//   ask(event, ...args, ack)    emits event(...args) to the client with an ack callback and
//                               acks with [the client's reply arguments], or "no reply"
//   kick()                      the server disconnects this socket (this namespace only)
//   ignored(...)                no handler, so never acked
// On connection each socket gets welcome(namespace, socket id, <256 bytes 0..255>,
// {nested: <2 bytes>}) unprompted. A handshake whose auth has token "deny" is refused
// with the message "access denied: bad token".
"use strict";

const http = require("node:http");
const { parseArgs } = require("node:util");

const NAMESPACES = ["/", "/chat"];
const PROBE_HEADER = "x-probe-token";
const ASK_TIMEOUT_MS = 5000;

function readOptions() {
  const { values } = parseArgs({
    options: { port: { type: "string" }, v2: { type: "boolean" } },
    strict: true,
  });
  return { port: Number(values.port ?? 0), v2: Boolean(values.v2) };
}

// Per engine connection: requests seen after the handshake, and how many had the header.
const requests = new Map();

function countRequest(req) {
  const query = new URL(req.url ?? "/", "http://localhost").searchParams;
  const sid = query.get("sid");
  if (!sid) return;
  const seen = requests.get(sid) ?? { total: 0, withHeader: 0 };
  seen.total += 1;
  if (req.headers[PROBE_HEADER] !== undefined) seen.withHeader += 1;
  requests.set(sid, seen);
}

function wireNamespace(nsp) {
  nsp.use((socket, next) => {
    const auth = socket.handshake.auth ?? {};
    if (auth.token === "deny") return next(new Error("access denied: bad token"));
    return next();
  });
  nsp.on("connection", (socket) => {
    socket.emit("welcome", nsp.name, socket.id, Buffer.from([...Array(256).keys()]), {
      nested: Buffer.from([0, 255]),
    });
    socket.on("echo", (...args) => {
      const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
      if (ack) ack(...args);
    });
    socket.on("whoami", (ack) => {
      const { headers, query, auth } = socket.handshake;
      ack({
        headers,
        query,
        auth,
        transport: socket.conn.transport.name,
        requests: requests.get(socket.conn.id) ?? { total: 0, withHeader: 0 },
      });
    });
    socket.on("kick", () => socket.disconnect());
    socket.on("ask", (event, ...rest) => {
      const ack = typeof rest[rest.length - 1] === "function" ? rest.pop() : () => {};
      socket.timeout(ASK_TIMEOUT_MS).emit(event, ...rest, (error, ...reply) => {
        ack(error ? "no reply" : reply);
      });
    });
  });
}

function serveV2(httpServer) {
  const io = require("socket.io-v2")(httpServer, { maxHttpBufferSize: 4e6 });
  io.engine.on("headers", (_headers, req) => countRequest(req));
  for (const name of NAMESPACES) {
    const nsp = io.of(name);
    nsp.on("connection", (socket) => {
      socket.emit("welcome", nsp.name, socket.id, Buffer.from([...Array(256).keys()]), {
        nested: Buffer.from([0, 255]),
      });
      socket.on("echo", (...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
        if (ack) ack(...args);
      });
      socket.on("whoami", (ack) => {
        const { headers, query } = socket.handshake;
        ack({
          headers,
          query,
          auth: {},
          transport: socket.conn.transport.name,
          requests: requests.get(socket.conn.id) ?? { total: 0, withHeader: 0 },
        });
      });
      socket.on("kick", () => socket.disconnect());
      // Socket.IO 2 has no emit timeout: a timer stands in for it.
      socket.on("ask", (event, ...rest) => {
        const ack = typeof rest[rest.length - 1] === "function" ? rest.pop() : () => {};
        let answered = false;
        const timer = setTimeout(() => {
          answered = true;
          ack("no reply");
        }, ASK_TIMEOUT_MS);
        socket.emit(event, ...rest, (...reply) => {
          if (answered) return;
          clearTimeout(timer);
          ack(reply);
        });
      });
    });
  }
  return io;
}

function serveV4(httpServer) {
  const { Server } = require("socket.io");
  const io = new Server(httpServer, { maxHttpBufferSize: 4e6 });
  io.engine.on("headers", (_headers, req) => countRequest(req));
  for (const name of NAMESPACES) wireNamespace(io.of(name));
  return io;
}

function main() {
  const options = readOptions();
  const httpServer = http.createServer((_req, res) => {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found\n");
  });
  const io = options.v2 ? serveV2(httpServer) : serveV4(httpServer);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), 2000).unref();
    io.close(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  httpServer.listen(options.port, "127.0.0.1", () => {
    const { port } = httpServer.address();
    process.stdout.write(JSON.stringify({ port, url: `http://127.0.0.1:${port}` }) + "\n");
  });
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
}
