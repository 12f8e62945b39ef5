#!/usr/bin/env node
// A Node Socket.IO server for the compatibility table: socket.io 4.8 or 3.1, the
// default or the msgpack parser, @socket.io/admin-ui with or without basic auth (a
// bcrypt hash), at any Socket.IO path. Run with NODE_PATH=tests/peers/node_modules
// (tests/support/compat_servers.py does).
//
// Flags:
//   --port N                 0 = any free port (default)
//   --socketio 4|3           the socket.io release line (3 = the socket.io-v3 alias, 3.1)
//   --parser default|msgpack socket.io-msgpack-parser when msgpack
//   --auth user:password     admin-ui basic auth, the password stored as a bcrypt hash
//   --path /socket.io        the Socket.IO path
//   --close-on-admin         close the connection as the admin namespace is joined, as a
//                            worker crashing there would (cluster-adapter with sticky)
//
// It prints {"port": N, "url": "http://127.0.0.1:N", "version": "<socket.io version>"}
// once listening. GET /truth answers the server's own view: {namespaces: {name:
// {sockets: [ids], rooms: {room: [ids]}}}} for every namespace but /admin. Clients
// of "/" and "/chat" join the rooms listed in their ?rooms=a,b query.
"use strict";

const http = require("node:http");
const { parseArgs } = require("node:util");

function readOptions() {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      socketio: { type: "string" },
      parser: { type: "string" },
      auth: { type: "string" },
      path: { type: "string" },
      "close-on-admin": { type: "boolean" },
    },
    strict: true,
  });
  const line = values.socketio ?? "4";
  if (line !== "4" && line !== "3") throw new Error(`--socketio must be 4 or 3, not ${line}`);
  const parser = values.parser ?? "default";
  if (parser !== "default" && parser !== "msgpack") {
    throw new Error(`--parser must be default or msgpack, not ${parser}`);
  }
  return {
    port: Number(values.port ?? 0),
    line,
    parser,
    auth: values.auth ?? null,
    path: values.path ?? "/socket.io",
    closeOnAdmin: Boolean(values["close-on-admin"]),
  };
}

function adminAuth(spec) {
  if (!spec) return false;
  const colon = spec.indexOf(":");
  if (colon < 0) throw new Error("--auth wants user:password");
  const bcrypt = require("bcryptjs");
  return {
    type: "basic",
    username: spec.slice(0, colon),
    password: bcrypt.hashSync(spec.slice(colon + 1), 4),
  };
}

// The installed release, read from the package's own package.json (not exported).
function packageVersion(name) {
  const fs = require("node:fs");
  const path = require("node:path");
  for (const folder of module.paths.concat((process.env.NODE_PATH ?? "").split(path.delimiter))) {
    const file = path.join(folder, name, "package.json");
    if (folder && fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")).version;
  }
  return "unknown";
}

function truth(io) {
  const namespaces = {};
  const nsps = io._nsps;
  for (const [name, nsp] of nsps) {
    if (name === "/admin") continue;
    const rooms = {};
    for (const [room, ids] of nsp.adapter.rooms) rooms[room] = [...ids];
    namespaces[name] = { sockets: [...nsp.sockets.keys()], rooms };
  }
  return { namespaces };
}

function main() {
  const options = readOptions();
  const packageName = options.line === "3" ? "socket.io-v3" : "socket.io";
  const { Server } = require(packageName);
  const version = packageVersion(packageName);
  const { instrument } = require("@socket.io/admin-ui");
  let io = null;
  const httpServer = http.createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (req.method === "GET" && path === "/truth" && io !== null) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(truth(io)));
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found\n");
  });
  const serverOptions = { path: options.path, cors: { origin: true, credentials: true } };
  if (options.parser === "msgpack") serverOptions.parser = require("socket.io-msgpack-parser");
  io = new Server(httpServer, serverOptions);
  for (const name of ["/", "/chat"]) {
    io.of(name).on("connection", (socket) => {
      const wanted = socket.handshake.query.rooms;
      if (typeof wanted === "string" && wanted !== "") {
        socket.join(wanted.split(",").filter((room) => room !== ""));
      }
      socket.on("echo", (...args) => {
        const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
        if (ack) ack(...args);
      });
    });
  }
  instrument(io, { auth: adminAuth(options.auth), mode: "development" });
  if (options.closeOnAdmin) {
    io.of("/admin").use((socket) => socket.conn.close());
  }

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
    const url = `http://127.0.0.1:${port}`;
    process.stdout.write(JSON.stringify({ port, url, version }) + "\n");
  });
}

try {
  main();
} catch (error) {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
}
