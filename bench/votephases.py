"""Where a vote's time goes before and during its fan-out, on the production server.

    python -m bench.votephases                       # K = 500 clients, 40 votes
    python -m bench.votephases --clients 1000 --votes 60
    BOARD_BENCH_PROFILE=/tmp/vote.prof python -m bench.votephases --no-node --votes 150

bench/fanout.py says how long a vote takes to reach K clients; this says which part of
that is which. It serves the board as bench/fanout.py's `single` setup does (one gunicorn,
SQLite), with the app wrapped (`probed_app`) to note, for every vote request, when each
phase starts (CLOCK_MONOTONIC, as the clients' clock): the request reaching the app,
the commit, the fan-out pass (the revoked-session check, then the writes) and the answer.
The K clients are bench/fanout.py's (Node, one process) and report when each had the
vote; the bare Node socket.io server (bench/node/server.js) with K clients of its own
takes turns with the board as the reference. Medians over the votes, in ms from the
moment the vote was sent:

- `request written`: the voter's socket is given the request (asyncio's transport; what
  comes before it, the line to the clients' process and aiohttp's own work, is the
  client's);
- `gunicorn poll` / `gunicorn handle` / `gunicorn parsed`: gunicorn's main loop saw the
  voter's connection readable, a pool thread took it, the request was parsed (hooks of
  this module, passed as gunicorn's config); `thread woke`: instead of the first two, the
  thread of board.serving.Worker that waited on the kept-alive connection woke;
- `request in`: the app has the request;
- `view`: the vote's view starts (Flask, the login check, CSRF and the other hooks before
  it); `commit starts` / `committed`: the vote's COMMIT (its event row already written);
- `pass starts`: its fan-out pass begins; `sessions checked`: the revoked-session check
  before it is done;
- `writes start` / `writes end`: the pass's socket writes (`deliver_activities`; also
  how much of that time the thread ran: the rest it waited for a core or the GIL);
- `answer`: the vote request's thread is done;
- `first client` / `clients' p50` / `clients' p95`: arrivals (the board's and Node's).

It also prints how long the thread ran (CPU) between the phases, and the garbage
collections during vote requests. The probe costs a few microseconds per phase; nothing
else in the server changes. With BOARD_BENCH_PROFILE the vote requests are profiled
instead (cProfile, the thread's CPU; written to that file when the server stops; no
phases then).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import cProfile
import gc
import json
import os
import resource
import statistics
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from bench import fanout as bench

PHASES = (
    "request written",
    "gunicorn poll",
    "thread woke",
    "gunicorn handle",
    "gunicorn parsed",
    "request in",
    "view",
    "commit starts",
    "committed",
    "pass starts",
    "sessions checked",
    "writes start",
    "writes end",
    "answer",
)


# When gunicorn had the vote's connection: its main loop saw it readable, a pool thread
# took it, its request was parsed. Only the voter's connection is kept alive between
# requests (the sockets hold their threads), so the last of each is the vote's.
GUNICORN: dict[str, int] = {}


def post_worker_init(worker) -> None:
    """gunicorn's hook (`-c python:bench.votephases`): note the hand-over's steps."""
    readable, handle = worker.on_client_socket_readable, worker.handle
    came = getattr(worker, "_next_request_came", None)  # board.serving.Worker's wait
    if came is not None:

        def woke(conn):
            found = came(conn)
            if found:  # not a wait that ended without a request (another connection's)
                GUNICORN["woke"] = time.monotonic_ns()
                GUNICORN["woke (CPU)"] = time.thread_time_ns()
            return found

        worker._next_request_came = woke

    def on_readable(conn, client):
        GUNICORN["poll"] = time.monotonic_ns()
        return readable(conn, client)

    def handled(conn):
        GUNICORN["handle"] = time.monotonic_ns()
        return handle(conn)

    worker.on_client_socket_readable, worker.handle = on_readable, handled


def pre_request(worker, req) -> None:
    GUNICORN["parsed"] = time.monotonic_ns()
    GUNICORN["parsed (CPU)"] = time.thread_time_ns()


def probed_app():
    """The board's app (as app.py builds it) noting each vote's phase times in the file
    named by BOARD_BENCH_PHASES, one JSON line per vote request."""
    from sqlalchemy import event as sa_event
    from sqlalchemy.orm import Session

    from app import app
    from board import events, fanout, ideas, realtime

    out = os.environ["BOARD_BENCH_PHASES"]
    local = threading.local()
    lock = threading.Lock()
    inner = app.wsgi_app

    profile_to = os.environ.get("BOARD_BENCH_PROFILE")
    profiler = cProfile.Profile(time.thread_time) if profile_to else None
    if profiler is not None:
        atexit.register(lambda: profiler.dump_stats(profile_to))

    def wsgi(environ, start_response):
        if environ.get("REQUEST_METHOD") != "PUT" or "/vote" not in environ["PATH_INFO"]:
            return inner(environ, start_response)
        if profiler is not None:
            profiler.enable()
            try:
                return inner(environ, start_response)
            finally:
                profiler.disable()
        local.row = row = {
            "request in": time.monotonic_ns(),
            "request in (CPU)": time.thread_time_ns(),
        }
        row.update({f"gunicorn {k}": v for k, v in GUNICORN.items() if "woke" not in k})
        if "woke" in GUNICORN:
            row["thread woke"] = GUNICORN["woke"]
            row["thread woke (CPU)"] = GUNICORN["woke (CPU)"]
        GUNICORN.clear()  # a request its thread waited for skips the main loop's steps
        try:
            return inner(environ, start_response)
        finally:
            row["answer"] = time.monotonic_ns()
            local.row = None
            with lock, open(out, "a") as file:
                file.write(json.dumps(row) + "\n")

    def noted(function, before: str, after: str | None = None):
        def call(*args, **kwargs):
            row = getattr(local, "row", None)
            if row is not None:
                row.setdefault(before, time.monotonic_ns())
                row.setdefault(f"{before} (CPU)", time.thread_time_ns())
            try:
                return function(*args, **kwargs)
            finally:
                if row is not None and after is not None:
                    row.setdefault(after, time.monotonic_ns())
                    row.setdefault(f"{after} (CPU)", time.thread_time_ns())

        return call

    def at_commit(name: str):
        def note(_session, *args):
            row = getattr(local, "row", None)
            if row is not None and "view" in row:
                row.setdefault(name, time.monotonic_ns())

        return note

    def collected(phase: str, info: dict) -> None:
        row = getattr(local, "row", None)
        if row is None:
            return
        if phase == "start":
            row["gc started"] = time.monotonic_ns()
        else:
            took = time.monotonic_ns() - row.pop("gc started", time.monotonic_ns())
            row["gc ns"] = row.get("gc ns", 0) + took
            row["gc runs"] = row.get("gc runs", 0) + 1
            row[f"gc gen{info['generation']}"] = row.get(f"gc gen{info['generation']}", 0) + 1

    gc.callbacks.append(collected)
    app.wsgi_app = wsgi
    ideas.vote = noted(ideas.vote, "view")
    sa_event.listen(Session, "before_commit", at_commit("commit starts"))
    sa_event.listen(Session, "after_commit", at_commit("committed"))
    events._publish_pass = noted(events._publish_pass, "pass starts")
    live = realtime.live()
    live.revalidate_if_people_changed = noted(
        live.revalidate_if_people_changed, "sessions check", "sessions checked"
    )
    deliver = fanout.DirectManager.deliver_activities
    fanout.DirectManager.deliver_activities = noted(deliver, "writes start", "writes end")
    return app


async def vote_and_listen(served, setup, node) -> tuple[list[bench.Audience], dict[int, int]]:
    """Votes on the board, and (taking turns) on the bare Node server `node` if given."""
    board = bench.Audience(served, setup.cookies, setup.idea_ids)
    board.http, board.vote = await bench.board_voter(served.urls[0], setup.voter_email)
    audiences = [board]
    if node is not None:
        audiences.append(bench.Audience(node, ["bench=1"] * len(setup.cookies), setup.idea_ids))
        audiences[1].http, audiences[1].vote = await bench.bare_voter(node.urls[0])
    sent: dict[int, int] = {}
    send = board._send

    async def noting(line: str) -> None:
        if line.startswith("vote "):
            _, idea, at = line.split()
            sent[int(idea)] = int(at)
        await send(line)

    board._send = noting
    written = _note_votes_written()
    try:
        for audience in audiences:
            await audience.connect()
        for idea in setup.idea_ids:
            for audience in audiences:
                await audience.vote_once(idea)
                await asyncio.sleep(bench.PAUSE_BETWEEN_VOTES)
    finally:
        for audience in audiences:
            await audience.disconnect()
    return audiences, sent, written


def _note_votes_written() -> dict[int, int]:
    """When the voter's socket is given each vote's request (asyncio's transport writes it):
    what the client spends before its bytes leave is the client's."""
    from asyncio import selector_events

    written: dict[int, int] = {}
    transport = selector_events._SelectorSocketTransport
    write, writelines = transport.write, transport.writelines

    def note(data) -> None:
        head = bytes(data[:64])
        if head.startswith(b"PUT /api/v1/ideas/") and b"/vote" in head:
            written.setdefault(int(head.split(b"/")[4]), time.monotonic_ns())

    def noting_write(self, data):
        note(data)
        write(self, data)

    def noting_writelines(self, lines):
        lines = list(lines)
        if lines:
            note(lines[0])
        writelines(self, lines)

    transport.write, transport.writelines = noting_write, noting_writelines
    return written


def arrivals(audience: bench.Audience, idea: int) -> dict[str, float]:
    arrived = sorted(audience.latencies[idea])
    return {
        "first client": arrived[0] * 1e3,
        "clients' p50": arrived[len(arrived) // 2] * 1e3,
        "clients' p95": arrived[round(0.95 * len(arrived)) - 1] * 1e3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--votes", type=int, default=40)
    parser.add_argument("--no-node", action="store_true", help="skip the Node reference")
    parser.add_argument("--worker-class", default="", help="gunicorn's, instead of the bench's")
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    bench.install_node_server()
    votes = args.votes + bench.WARMUP_VOTES
    with tempfile.TemporaryDirectory(prefix="bench-votephases-") as tmp, ExitStack() as stack:
        url = stack.enter_context(bench.database("sqlite", Path(tmp)))
        setup = bench.prepare_board("single", url, Path(tmp), 1, args.clients, votes)
        phases = Path(tmp) / "phases.jsonl"
        setup.env["BOARD_BENCH_PHASES"] = str(phases)
        port = bench.free_port(set())
        command = bench.gunicorn_command("bench.votephases:probed_app()", port, args.clients + 50)
        command[1:1] = ["-c", "python:bench.votephases"]  # the hooks below
        if args.worker_class:
            command[-1:-1] = ["--worker-class", args.worker_class]  # after the bench's own
        print(f"K = {args.clients}, {args.votes} votes ({bench.load()} at the start)")
        served = stack.enter_context(
            bench.running_processes("board (single)", [(command, setup.env)], [port])
        )
        node = None if args.no_node else stack.enter_context(bench.node_server(set()))
        audiences, sent, written = asyncio.run(vote_and_listen(served, setup, node))
        if "BOARD_BENCH_PROFILE" in os.environ:
            return
        rows = [json.loads(line) for line in phases.read_text().splitlines()]
    measured = list(zip(setup.idea_ids, rows, strict=True))[bench.WARMUP_VOTES :]
    table: dict[str, list[list[float]]] = {}
    for idea, row in measured:
        if idea in written:
            row["request written"] = written[idea]
    for idea, row in measured:
        for name in (name for name in PHASES if all(name in r for _i, r in measured)):
            table.setdefault(name, [[], []])[0].append((row[name] - sent[idea]) / 1e6)
        for side, audience in enumerate(audiences):
            for name, value in arrivals(audience, idea).items():
                table.setdefault(name, [[], []])[side].append(value)
    print("| from the vote sent to | board median ms | board p90 ms | Node median ms |")
    print("| --- | --- | --- | --- |")
    for name, (board, node) in table.items():
        ordered = sorted(board)
        print(
            f"| {name} | {statistics.median(ordered):.2f}"
            f" | {ordered[round(0.9 * len(ordered)) - 1]:.2f}"
            f" | {f'{statistics.median(node):.2f}' if node else ''} |"
        )
    before = [
        ("sent", "request written"),
        ("request written", "thread woke"),
        ("request written", "request in"),  # bench/handover.py's span, for the bare app
    ]
    for start, end in before:
        if all(end in row for _i, row in measured):
            wall = statistics.median(
                row[end] - (sent[idea] if start == "sent" else row[start]) for idea, row in measured
            )
            print(f"From {start} to {end}: {wall / 1e6:.2f} ms")
    spans = [("thread woke", "gunicorn parsed"), ("gunicorn parsed", "request in")]
    spans = [span for span in spans if all(name in row for _i, row in measured for name in span)]
    spans += [("request in", "view"), ("view", "pass starts"), ("pass starts", "writes start")]
    for start, end in spans:
        wall = statistics.median(row[end] - row[start] for _idea, row in measured) / 1e6
        cpu = statistics.median(
            row[f"{end} (CPU)"] - row[f"{start} (CPU)"] for _idea, row in measured
        )
        print(f"From {start} to {end}: {wall:.2f} ms, of which the thread ran {cpu / 1e6:.2f} ms")
    collections = [row.get("gc runs", 0) for _idea, row in measured]
    gc_ms = sorted(row.get("gc ns", 0) / 1e6 for _idea, row in measured)
    full = sum(row.get("gc gen2", 0) for _idea, row in measured)
    print(
        f"Garbage collections during a vote request: {statistics.median(collections)} (median),"
        f" {statistics.median(gc_ms):.2f} ms (median), {gc_ms[-1]:.2f} ms (most);"
        f" full ones: {full} in {len(measured)} votes"
    )
    writes = [
        (
            row["writes end"] - row["writes start"],
            row["writes end (CPU)"] - row["writes start (CPU)"],
        )
        for _idea, row in measured
    ]
    wall = statistics.median(w for w, _c in writes) / 1e6
    cpu = statistics.median(c for _w, c in writes) / 1e6
    print(f"The writes: {wall:.2f} ms, of which the thread ran {cpu:.2f} ms (CPU; medians)")
    print(f"({bench.load()} at the end)")


if __name__ == "__main__":
    main()
