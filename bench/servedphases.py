"""Where a served list request's time goes outside the view, board against the floor.

    python -m bench.servedphases                       # department-tag, back to back
    python -m bench.servedphases --pages top,department-tag --requests 300 --pause 0.05

bench/lists.py times a page from the client (requests) over HTTP; bench/listcpu.py the
apps' CPU in-process. This serves both as bench/lists.py does (1,000 ideas, `gunicorn -w 1
--threads 8`, the board's `app:app` and bench/list_floor.py), with this module's hooks as
gunicorn's config, and asks each page on one kept-alive connection, board and floor in
turn, from a plain socket (the request's bytes as bench/lists.py's client sends them,
with the time they were sent in an `X-Sent` header), optionally pausing between requests
as the vote benches do. Medians in ms, per page and app:

- `sent → parsed`: from the send to gunicorn's request parsed (the kernel, the main loop
  or the waiting thread waking, gunicorn's HTTP parser);
- `parsed → app`: gunicorn's WSGI environ; `app` (wall and the thread's CPU): the WSGI
  call, the middlewares in front of Flask and gunicorn's `start_response` included;
- `app → done`: gunicorn writing the answer (and closing what the app returned);
- `socket` and `requests`: the whole request as a plain socket sees it and as
  bench/lists.py's client (requests, which parses the headers and inflates the gzip) does.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from bench.lists import PAGES, USER_AGENT, build, gunicorn, session_cookie, wait_until_serving

ROWS: list[dict] = []
_LOCAL = threading.local()


def post_worker_init(worker) -> None:
    """gunicorn's hook (`-c python:bench.servedphases`): note the WSGI call's start and end."""
    wsgi = worker.wsgi

    def noted(environ, start_response):
        row = _LOCAL.row
        row["app in"], row["app in (CPU)"] = time.monotonic_ns(), time.thread_time_ns()
        answer = wsgi(environ, start_response)
        row["app out"], row["app out (CPU)"] = time.monotonic_ns(), time.thread_time_ns()
        return answer

    worker.wsgi = noted


def worker_exit(server, worker) -> None:
    """gunicorn's hook: the rows noted, written as the worker stops."""
    Path(os.environ["BOARD_BENCH_ROWS"]).write_text(json.dumps(ROWS))


def pre_request(worker, req) -> None:
    now, cpu = time.monotonic_ns(), time.thread_time_ns()
    sent = next((int(v) for k, v in req.headers if k == "X-SENT"), None)
    _LOCAL.row = {"parsed": now, "parsed (CPU)": cpu, "sent": sent, "path": req.uri}


def post_request(worker, req, environ, resp) -> None:
    row = _LOCAL.row
    row["done"], row["done (CPU)"] = time.monotonic_ns(), time.thread_time_ns()
    if row["sent"] is not None:
        ROWS.append(row)


class Connection:
    """One kept-alive connection sending bench/lists.py's request as plain bytes."""

    def __init__(self, base: str, cookie: str):
        host, port = base.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.head = (
            f"Host: {host}:{port}\r\nUser-Agent: {USER_AGENT}\r\nAccept-Encoding: gzip\r\n"
            f"Accept: */*\r\nConnection: keep-alive\r\nCookie: {cookie}\r\n"
        )

    def get(self, path: str) -> float:
        """ms from the send to the answer's last byte."""
        sent = time.monotonic_ns()
        self.sock.sendall(f"GET {path} HTTP/1.1\r\n{self.head}X-Sent: {sent}\r\n\r\n".encode())
        data = b""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError(f"{path}: connection closed")
            data += chunk
            head, found, body = data.partition(b"\r\n\r\n")
            if not found:
                continue
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            if len(body) >= length:
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(f"{path}: {head.splitlines()[0]}")
                return (time.monotonic_ns() - sent) / 1e6


APPS = ("board", "floor")


