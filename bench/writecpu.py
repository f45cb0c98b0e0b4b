"""CPU time per write request (vote, unvote, new idea, new comment), board against a floor,
in-process.

    python -m bench.writecpu                       # 1,000 ideas, 200 requests per write
    python -m bench.writecpu --requests 400 --profile comment

On a shared machine wall-clock times mostly measure the other jobs; the CPU time this
thread spends on a request does not (time.thread_time, as bench/listcpu.py). Both apps run
in this process on one board (bench/lists.py's plain-SQL builder; the idea that takes the
comments has `--followers` followers, as the seed idea of bench/day.py soon has its 20
writers), through Flask's test client: the board logged in as person 1 by a signed cookie
with its CSRF token (the JSON client's `X-CSRF-Token`), as a browser sends its writes.

The writes, each measured on its own, taking turns with the floor's:

- `vote` / `unvote`: `PUT` / `DELETE /api/v1/ideas/<id>/vote`, one idea after the other
  (the vote of issue 14's fan-out benchmark: its delivery time is this request's time);
- `idea`: `POST /api/v1/ideas` (a title and a short body, as bench/day.py sends);
- `comment`: `POST /api/v1/ideas/<id>/comments` on the followed idea (its followers are
  notified);
- `frame`: the vote's `PUT` with the vote itself replaced by a constant answer: what every
  logged-in write costs around its service (login check, session, CSRF, limiter, hooks),
  against the floor answering the same JSON to a bare `PUT`.

The floor is a bare Flask app on the same database doing what no write can do without:
parse the JSON body, one INSERT (or DELETE) and COMMIT on a plain sqlite3 connection,
answer JSON. It prints CPU ms per request (median / mean), the ratio board / floor, and the
SQL statements the board ran per request (BEGIN, SAVEPOINT and COMMIT included;
`--show-sql` lists them). `--http` adds what the server process spends per write when
the board is served as `python app.py` serves it (Werkzeug's threaded server, started
by bench/serve.py) and the same writes come over HTTP: its CPU seconds (/proc) over N
requests, HTTP parsing, a thread per connection and the after-commit work included. No
Socket.IO client is connected: the fan-out to sockets is bench/fanout.py's part.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import secrets
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, jsonify, request
from sqlalchemy import event

from bench import processes
from bench.lists import USER_AGENT, build, login

WRITES = ("vote", "unvote", "idea", "comment", "frame")
TAGS = [0]  # tags of each new idea (--tags)
COMMENTED_IDEA = 1


def add_followers(path: Path, idea_id: int, followers: int) -> None:
    db = sqlite3.connect(path)
    db.executemany(
        "INSERT OR IGNORE INTO follows (user_id, idea_id, created_at)"
        " VALUES (?, ?, '2026-12-01 00:00:00.000000')",
        [(n, idea_id) for n in range(2, followers + 2)],
    )
    db.commit()
    db.close()


def create_floor_app(path: Path) -> Flask:
    """What every write costs at least on this stack: JSON in, one statement, COMMIT,
    JSON out."""
    app = Flask(__name__)
    local = threading.local()

    def connection() -> sqlite3.Connection:
        if not hasattr(local, "db"):
            local.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            local.db.execute("PRAGMA synchronous=NORMAL")
        return local.db

    def one_write(sql: str, params: tuple) -> int:
        db = connection()
        db.execute("BEGIN IMMEDIATE")
        cursor = db.execute(sql, params)
        db.execute("COMMIT")
        return cursor.lastrowid

    @app.put("/ideas/<int:idea_id>/vote")
    def vote(idea_id: int):
        one_write(
            "INSERT INTO votes (idea_id, user_id, created_at) VALUES (?, 0, datetime('now'))",
            (idea_id,),
        )
        return jsonify({"idea_id": idea_id, "voted": True})

    @app.delete("/ideas/<int:idea_id>/vote")
    def unvote(idea_id: int):
        one_write("DELETE FROM votes WHERE idea_id = ? AND user_id = 0", (idea_id,))
        return jsonify({"idea_id": idea_id, "voted": False})

    @app.put("/answer")
    def answer():
        return jsonify({"idea_id": 1, "votes": 1, "voted": True, "departments_supporting": 1})

    @app.post("/ideas")
    def idea():
        body = request.get_json()
        new_id = one_write(
            "INSERT INTO ideas (title, body, body_html, author_id, created_at, updated_at,"
            " vote_count, departments_supporting, hot_score)"
            " VALUES (?, ?, '', 1, datetime('now'), datetime('now'), 0, 0, 0)",
            (body["title"], body["body"]),
        )
        return jsonify({"id": new_id, "title": body["title"]}), 201

    @app.post("/ideas/<int:idea_id>/comments")
    def comment(idea_id: int):
        body = request.get_json()
        new_id = one_write(
            "INSERT INTO comments (idea_id, author_id, body, body_html, is_mentor_note,"
            " created_at) VALUES (?, 1, ?, '', 0, datetime('now'))",
            (idea_id, body["body"]),
        )
        return jsonify({"id": new_id, "idea_id": idea_id}), 201

    return app


class Writes:
    """The next request of each kind, for the board (`/api/v1` prefix) or the floor."""

    def __init__(self, prefix: str, ideas: list[int]):
        self.prefix = prefix
        self.ideas = ideas
        self.n = dict.fromkeys(WRITES, 0)

    def next(self, kind: str) -> tuple[str, str, dict | None, int]:
        """(method, path, JSON body, expected status)."""
        n = self.n[kind]
        self.n[kind] += 1
        if kind in ("vote", "unvote"):
            idea_id = self.ideas[n % len(self.ideas)]
            method = "PUT" if kind == "vote" else "DELETE"
            return method, f"{self.prefix}/ideas/{idea_id}/vote", None, 200
        if kind == "frame":
            path = f"{self.prefix}/ideas/{self.ideas[0]}/vote" if self.prefix else "/answer"
            return "PUT", path, None, 200
        if kind == "idea":
            body = {"title": f"Idea {n}", "body": f"A short idea number {n}, as people write."}
            if TAGS[0]:  # --tags: each idea with this many tags, as the board's form sends
                body["tags"] = [f"tag{(n + number) % 20}" for number in range(TAGS[0])]
            return "POST", f"{self.prefix}/ideas", body, 201
        body = {"body": f"A comment number {n}: I like it, and I would help."}
        return "POST", f"{self.prefix}/ideas/{COMMENTED_IDEA}/comments", body, 201


def send(client, headers: dict, request_: tuple) -> float:
    """CPU ms of this thread for one request."""
    method, path, body, status = request_
    t0 = time.thread_time()
    response = client.open(path, method=method, json=body, headers=headers)
    elapsed = (time.thread_time() - t0) * 1000
    if response.status_code != status:
        raise RuntimeError(f"{method} {path}: {response.status_code} {response.get_data()[:300]}")
    return elapsed


def statements_per_request(app, client, headers: dict, request_: tuple, show: bool = False) -> int:
    engine = app.extensions["board_db"].engine
    count = 0

    me = threading.get_ident()  # not the server's background senders and schedulers

    def counter(*args):
        nonlocal count
        if threading.get_ident() != me:
            return
        count += 1
        if show:
            print("   ", " ".join(str(args[2] if len(args) > 2 else "COMMIT").split())[:160])

    event.listen(engine, "before_cursor_execute", counter)
    event.listen(engine, "commit", counter)
    try:
        send(client, headers, request_)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
        event.remove(engine, "commit", counter)
    return count


@contextmanager
def service_replaced(kind: str):
    """`frame`: the vote's request with its service replaced by a constant answer (what
    every logged-in write costs before it does anything), against a bare PUT's answer."""
    if kind != "frame":
        yield
        return
    from board import ideas

    real = ideas.vote
    ideas.vote = lambda _session, _actor, idea_id: {
        "idea_id": idea_id,
        "votes": 1,
        "voted": True,
        "departments_supporting": 1,
    }
    try:
        yield
    finally:
        ideas.vote = real


