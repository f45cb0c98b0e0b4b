"""Time and CPU per socket of one fan-out pass, in the server's own process.

    python -m bench.fanoutcpu                          # K = 500 and 1,000, 60 passes each
    python -m bench.fanoutcpu --clients 1000 --passes 200 --paths deliver

bench/fanout.py measures what a client sees, the whole vote included, against Node; this
one measures only the part of it that grows with K: the vote request's thread writing one
frame to each of the K sockets. It serves the board in this process (Werkzeug's threaded
server, as `python app.py` does, on SQLite), connects K real WebSocket clients
(socket.io-client in one Node process, bench/node/clients.js, as bench/fanout.py does)
and runs fan-out passes of one `idea.votes_changed` envelope from this thread, waiting
after each until every client has it. Paths, taking turns pass by pass so that whatever
else the machine does weighs on all of them alike:

- `floor`: the frame written to each socket with one `sock.send(frame, MSG_DONTWAIT)`
  in a plain loop over a list of the sockets, nothing else (what Python cannot go below
  with one thread; the sockets' order checks left out);
- `floor2`: the same loop split between this thread and a second one, each taking every
  other socket (`send` lets go of the GIL): whether writing from two threads could pay
  (its CPU column is this thread's half only);
- `deliver`: `DirectManager.deliver_activities`, what each process runs per pass
  (audiences, one encoding, the order checks and the writes);
- `publish`: `realtime.publish_all`, the whole pass a vote's thread runs after its commit
  (the revoked-session check, then `deliver`).

For each it prints the wall time and this thread's CPU time per pass and per socket
(medians over the passes), the ratio to the floor, and when the clients had the frame
(median and p95 over the clients, from just before the pass: the Node client process,
one thread for all K, reads about one message per 20-30 µs, so once the server writes
faster than that, these stop following the server); `--profile deliver` (or `publish`)
profiles that path's passes with cProfile (this thread's CPU). On a shared machine the CPU numbers
are the ones to compare; every path's numbers come from the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import resource
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bench.fanout import Audience, Served, install_node_server, load, prepare_board

PATHS = ("floor", "floor2", "deliver", "publish")
NAMESPACE = "/"


def serve(env: dict):
    """The board in this process, configured from `env` as app.py is; returns its URL."""
    from werkzeug.serving import make_server

    from board import create_app, realtime

    os.environ.update({k: v for k, v in env.items() if k.startswith("BOARD_")})
    app = create_app()
    realtime.tune_server_process()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    httpd.request_queue_size = 1024
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return app, httpd, f"http://127.0.0.1:{httpd.server_port}"


def envelope(idea: int) -> dict:
    return {
        "seq": idea,
        "type": "idea.votes_changed",
        "at": "2026-12-04T20:00:00Z",
        "actor": None,
        "data": {"idea_id": idea, "votes": 1},
    }


def send_all(sockets: list[socket.socket], frame: bytes) -> None:
    send, flags = socket.socket.send, socket.MSG_DONTWAIT
    for sock in sockets:
        send(sock, frame, flags)


class Helper:
    """A second thread that runs one call when told (floor2's other half)."""

    def __init__(self):
        self._go = threading.Semaphore(0)
        self._done = threading.Semaphore(0)
        self._call = None
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self):
        while True:
            self._go.acquire()
            function, args = self._call
            function(*args)
            self._done.release()

    def start(self, function, *args) -> None:
        self._call = (function, args)
        self._go.release()

    def wait(self) -> None:
        self._done.acquire()


class Passes:
    """One fan-out pass per call, by one of PATHS, timed in this thread."""

    def __init__(self, profile: str):
        from board import realtime

        self.realtime = realtime
        self.server = realtime.socketio.server
        self.manager = self.server.manager
        self.times: dict[str, list[tuple[float, float]]] = {path: [] for path in PATHS}
        # Per pass, when the clients had it (median and p95 over the clients, seconds
        # from just before the pass): a client that takes longer per message than the
        # server per socket makes these the same for every path.
        self.arrivals: dict[str, list[list[float]]] = {path: [] for path in PATHS}
        self.queued = 0  # packets of the passes that went through a socket's queue instead
        self.in_pass = False
        self.profile = profile
        self.profiler = cProfile.Profile(time.thread_time) if profile else None
        self.helper = Helper()
        send_eio_packet = self.server._send_eio_packet

        def counted(eio_sid, pkt):
            if self.in_pass:
                self.queued += 1
            return send_eio_packet(eio_sid, pkt)

        self.server._send_eio_packet = counted  # only the queue path pays for the count

    def raw_sockets(self) -> list[socket.socket]:
        """The open WebSockets' network sockets."""
        out = []
        for eio_socket in list(self.server.eio.sockets.values()):
            ws = getattr(eio_socket, "board_websocket", None)
            if ws is not None and ws.ws.connected and not eio_socket.closed:
                out.append(ws.ws.sock)
        return out

    def run(self, path: str, idea: int) -> None:
        items = [(envelope(idea), [self.realtime.events.PUBLIC_ROOM])]
        if path in ("floor", "floor2"):
            args = [self.realtime.ACTIVITY, items[0][0]]
            _pkt, frame = self.manager._packets(NAMESPACE, args)
            sockets = self.raw_sockets()
            if path == "floor2":
                self.helper.start(send_all, sockets[1::2], frame)
                sockets = sockets[::2]
            wall, cpu = time.perf_counter(), time.thread_time()
            send_all(sockets, frame)
            if path == "floor2":
                self.helper.wait()
            self._took(path, wall, cpu)
            return
        run = (
            (lambda: self.manager.deliver_activities(NAMESPACE, items))
            if path == "deliver"
            else (lambda: self.realtime.publish_all(items))
        )
        profiler = self.profiler if path == self.profile else None
        self.in_pass = True
        wall, cpu = time.perf_counter(), time.thread_time()
        if profiler is not None:
            profiler.enable()
        run()
        if profiler is not None:
            profiler.disable()
        self._took(path, wall, cpu)
        self.in_pass = False

    def _took(self, path: str, wall: float, cpu: float) -> None:
        self.times[path].append((time.perf_counter() - wall, time.thread_time() - cpu))


