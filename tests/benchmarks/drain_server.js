#!/usr/bin/env node
// A finite admin flood for bench_targets.py (issue 20's ingest target): a
// Socket.IO 4.8 server instrumented with @socket.io/admin-ui whose app sockets
// are sent COUNT small events as fast as Node can, then one closing event
// named "done". admin-ui reports each one to its admin namespace as
// `event_sent`, so the one monitor connected there receives COUNT + 1 events.
//
//   node drain_server.js [--count N] [--delay MS] [--sockets S]
//
// The flood starts DELAY ms after the first admin socket connects (the
// monitor's own start-up requests are answered by then) and is not paced:
// what the monitor does not take yet waits in the server's buffer, so the
// drain time measures the monitor. One flood per server: start a fresh one
// for each run. The packages come from tests/peers (socket.io 4.8.1,
// admin-ui 0.5.1). When listening it prints {"port": N, "url": "..."}.
"use strict";

const http = require("node:http");
const path = require("node:path");
const { parseArgs } = require("node:util");

const PEERS = path.join(__dirname, "..", "peers", "node_modules");
const { Server } = require(path.join(PEERS, "socket.io"));
const { instrument } = require(path.join(PEERS, "@socket.io", "admin-ui"));
const WebSocket = require(path.join(PEERS, "ws"));

const ADMIN = "/admin";
const NAMESPACES = ["/", "/chat"];
const NAMES = ["message", "typing", "presence", "join", "status"];
const ROOMS = ["general", "random", "support", "ops"];
const CHUNK = 1000; // events per turn of the Node loop

function rawClient(port, nsp) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`);
  ws.on("message", (data) => {
    const text = data.toString();
    if (text[0] === "0") ws.send(nsp === "/" ? "40" : `40${nsp},`);
    else if (text === "2") ws.send("3");
  });
  ws.on("error", () => {});
  return ws;
}

function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      count: { type: "string" },
      delay: { type: "string" },
      sockets: { type: "string" },
    },
    strict: true,
  });
  const count = Number(values.count ?? 100000);
  const delay = Number(values.delay ?? 1000);
  const wanted = Number(values.sockets ?? 8);
  const httpServer = http.createServer();
  const io = new Server(httpServer, { perMessageDeflate: false });
  instrument(io, { auth: false, mode: "development", namespaceName: ADMIN });

  const appSockets = [];
  for (const name of NAMESPACES) {
    io.of(name).on("connection", (socket) => {
      socket.join(ROOMS[appSockets.length % ROOMS.length]);
      appSockets.push(socket);
      socket.on("disconnect", () => appSockets.splice(appSockets.indexOf(socket), 1));
    });
  }

  let n = 0;
  let started = false;
  const flood = () => {
    const end = Math.min(count, n + CHUNK);
    for (; n < end; n++) {
      const socket = appSockets[n % appSockets.length];
      const room = ROOMS[n % ROOMS.length];
      socket.emit(NAMES[n % NAMES.length], { room, user: `user${n % 40}`, text: `hello there ${n}` });
    }
    if (n < count) setImmediate(flood);
    else appSockets[0].emit("done", { count });
  };
  const begin = () => {
    if (appSockets.length < wanted) {
      setTimeout(begin, 20);
      return;
    }
    flood();
  };
  io.of(ADMIN).on("connection", () => {
    if (started) return;
    started = true;
    setTimeout(begin, delay);
  });

  httpServer.listen(Number(values.port ?? 0), "127.0.0.1", () => {
    const { port } = httpServer.address();
    for (let i = 0; i < wanted; i++) rawClient(port, NAMESPACES[i % NAMESPACES.length]);
    process.stdout.write(`${JSON.stringify({ port, url: `http://127.0.0.1:${port}` })}\n`);
  });

  const stop = () => {
    io.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main();
