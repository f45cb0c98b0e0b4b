"""Socket.IO fan-out benchmark: `make bench` (= `python -m bench.fanout`).

K logged-in Socket.IO clients (K = 100 and 500) sit on the board; one person votes E
times through the HTTP API; for every delivery we take the time from sending the vote
request to the `idea.votes_changed` envelope's arrival at that client. The same run
measures a bare Flask-SocketIO server that only broadcasts (bench/bare.py), the floor
of this stack, with the same clients, server and procedure.

Everything runs on loopback, on ports 5200-5299; every loop is bounded and the run
stops by itself. The clients (asyncio, python-socketio + aiohttp) share the machine
with the server, so client time is included in every number, floor and board alike.

Sessions: the voter logs in over HTTP. The K listeners' session cookies are signed
with the server's key by this script, exactly as login writes them: K real logins
would spend K × ~0.2 s of argon2 before the measurement starts and measure nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTS = range(5200, 5300)
DEPARTMENTS = ["Marketing", "IT", "Sales", "Legal", "HR", "Communications"]
PASSWORD = "bench-password-long-enough"
WARMUP_VOTES = 3
WAIT_PER_VOTE = 5.0  # seconds to wait for every client to receive one vote
PAUSE_BETWEEN_VOTES = 0.05
CONNECT_BATCH = 50


@dataclass
class Result:
    kind: str
    server: str
    clients: int
    votes: int
    latencies: list[float] = field(default_factory=list)
    requests: list[float] = field(default_factory=list)  # the vote request's own round trip
    dropped: int = 0  # clients whose connection died during the run

    @property
    def expected(self) -> int:
        return self.clients * self.votes

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]

    def summary(self) -> dict:
        return {
            "kind": self.kind,
            "server": self.server,
            "clients": self.clients,
            "votes": self.votes,
            "deliveries": len(self.latencies),
            "delivered": len(self.latencies) / self.expected if self.expected else 0.0,
            "p50_ms": self.percentile(0.50) * 1000,
            "p95_ms": self.percentile(0.95) * 1000,
            "max_ms": max(self.latencies, default=float("nan")) * 1000,
            "request_p50_ms": _median(self.requests) * 1000,
            "dropped_connections": self.dropped,
        }


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else float("nan")


# ---- servers ---------------------------------------------------------------------------


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 5200-5299")


def server_command(kind: str, server: str, port: int, clients: int) -> list[str]:
    if server == "gunicorn":
        target = "app:app" if kind == "board" else "bench.bare:create_bare_app('threading')"
        # Each open socket holds one of the worker's threads for as long as it is open.
        return [
            str(Path(sys.executable).parent / "gunicorn"),
            "-w",
            "1",
            "--threads",
            str(clients + 50),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ]
    mode = "gevent" if server == "gevent" else "threading"
    return [sys.executable, "-m", "bench.serve", kind, "--mode", mode, "--port", str(port)]


@contextmanager
def running_server(kind: str, server: str, clients: int, env: dict):
    import requests

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            server_command(kind, server, port, clients),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
            text=True,
        )
        try:
            _wait_until_serving(process, url, log, requests)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_serving(process, url: str, log, requests) -> None:
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read()[-2000:]}")
        try:
            requests.get(f"{url}/socket.io/?EIO=4&transport=polling", timeout=2)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise RuntimeError(f"server at {url} did not start") from None
            time.sleep(0.1)


# ---- the board's data -------------------------------------------------------------------


@dataclass
class BoardSetup:
    env: dict
    cookies: list[str]
    idea_ids: list[int]
    voter_email: str


def prepare_board(workdir: Path, listeners: int, ideas: int) -> BoardSetup:
    """A migrated SQLite board with `listeners` people, a voter and `ideas` ideas."""
    from alembic import command
    from alembic.config import Config
    from flask import session as cookie_session
    from flask_login import login_user

    from board import create_app
    from board.people import hash_password
    from board.settings import Settings
    from models import Department, Idea, User

    url = f"sqlite:///{workdir / 'board.sqlite3'}"
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = url
    command.upgrade(config, "head")
    secret = secrets.token_hex(32)
    settings = Settings(instance_path=workdir / "instance", database_url=url, secret_key=secret)
    app = create_app(settings=settings)
    password_hash = hash_password(PASSWORD)
    with app.extensions["board_db"].Session() as session:
        departments = [Department(name=name) for name in DEPARTMENTS]
        session.add_all(departments)
        session.flush()
        voter = User(
            email="voter@bench.example",
            password_hash=password_hash,
            display_name="Voter",
            role="member",
            department_id=departments[0].id,
        )
        people = [
            User(
                email=f"listener{i}@bench.example",
                password_hash=password_hash,
                display_name=f"Listener {i}",
                role="member",
                department_id=departments[i % len(departments)].id,
            )
            for i in range(listeners)
        ]
        session.add_all([voter, *people])
        session.flush()
        idea_rows = [Idea(title=f"Idea {i}", body="", author_id=voter.id) for i in range(ideas)]
        session.add_all(idea_rows)
        session.commit()
        idea_ids = [idea.id for idea in idea_rows]
        serializer = app.session_interface.get_signing_serializer(app)
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        cookies = []
        for person in people:
            with app.test_request_context():
                login_user(person)
                cookie_session["board_sid"] = secrets.token_urlsafe(16)
                cookies.append(f"{cookie_name}={serializer.dumps(dict(cookie_session))}")
    app.extensions["board_db"].dispose()
    env = {
        **os.environ,
        "BOARD_DATABASE_URL": url,
        "BOARD_SECRET_KEY": secret,
        "BOARD_INSTANCE_PATH": str(workdir / "instance"),
    }
    env.pop("BOARD_MESSAGE_QUEUE", None)
    return BoardSetup(env, cookies, idea_ids, "voter@bench.example")


# ---- the clients ------------------------------------------------------------------------


class Audience:
    """K clients on one server, the person who votes there, and what arrived when."""

    def __init__(self, kind: str, url: str, cookies: list[str], vote, idea_ids: list[int]):
        self.kind, self.url, self.cookies, self.vote = kind, url, cookies, vote
        self.idea_ids = idea_ids
        self.sent_at: dict[int, float] = {}
        self.received = dict.fromkeys(idea_ids, 0)
        self.everyone = {idea: asyncio.Event() for idea in idea_ids}
        self.latencies: dict[int, list[float]] = {idea: [] for idea in idea_ids}
        self.round_trips: dict[int, float] = {}
        self.clients: list = []
        self.dropped = 0  # connections the server let die (missed pings)

    def on_activity(self, envelope) -> None:
        now = time.perf_counter()
        if envelope.get("type") != "idea.votes_changed":
            return
        idea = envelope["data"]["idea_id"]
        if idea not in self.sent_at:
            return
        self.latencies[idea].append(now - self.sent_at[idea])
        self.received[idea] += 1
        if self.received[idea] == len(self.cookies):
            self.everyone[idea].set()

    def on_disconnect(self, *reason) -> None:
        if not self.closing:
            self.dropped += 1

    closing = False

    async def connect(self) -> None:
        import socketio

        for cookie in self.cookies:
            client = socketio.AsyncClient(reconnection=False)
            client.on("activity", self.on_activity)
            client.on("disconnect", self.on_disconnect)
            self.clients.append((client, cookie))
        for start in range(0, len(self.clients), CONNECT_BATCH):
            await asyncio.gather(
                *(
                    client.connect(
                        self.url,
                        headers={"Cookie": cookie},
                        transports=["websocket"],
                        wait_timeout=30,
                    )
                    for client, cookie in self.clients[start : start + CONNECT_BATCH]
                )
            )

    async def vote_once(self, idea: int) -> None:
        """One vote, then wait (boundedly) until every client has it."""
        self.sent_at[idea] = time.perf_counter()
        await self.vote(idea)
        self.round_trips[idea] = time.perf_counter() - self.sent_at[idea]
        with suppress(TimeoutError):
            await asyncio.wait_for(self.everyone[idea].wait(), WAIT_PER_VOTE)

    async def disconnect(self) -> None:
        self.closing = True
        await asyncio.gather(
            *(client.disconnect() for client, _ in self.clients), return_exceptions=True
        )

    def result(self, server: str) -> Result:
        measured = self.idea_ids[WARMUP_VOTES:]
        return Result(
            self.kind,
            server,
            len(self.cookies),
            len(measured),
            [lat for idea in measured for lat in self.latencies[idea]],
            [self.round_trips[i] for i in measured if i in self.round_trips],
            self.dropped,
        )


async def board_voter(url: str, email: str):
    import aiohttp

    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))  # 127.0.0.1
    async with http.post(
        f"{url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
    ) as response:
        assert response.status == 200, await response.text()
        token = (await response.json())["csrf_token"]

    async def vote(idea: int):
        async with http.put(
            f"{url}/api/v1/ideas/{idea}/vote", headers={"X-CSRF-Token": token}
        ) as response:
            assert response.status == 200, await response.text()

    return http, vote


async def bare_voter(url: str):
    import aiohttp

    http = aiohttp.ClientSession()

    async def vote(idea: int):
        async with http.put(f"{url}/vote/{idea}") as response:
            assert response.status == 200

    return http, vote


async def keep_logging_in(url: str, email: str, per_second: float, stop: asyncio.Event):
    """People arriving at the board meanwhile: each login verifies an argon2 hash
    (~0.2 s of CPU), the heaviest request the board has."""
    import aiohttp

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        for _ in range(10_000):  # bounded; stops with the votes
            if stop.is_set():
                return
            async with http.post(
                f"{url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}
            ) as response:
                assert response.status == 200, await response.text()
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1 / per_second)


async def measure_pair(
    urls: dict[str, str], setup: BoardSetup, clients: int, votes: int, logins_per_second: float = 0
) -> dict[str, Audience]:
    """Both servers at once, votes alternating between them, so that whatever else the
    machine is doing weighs on the floor and on the board alike."""
    ideas = setup.idea_ids[: votes + WARMUP_VOTES]
    board_http, board_vote = await board_voter(urls["board"], setup.voter_email)
    bare_http, bare_vote = await bare_voter(urls["bare"])
    audiences = {
        "bare": Audience("bare", urls["bare"], ["bench=1"] * clients, bare_vote, ideas),
        "board": Audience("board", urls["board"], setup.cookies[:clients], board_vote, ideas),
    }
    try:
        for audience in audiences.values():
            await audience.connect()
        await asyncio.sleep(1.0)  # let the presence updates of the connect burst pass
        stop = asyncio.Event()
        logins = (
            asyncio.create_task(
                keep_logging_in(urls["board"], setup.voter_email, logins_per_second, stop)
            )
            if logins_per_second
            else None
        )
        for n, idea in enumerate(ideas):
            order = ("bare", "board") if n % 2 == 0 else ("board", "bare")
            for kind in order:
                await audiences[kind].vote_once(idea)
                await asyncio.sleep(PAUSE_BETWEEN_VOTES)
        stop.set()
        if logins is not None:
            await logins
    finally:
        for audience in audiences.values():
            await audience.disconnect()
        await board_http.close()
        await bare_http.close()
    return audiences


def bench_pair(
    server: str, clients: int, votes: int, logins_per_second: float = 0
) -> dict[str, Result]:
    with tempfile.TemporaryDirectory(prefix="board-bench-") as tmp:
        setup = prepare_board(Path(tmp), clients, votes + WARMUP_VOTES)
        with (
            running_server("bare", server, clients, dict(os.environ)) as bare_url,
            running_server("board", server, clients, setup.env) as board_url,
        ):
            audiences = asyncio.run(
                measure_pair(
                    {"bare": bare_url, "board": board_url}, setup, clients, votes, logins_per_second
                )
            )
    return {kind: audience.result(server) for kind, audience in audiences.items()}


# ---- report -----------------------------------------------------------------------------


def describe_machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
        f"load average before the run {load}"
    )


def print_result(result: Result) -> None:
    s = result.summary()
    print(
        f"  K={s['clients']:<4} {s['kind']:<5} p50 {s['p50_ms']:7.1f} ms   "
        f"p95 {s['p95_ms']:7.1f} ms   max {s['max_ms']:7.1f} ms   "
        f"delivered {s['delivered'] * 100:6.2f} % ({s['deliveries']}/{result.expected})   "
        f"(vote request p50 {s['request_p50_ms']:.1f} ms"
        + (f", {s['dropped_connections']} connections dropped)" if result.dropped else ")"),
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="100,500", help="comma-separated K values")
    parser.add_argument("--votes", type=int, default=30, help="E votes per K")
    parser.add_argument(
        "--servers",
        default="gunicorn",
        help="comma-separated: gunicorn (threads), werkzeug (threads), gevent",
    )
    parser.add_argument(
        "--logins-per-second",
        type=float,
        default=0,
        help="people logging in to the board during the votes (argon2 load)",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    logging.getLogger("engineio.client").setLevel(logging.CRITICAL)  # counted instead
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # K sockets on each side

    print(f"Fan-out benchmark on {describe_machine()}", flush=True)
    results: list[Result] = []
    verdicts = []
    for server in args.servers.split(","):
        print(f"\nserver: {server}", flush=True)
        for clients in (int(k) for k in args.clients.split(",")):
            pair = bench_pair(server, clients, args.votes, args.logins_per_second)
            for kind in ("bare", "board"):
                results.append(pair[kind])
                print_result(pair[kind])
            ratio = pair["board"].percentile(0.95) / pair["bare"].percentile(0.95)
            delivered = len(pair["board"].latencies) == pair["board"].expected
            print(f"  K={clients:<4} board p95 / floor p95 = {ratio:.2f}", flush=True)
            verdicts.append((server, clients, ratio, delivered))
    print("\nTargets: 100 % delivered, board p95 <= 1.5 x floor p95 at K=500")
    for server, clients, ratio, delivered in verdicts:
        if clients == 500:
            ok = delivered and ratio <= 1.5
            print(
                f"  {server}: {'met' if ok else 'MISSED'} (ratio {ratio:.2f}, "
                f"{'all' if delivered else 'NOT all'} delivered)"
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r.summary() for r in results], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