async def measure(url: str, cookies: list[str], passes: Passes, rounds: int, paths) -> Audience:
    ideas = list(range(1, 1 + (rounds + 2) * len(paths)))
    audience = Audience(Served("board (in-process)", [url], [os.getpid()]), cookies, ideas)
    turn = iter(ideas)

    async def one_pass(idea: int, path: str):
        await asyncio.to_thread(passes.run, path, idea)

    try:
        await audience.connect()
        for n in range(rounds + 2):  # the first two rounds warm up
            for path in paths[n % len(paths) :] + paths[: n % len(paths)]:
                idea = next(turn)
                audience.vote = lambda idea, path=path: one_pass(idea, path)
                await audience.vote_once(idea)
                if n < 2:
                    passes.times[path].clear()
                arrived = sorted(audience.latencies[idea])
                if len(arrived) != len(cookies):
                    raise RuntimeError(f"{path}: pass {n} reached {len(arrived)}")
                if n >= 2:
                    at = [arrived[len(arrived) // 2], arrived[round(0.95 * len(arrived)) - 1]]
                    passes.arrivals[path].append(at)
                await asyncio.sleep(0.02)
    finally:
        await audience.disconnect()
    return audience


def report(clients: int, passes: Passes, paths) -> None:
    print(
        "| path | wall ms / pass | CPU ms / pass | wall µs / socket | CPU µs / socket |"
        " CPU / floor | clients' p50 / p95 ms |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    floor = None
    for path in paths:
        times = passes.times[path]
        wall = statistics.median(t[0] for t in times)
        cpu = statistics.median(t[1] for t in times)
        floor = cpu if path == "floor" else floor
        ratio = f"{cpu / floor:.2f}" if floor and path != "floor2" else ""
        p50, p95 = (statistics.median(a[i] for a in passes.arrivals[path]) for i in (0, 1))
        print(
            f"| {path} | {wall * 1e3:.2f} | {cpu * 1e3:.2f} | {wall / clients * 1e6:.1f}"
            f" | {cpu / clients * 1e6:.1f} | {ratio} | {p50 * 1e3:.1f} / {p95 * 1e3:.1f} |"
        )
    print(f"({len(passes.times[paths[0]])} passes per path; {passes.queued} packets queued)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="500,1000", help="comma-separated K values")
    parser.add_argument("--passes", type=int, default=60, help="measured passes per path")
    parser.add_argument(
        "--paths", default=",".join(PATHS), help="comma-separated, of " + str(PATHS)
    )
    parser.add_argument(
        "--profile", default="", help="cProfile this path's passes (deliver, publish)"
    )
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    paths = [p for p in args.paths.split(",") if p]
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    install_node_server()
    # One board with enough people for the largest K: every K reconnects to it.
    top = max(int(k) for k in args.clients.split(","))
    with tempfile.TemporaryDirectory(prefix="bench-fanoutcpu-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'board.sqlite3'}"
        setup = prepare_board("cpu", url, Path(tmp), 1, top, 1)
        app, httpd, base = serve(setup.env)
        passes = Passes(args.profile)
        for clients in (int(k) for k in args.clients.split(",")):
            print(f"\nK = {clients} ({load()} at the start)", flush=True)
            passes.times = {path: [] for path in PATHS}
            passes.arrivals = {path: [] for path in PATHS}
            passes.queued = 0
            asyncio.run(measure(base, setup.cookies[:clients], passes, args.passes, paths))
            report(clients, passes, paths)
            deadline = time.monotonic() + 30  # the clients' sockets close before the next K
            while passes.raw_sockets() and time.monotonic() < deadline:
                time.sleep(0.2)
        httpd.shutdown()
        app.extensions["board_db"].dispose()
        if passes.profiler is not None:
            out = io.StringIO()
            stats = pstats.Stats(passes.profiler, stream=out)
            stats.sort_stats("tottime").print_stats(args.lines)
            print(out.getvalue())
    print(f"({load()} at the end)")


if __name__ == "__main__":
    main()
