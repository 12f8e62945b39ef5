#!/usr/bin/env node
// A Socket.IO 4.x server that pushes small events to one client as fast as the
// client can take them, so the receive-rate benchmark measures the client, not
// the server.
//
//   node push_server.js [--port N]
//
// A client emits `start` with {count: N, payload?: object}; the server sends N
// `tick` events ({i, t: "x", ...payload}) to that socket, then `done` with N.
// When listening it prints one line to stdout: {"port": N, "url": "http://127.0.0.1:N"}.
"use strict";

const http = require("node:http");
const { parseArgs } = require("node:util");
const { Server } = require("socket.io");

// Events queued per turn of the Node loop. Large enough that one write holds
// many frames, small enough that Node stays responsive (pings, other clients).
const CHUNK = 512;
// Engine packets allowed to wait behind a busy websocket before the server
// stops producing. The client's pace then sets the rate and memory stays flat.
const MAX_QUEUED = 4096;

function pushTicks(socket, count, payload) {
  const conn = socket.conn;
  let i = 0;
  const step = () => {
    if (!socket.connected) return;
    const end = Math.min(i + CHUNK, count);
    for (; i < end; i++) socket.emit("tick", { i, t: "x", ...payload });
    if (i >= count) {
      socket.emit("done", count);
      return;
    }
    if (conn.writeBuffer.length >= MAX_QUEUED) {
      // The transport turns writable again when the kernel has taken the last
      // frame; its "drain" is the signal that the queue is being emptied.
      conn.transport.once("drain", () => setImmediate(step));
    } else {
      setImmediate(step);
    }
  };
  step();
}

function main() {
  const { values } = parseArgs({ options: { port: { type: "string" } }, strict: true });
  const port = Number(values.port ?? process.env.PEER_PORT ?? 0);
  const httpServer = http.createServer();
  const io = new Server(httpServer, { perMessageDeflate: false });

  io.on("connection", (socket) => {
    socket.on("start", (options) => {
      const count = Math.max(0, Math.floor(Number(options?.count ?? 0)));
      const payload = options && typeof options.payload === "object" ? options.payload : {};
      pushTicks(socket, count, payload);
    });
  });

  const stop = () => {
    setTimeout(() => process.exit(0), 2000).unref();
    io.close(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  httpServer.listen(port, "127.0.0.1", () => {
    const address = httpServer.address();
    process.stdout.write(
      JSON.stringify({ port: address.port, url: `http://127.0.0.1:${address.port}` }) + "\n",
    );
  });
}

main();