def run(kind: str, board: Writes, floor: Writes, clients: dict, rounds: int) -> tuple:
    with service_replaced(kind):
        return _run(kind, board, floor, clients, rounds)


def _run(kind: str, board: Writes, floor: Writes, clients: dict, rounds: int) -> tuple:
    board_client, board_headers, floor_client = (
        clients["board"],
        clients["headers"],
        clients["floor"],
    )
    # Votes and unvotes alternate on each idea: a vote round gives the unvote its vote back.
    pair = {"vote": "unvote", "unvote": "vote"}.get(kind)
    board_times, floor_times = [], []
    for _ in range(rounds):
        if kind == "unvote":
            send(board_client, board_headers, board.next(pair))
            send(floor_client, {}, floor.next(pair))
        board_times.append(send(board_client, board_headers, board.next(kind)))
        floor_times.append(send(floor_client, {}, floor.next(kind)))
        if kind == "vote":
            send(board_client, board_headers, board.next(pair))
            send(floor_client, {}, floor.next(pair))
    return board_times, floor_times


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has spent (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def over_http(workdir: Path, url: str, secret: str, headers: dict, ideas: list[int], n: int):
    """The server process's CPU per write over HTTP, served as `python app.py` serves
    (bench/serve.py: Werkzeug's threaded server), from a client in this process."""
    import requests

    env = dict(os.environ, BOARD_DATABASE_URL=url, BOARD_SECRET_KEY=secret)
    env["BOARD_INSTANCE_PATH"] = str(workdir / "instance")
    port = free_port()
    command = [sys.executable, "-m", "bench.serve", "board", "--port", str(port)]
    root = Path(__file__).resolve().parent.parent
    server = processes.start(command, cwd=root, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        client = requests.Session()
        client.headers.update(headers)
        for _ in range(200):
            try:
                if client.get(f"{base}/me", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        writes = Writes(base, ideas[len(ideas) // 2 :])  # ideas the in-process run left alone
        for kind in ("vote", "unvote", "idea", "comment"):
            rounds = []
            for count in (10, n):  # a warm-up, then the measured requests
                before = process_cpu(server.pid)
                for _ in range(count):
                    if kind == "unvote":
                        _http(client, writes.next("vote"))
                    _http(client, writes.next(kind))
                    if kind == "vote":
                        _http(client, writes.next("unvote"))
                rounds.append(process_cpu(server.pid) - before)
            # A vote round also took its vote back (and an unvote round gave it first):
            # both cost alike, so the pair's CPU is halved.
            pair = 2 if kind in ("vote", "unvote") else 1
            print(f"| {kind} | {rounds[1] / n / pair * 1000:.2f} |")
    finally:
        processes.stop(server)


def _http(client, request_: tuple) -> None:
    method, path, body, status = request_
    response = client.request(method, path, json=body, timeout=30)
    if response.status_code != status:
        raise RuntimeError(f"{method} {path}: {response.status_code} {response.text[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1000, help="ideas on the board")
    parser.add_argument("--requests", type=int, default=200, help="per write and app")
    parser.add_argument("--followers", type=int, default=20, help="of the commented idea")
    parser.add_argument("--writes", default=",".join(WRITES), help="comma-separated")
    parser.add_argument("--profile", default="", help="profile this write instead (e.g. vote)")
    parser.add_argument("--lines", type=int, default=60)
    parser.add_argument("--sort", default="cumulative", help="the profile's order (tottime…)")
    parser.add_argument("--show-sql", action="store_true", help="print each statement")
    parser.add_argument(
        "--http", action="store_true", help="also: the server's CPU per write over HTTP"
    )
    parser.add_argument("--dump", default="", help="also write the profile to this file")
    parser.add_argument("--tags", type=int, default=0, help="tags of each new idea")
    args = parser.parse_args()
    TAGS[0] = args.tags
    from board import create_app
    from board.settings import Settings

    with tempfile.TemporaryDirectory(prefix="bench-writecpu-") as tmp:
        workdir = Path(tmp)
        built = build(workdir / "board.sqlite3", args.size)
        add_followers(workdir / "board.sqlite3", COMMENTED_IDEA, args.followers)
        secret = secrets.token_hex(32)
        settings = Settings(
            instance_path=workdir / "instance", database_url=built["url"], secret_key=secret
        )
        app = create_app(settings=settings)
        cookie, token = login(app)
        headers = {"Cookie": cookie, "User-Agent": USER_AGENT, "X-CSRF-Token": token}
        clients = {
            "board": app.test_client(use_cookies=False),
            "headers": headers,
            "floor": create_floor_app(workdir / "board.sqlite3").test_client(),
        }
        # Ideas person 1 has not voted for: each vote is a new one.
        voted = sqlite3.connect(workdir / "board.sqlite3")
        mine = {row[0] for row in voted.execute("SELECT idea_id FROM votes WHERE user_id = 1")}
        voted.close()
        ideas = [n for n in range(2, args.size + 1) if n not in mine]
        board, floor = Writes("/api/v1", ideas), Writes("", list(reversed(ideas)))
        kinds = [kind for kind in args.writes.split(",") if kind]
        for kind in kinds:  # warm-up: statements, templates, caches
            run(kind, board, floor, clients, 5)
        if args.profile:
            profiler = cProfile.Profile(time.thread_time)
            profiler.enable()
            run(args.profile, board, floor, clients, args.requests)
            profiler.disable()
            if args.dump:
                profiler.dump_stats(args.dump)
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(args.sort).print_stats(args.lines)
            print(out.getvalue())
            app.extensions["board_db"].dispose()
            return
        print(
            f"{built['ideas']:,} ideas, {built['votes']:,} votes, {args.followers} followers of"
            f" the commented idea; {args.requests} requests per write and app; load average"
            f" {os.getloadavg()[0]:.1f}; CPU ms of this thread"
        )
        print(
            "| write | board CPU ms (median / mean) | floor CPU ms (median / mean) |"
            " ratio (median) | SQL statements |"
        )
        print("| --- | --- | --- | --- | --- |")
        gc.collect()
        for kind in kinds:
            board_times, floor_times = run(kind, board, floor, clients, args.requests)
            b, f = statistics.median(board_times), statistics.median(floor_times)
            if kind == "unvote":
                send(clients["board"], headers, board.next("vote"))
            with service_replaced(kind):
                statements = statements_per_request(
                    app, clients["board"], headers, board.next(kind), args.show_sql
                )
            if kind == "vote":
                send(clients["board"], headers, board.next("unvote"))
            print(
                f"| {kind} | {b:.2f} / {statistics.fmean(board_times):.2f}"
                f" | {f:.2f} / {statistics.fmean(floor_times):.2f} | {b / f:.1f}"
                f" | {statements} |"
            )
        app.extensions["board_db"].dispose()
        if args.http:
            print(
                "\n| write | server process CPU ms per request over HTTP (Werkzeug, threaded) |"
                "\n| --- | --- |"
            )
            over_http(workdir, built["url"], secret, headers, ideas, args.requests)


if __name__ == "__main__":
    main()
