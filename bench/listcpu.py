"""CPU time per request of the first page of ideas, board against the floor, in-process.

    python -m bench.listcpu                       # 1,000 ideas, 100 requests per page
    python -m bench.listcpu --requests 200 --profile top

On a shared machine wall-clock times mostly measure the other jobs; the CPU time this
thread spends on a request does not. Both apps run in this process on the same board
(built by bench/lists.py's plain-SQL builder) through Flask's test client, logged in by
the same signed cookie bench/lists.py uses (made for this client's address and agent, so
it is not signed again on every answer), asking for gzip as a browser does. Pages take
turns (board, floor, board, …) so that caches and the allocator stay alike for both. It
prints CPU ms per request for each page and the ratio board / floor, and the number of SQL
statements the board ran per request. No HTTP server: its own cost is the same for both
and would only add to each side alike.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from bench.lists import PAGES, USER_AGENT, build, build_postgres, drop_postgres, session_cookie

POSTGRES_NAME = "bench_listcpu"


def make_apps(workdir: Path, size: int, postgres: str = ""):
    from bench.list_floor import create_floor_app
    from board import create_app
    from board.settings import Settings

    board = build(workdir / "board.sqlite3", size)
    floor = create_floor_app(board["url"])  # the floor reads SQLite in either case
    if postgres:
        board["url"] = build_postgres(workdir / "board.sqlite3", postgres, POSTGRES_NAME)
    secret = secrets.token_hex(32)
    cookie = session_cookie(board["url"], workdir, secret)
    settings = Settings(
        instance_path=workdir / "instance", database_url=board["url"], secret_key=secret
    )
    app = create_app(settings=settings)
    return board, app, floor, cookie


# What a request's time is: CPU of this thread (default), or wall-clock time (--wall: with
# PostgreSQL the database's work is another process's CPU).
CLOCK = [time.thread_time]


def cpu_ms(client, path: str, headers: dict, rounds: int) -> list[float]:
    """CPU ms of this thread (or wall-clock ms) for each of `rounds` requests."""
    times = []
    clock = CLOCK[0]
    for _ in range(rounds):
        t0 = clock()
        response = client.get(path, headers=headers)
        times.append((clock() - t0) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
    return times


def statements_per_request(app, client, path: str, headers: dict) -> int:
    engine = app.extensions["board_db"].engine
    count = 0

    def counter(*_args):
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", counter)
    try:
        client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


def profile(client, path: str, headers: dict, rounds: int, lines: int) -> str:
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    for _ in range(rounds):
        client.get(path, headers=headers)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--pages", default="", help="page names, comma-separated (default all)")
    parser.add_argument("--profile", default="", help="profile this page instead (e.g. top)")
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument(
        "--postgres",
        default="",
        help="serve the board from PostgreSQL: a server URL (postgresql+psycopg://user@host/db);"
        f" the bench makes and drops a database {POSTGRES_NAME} there. The floor stays on SQLite",
    )
    parser.add_argument("--wall", action="store_true", help="wall-clock ms instead of CPU")
    args = parser.parse_args()
    if args.wall:
        CLOCK[0] = time.perf_counter
    pages = [(name.split()[0], path) for name, path in PAGES]
    if args.pages:
        pages = [(n, p) for n, p in pages if n in args.pages.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-listcpu-") as tmp:
        board, app, floor, cookie = make_apps(Path(tmp), args.size, args.postgres)
        headers = {"Cookie": cookie, "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
        board_client = app.test_client(use_cookies=False)
        floor_client = floor.test_client(use_cookies=False)
        if args.profile:
            path = dict(pages)[args.profile]
            cpu_ms(board_client, path, headers, 5)
            print(profile(board_client, path, headers, args.requests, args.lines))
            return
        print(
            f"{board['ideas']:,} ideas, {board['votes']:,} votes, {board.get('tasks', 0):,} tasks;"
            f" {args.requests} requests per"
            f" page and app; load average {os.getloadavg()[0]:.1f};"
            f" {'wall-clock ms' if args.wall else 'CPU ms of this thread'}"
            f"{'; board on PostgreSQL' if args.postgres else ''}"
        )
        print(
            "| page | board CPU ms (median / mean) | floor CPU ms (median / mean) |"
            " ratio (median) | SQL statements |"
        )
        print("| --- | --- | --- | --- | --- |")
        gc.collect()
        for name, path in pages:
            for client in (board_client, floor_client):
                cpu_ms(client, path, headers, 5)  # warm-up: templates, caches, statements
            board_times, floor_times = [], []
            for _ in range(args.requests):
                board_times += cpu_ms(board_client, path, headers, 1)
                floor_times += cpu_ms(floor_client, path, headers, 1)
            b, f = statistics.median(board_times), statistics.median(floor_times)
            print(
                f"| {name} | {b:.2f} / {statistics.fmean(board_times):.2f}"
                f" | {f:.2f} / {statistics.fmean(floor_times):.2f} | {b / f:.2f}"
                f" | {statements_per_request(app, board_client, path, headers)} |"
            )
        app.extensions["board_db"].dispose()
        if args.postgres:
            drop_postgres(args.postgres, POSTGRES_NAME)


if __name__ == "__main__":
    main()
