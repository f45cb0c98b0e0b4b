// The floor of the fan-out benchmark in Node: a bare socket.io 4 server that only
// broadcasts, the counterpart of bench/bare.py. Every socket joins one room;
// `PUT /vote/<n>` emits one `activity` event of the same shape and size as the board's
// `idea.votes_changed` to that room. No login, no database, no event log.
//
//   node bench/node/server.js PORT      (bench/fanout.py starts it after `npm ci`)
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 5299);
let seq = 0;

const server = http.createServer((request, response) => {
  const match = /^\/vote\/(\d+)$/.exec(request.url || "");
  if (request.method !== "PUT" || !match) {
    response.writeHead(404).end();
    return;
  }
  const ideaId = Number(match[1]);
  seq += 1;
  io.to("board").emit("activity", {
    seq,
    type: "idea.votes_changed",
    at: "2026-01-01T00:00:00+00:00",
    actor: null,
    data: { idea_id: ideaId, votes: 1, departments_supporting: 1 },
  });
  const body = JSON.stringify({ idea_id: ideaId, votes: 1, voted: true, departments_supporting: 1 });
  response.writeHead(200, { "Content-Type": "application/json" }).end(body);
});

const io = new Server(server, { serveClient: false });
io.on("connection", (socket) => socket.join("board"));

server.listen(port, "127.0.0.1");