def measure(pages: list[str], requests_per_page: int, pause: float, port: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-servedphases-") as tmp:
        workdir = Path(tmp)
        with ExitStack() as stack:
            bases, cookie = serve(stack, workdir, port)
            wall = ask(bases, cookie, pages, requests_per_page, pause)
        # the servers stopped: their rows are written
        rows = {kind: json.loads((workdir / f"{kind}.json").read_text()) for kind in APPS}
    return {"wall": wall, "rows": rows}


def serve(stack: ExitStack, workdir: Path, port: int) -> tuple[dict[str, str], str]:
    """The board and the floor on a board of 1,000 ideas, as bench/lists.py serves them,
    with this module's hooks; their addresses and the session cookie."""
    board = build(workdir / "board.sqlite3", 1000)
    secret = secrets.token_hex(32)
    cookie = session_cookie(board["url"], workdir, secret)
    env = {
        **os.environ,
        "BOARD_DATABASE_URL": board["url"],
        "BOARD_SECRET_KEY": secret,
        "BOARD_INSTANCE_PATH": str(workdir / "instance"),
    }
    env.pop("BOARD_MESSAGE_QUEUE", None)
    targets = {"board": "app:app", "floor": f"bench.list_floor:create_floor_app('{board['url']}')"}
    bases = {}
    for number, kind in enumerate(APPS):
        own = {**env, "BOARD_BENCH_ROWS": str(workdir / f"{kind}.json")}
        config = ("-c", "python:bench.servedphases")
        bases[kind] = stack.enter_context(gunicorn(targets[kind], port + number, own, config))
    return bases, cookie


def ask(
    bases: dict[str, str], cookie: str, pages: list[str], requests_per_page: int, pause: float
) -> dict[tuple, list[float]]:
    """Each page from a plain socket and from requests, board and floor in turn."""
    import requests

    client = requests.Session()
    client.headers.update({"Cookie": cookie, "User-Agent": USER_AGENT})
    for base in bases.values():
        wait_until_serving(client, base)
    print(f"load average as the requests begin: {os.getloadavg()[0]:.1f}")
    plain = {kind: Connection(base, cookie) for kind, base in bases.items()}
    paths = dict(PAGES)
    wall: dict[tuple, list[float]] = {}
    for page in pages:
        for index in range(requests_per_page + 10):
            for kind, base in bases.items():
                took = plain[kind].get(paths[page])
                time.sleep(pause)
                t0 = time.perf_counter()
                answer = client.get(base + paths[page], headers={"Accept-Encoding": "gzip"})
                answer.content  # noqa: B018 (inflated, as bench/lists.py's client does)
                by_requests = (time.perf_counter() - t0) * 1000
                time.sleep(pause)
                if index >= 10:  # warm-up
                    wall.setdefault((page, kind, "socket"), []).append(took)
                    wall.setdefault((page, kind, "requests"), []).append(by_requests)
    return wall


def phases(rows: list[dict], path: str) -> dict[str, float]:
    mine = [row for row in rows if row["path"] == path][10:]

    def median(start: str, end: str) -> float:
        return statistics.median(row[end] - row[start] for row in mine) / 1e6

    return {
        "sent → parsed": median("sent", "parsed"),
        "parsed → app": median("parsed", "app in"),
        "app": median("app in", "app out"),
        "app CPU": median("app in (CPU)", "app out (CPU)"),
        "app → done": median("app out", "done"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", default="department-tag", help="bench/lists.py page names")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--pause", type=float, default=0.0, help="seconds after each request")
    parser.add_argument("--port", type=int, default=5270)
    args = parser.parse_args()
    pages = args.pages.split(",")
    result = measure(pages, args.requests, args.pause, args.port)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}; pause {args.pause} s")
    columns = ["sent → parsed", "parsed → app", "app", "app CPU", "app → done"]
    print(f"| page | app | {' | '.join(columns)} | socket | requests |")
    print("|" + " --- |" * (len(columns) + 4))
    paths = dict(PAGES)
    for page in pages:
        for kind in ("board", "floor"):
            found = phases(result["rows"][kind], paths[page])
            clients = [
                statistics.median(result["wall"][(page, kind, c)]) for c in ("socket", "requests")
            ]
            cells = [f"{found[c]:.3f}" for c in columns] + [f"{v:.3f}" for v in clients]
            print(f"| {page} | {kind} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
