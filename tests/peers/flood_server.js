#!/usr/bin/env node
// A Socket.IO 4.x server instrumented with @socket.io/admin-ui whose app
// sockets exchange events without pause, so the admin stream carries as many
// `event_sent` events as its monitor can take: the whole-app benchmarks
// measure the monitor, not the server.
//
//   node flood_server.js [--port N] [--rate R] [--sockets S]
//
// The server keeps S app sockets (plain Engine.IO websockets opened by this
// process to itself, in `/` and `/chat`, in a few rooms) and sends them chat
// events. admin-ui reports every one to the admin namespace. With --rate 0
// (the default) production follows the slowest admin socket: it stops while
// one has more than MAX_QUEUED packets waiting and resumes on its "drain", so
// the monitor's pace sets the rate and the server's memory stays flat. With
// --rate R it sends R events per second, spread over the second.
//
// When listening it prints one line to stdout: {"port": N, "url": "http://127.0.0.1:N"}.
"use strict";

const http = require("node:http");
const { parseArgs } = require("node:util");
const { Server } = require("socket.io");
const { instrument } = require("@socket.io/admin-ui");
const WebSocket = require("ws");

const ADMIN = "/admin";
const NAMESPACES = ["/", "/chat"];
const NAMES = ["message", "typing", "presence", "join", "status"];
const ROOMS = ["general", "random", "support", "ops"];
const CHUNK = 256; // events per turn of the Node loop when flooding
const MAX_QUEUED = 2048;

// A minimal Engine.IO 4 websocket client: opens a namespace, answers pings,
// ignores what it receives. It costs the server almost nothing to feed.
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
      rate: { type: "string" },
      sockets: { type: "string" },
    },
    strict: true,
  });
  const rate = Number(values.rate ?? 0);
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
  const sendOne = () => {
    const socket = appSockets[n % appSockets.length];
    const room = ROOMS[n % ROOMS.length];
    socket.emit(NAMES[n % NAMES.length], { room, user: `user${n % 40}`, text: `hello there ${n}` });
    n++;
  };

  // The busiest admin socket's queue; 0 when no monitor is connected.
  const backlog = () => {
    let most = 0;
    for (const socket of io.of(ADMIN).sockets.values()) {
      most = Math.max(most, socket.conn.writeBuffer.length);
    }
    return most;
  };
  const busiest = () => {
    let chosen = null;
    for (const socket of io.of(ADMIN).sockets.values()) {
      if (!chosen || socket.conn.writeBuffer.length > chosen.conn.writeBuffer.length) {
        chosen = socket;
      }
    }
    return chosen;
  };

  const flood = () => {
    if (appSockets.length === 0 || io.of(ADMIN).sockets.size === 0) {
      setTimeout(flood, 20);
      return;
    }
    for (let i = 0; i < CHUNK; i++) sendOne();
    if (backlog() >= MAX_QUEUED) {
      const conn = busiest().conn;
      const transport = conn.transport;
      const resume = () => {
        transport.off("drain", resume);
        conn.off("close", resume);
        setImmediate(flood);
      };
      transport.on("drain", resume);
      conn.on("close", resume);
    } else {
      setImmediate(flood);
    }
  };

  const paced = () => {
    const started = process.hrtime.bigint();
    const tick = () => {
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      const due = Math.floor(elapsed * rate);
      while (appSockets.length > 0 && n < due) sendOne();
      if (appSockets.length === 0) n = due; // nothing to send to: no burst later
      setTimeout(tick, 5);
    };
    tick();
  };

  httpServer.listen(Number(values.port ?? 0), "127.0.0.1", () => {
    const { port } = httpServer.address();
    for (let i = 0; i < wanted; i++) rawClient(port, NAMESPACES[i % NAMESPACES.length]);
    if (rate > 0) paced();
    else flood();
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
