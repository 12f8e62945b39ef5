#!/usr/bin/env node
// The baseline of bench_targets.py's ingest target: a bare Node
// socket.io-client 4.8.1 (from tests/peers) on a drain_server.js admin
// stream. It connects to the admin namespace over websocket, counts the
// `event_sent` events, and when the closing one (event "done") arrives prints
// {"drain_s": seconds from the first event to it, "events": how many came,
// "cpu_s": the process's CPU seconds meanwhile}.
//
//   node drain_client.js URL [--timeout S]
"use strict";

const path = require("node:path");
const { performance } = require("node:perf_hooks");

const PEERS = path.join(__dirname, "..", "peers", "node_modules");
const { io } = require(path.join(PEERS, "socket.io-client"));

const url = process.argv[2];
const timeout = Number(process.argv[3] ?? 300);
const socket = io(`${url}/admin`, { transports: ["websocket"], reconnection: false });
let events = 0;
let first = 0;
let cpu = null;
socket.on("event_sent", (_nsp, _id, args) => {
  if (events === 0) {
    first = performance.now();
    cpu = process.cpuUsage();
  }
  events++;
  if (Array.isArray(args) && args[0] === "done") {
    const drain = (performance.now() - first) / 1000;
    const used = process.cpuUsage(cpu);
    const cpu_s = (used.user + used.system) / 1e6;
    process.stdout.write(`${JSON.stringify({ drain_s: drain, events, cpu_s })}\n`);
    socket.close();
    process.exit(0);
  }
});
socket.on("connect_error", (error) => {
  process.stderr.write(`connect_error: ${error.message}\n`);
  process.exit(2);
});
setTimeout(() => {
  process.stderr.write(`timed out after ${timeout} s with ${events} events\n`);
  process.exit(3);
}, timeout * 1000).unref();
