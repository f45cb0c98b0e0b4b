"""How long gunicorn takes to hand a request on a kept-alive connection to the app.

    python -m bench.handover                          # gthread and board.serving.Worker
    python -m bench.handover --rounds 3 --requests 300

bench/votephases.py showed a vote spends about 1 ms between being sent and reaching the
app, half of it gunicorn's: its main loop sees the connection readable, wakes a pool
thread, which takes the GIL in its turn and parses the request. This serves an app that
answers with the time it was called (CLOCK_MONOTONIC) on gunicorn with each worker class
in turn (as bench/fanout.py serves the board: one worker, K + 50 threads), sends requests
one at a time on one kept-alive connection, a pause between them as between votes, and
prints the median and p90 time from the send to the app, in µs.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import time
from pathlib import Path

from bench import processes
from bench.fanout import free_port, load

ROOT = Path(__file__).resolve().parent.parent
WORKERS = ("gthread", "board.serving.Worker")
# A vote's request as the benchmark's voter sends it: a session cookie and a CSRF header.
REQUEST = (
    b"PUT /api/v1/ideas/1/vote HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
    b"Cookie: session=" + b"a" * 300 + b"\r\nX-CSRF-Token: " + b"b" * 90 + b"\r\n\r\n"
)


def app(environ, start_response):
    body = str(time.monotonic_ns()).encode()
    start_response("200 OK", [("Content-Length", str(len(body)))])
    return [body]


def measure(port: int, requests: int, pause: float) -> list[float]:
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        took = []
        for _ in range(requests):
            sent = time.monotonic_ns()
            connection.sendall(REQUEST)
            data = b""
            while b"\r\n\r\n" not in data or not data.split(b"\r\n\r\n", 1)[1]:
                data += connection.recv(65536)
            took.append((int(data.split(b"\r\n\r\n", 1)[1]) - sent) / 1e3)
            time.sleep(pause)
    return took[20:]  # the first requests warm up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--threads", type=int, default=550)
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between requests")
    args = parser.parse_args()
    print(f"{args.requests} requests per run ({load()} at the start)")
    print("| worker | send → app µs, median | p90 |")
    print("| --- | --- | --- |")
    for _round in range(args.rounds):
        for worker in WORKERS:
            port = free_port(set())
            command = [
                *(str(Path(sys.executable).parent / "gunicorn"), "-k", worker),
                *("-w", "1", "--threads", str(args.threads), "-b", f"127.0.0.1:{port}"),
                *("--worker-connections", str(args.threads + 100), "--log-level", "warning"),
                "bench.handover:app",
            ]
            process = processes.start(command, cwd=ROOT)
            try:
                deadline = time.monotonic() + 30
                while True:
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=1).close()
                        break
                    except OSError:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.1)
                took = sorted(measure(port, args.requests, args.pause))
            finally:
                processes.stop(process)
            p90 = took[round(0.9 * len(took)) - 1]
            print(f"| {worker} | {statistics.median(took):.0f} | {p90:.0f} |", flush=True)
    print(f"({load()} at the end)")


if __name__ == "__main__":
    main()
