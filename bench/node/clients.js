// The benchmark's clients: K socket.io clients in one Node process, so that the clients
// cost little next to the servers they measure (python-socketio's asyncio client spent
// ~0.2 ms per message, which at K = 1,000 was the slowest part of the run).
//
// bench/fanout.py drives it over stdin/stdout, one line each:
//   in:  {"urls": [...], "cookies": [...]}   connect (spread over urls), answer "ready N FAILED"
//   in:  vote IDEA SENT_NS                   SENT_NS: CLOCK_MONOTONIC, as Python's
//                                            time.monotonic_ns(); answer "done IDEA" when
//                                            every client has its idea.votes_changed
//   in:  report IDEA                         answer "report IDEA DROPPED ms,ms,..."
//   in:  quit
"use strict";

const readline = require("node:readline");
const { io } = require("socket.io-client");

const BATCH = 50;
const sockets = [];
const pending = new Map();
let dropped = 0;
let closing = false;
let expected = 0;

function out(line) {
  process.stdout.write(line + "\n");
}

function onActivity(envelope) {
  const now = process.hrtime.bigint(); // libuv: CLOCK_MONOTONIC
  if (envelope.type !== "idea.votes_changed") return;
  const vote = pending.get(envelope.data.idea_id);
  if (!vote) return;
  vote.latencies.push(Number(now - vote.sent) / 1e6);
  if (vote.latencies.length === expected) out(`done ${envelope.data.idea_id}`);
}

function open(url, cookie) {
  return new Promise((resolve) => {
    const socket = io(url, {
      transports: ["websocket"],
      reconnection: false,
      timeout: 60000,
      extraHeaders: { Cookie: cookie },
    });
    socket.on("activity", onActivity);
    socket.on("disconnect", () => {
      if (!closing) dropped += 1;
    });
    socket.once("connect", () => resolve(true));
    socket.once("connect_error", () => resolve(false));
    sockets.push(socket);
  });
}

async function connectAll({ urls, cookies }) {
  expected = cookies.length;
  let connected = 0;
  for (let start = 0; start < cookies.length; start += BATCH) {
    const batch = cookies
      .slice(start, start + BATCH)
      .map((cookie, i) => open(urls[(start + i) % urls.length], cookie));
    connected += (await Promise.all(batch)).filter(Boolean).length;
  }
  out(`ready ${connected} ${cookies.length - connected}`);
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.startsWith("{")) {
    connectAll(JSON.parse(line));
    return;
  }
  const [command, idea, sent] = line.split(" ");
  if (command === "vote") {
    pending.set(Number(idea), { sent: BigInt(sent), latencies: [] });
  } else if (command === "report") {
    const vote = pending.get(Number(idea)) || { latencies: [] };
    out(`report ${idea} ${dropped} ${vote.latencies.map((ms) => ms.toFixed(3)).join(",")}`);
  } else if (command === "quit") {
    closing = true;
    sockets.forEach((socket) => socket.disconnect());
    setTimeout(() => process.exit(0), 500);
  }
});
