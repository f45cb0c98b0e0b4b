"""Socket.IO fan-out benchmark: `make bench` (= `python -m bench.fanout`).

K Socket.IO clients (K = 500 and 1,000; socket.io-client in one Node process per
server, bench/node/clients.js) sit on each server; for every vote we take, at
every client, the time from sending the vote request to the `idea.votes_changed`
envelope's arrival. One run measures, at the same time and with votes taking turns:

- the board in the production setup of docs/deploy.md: one gunicorn (`-w 1 --threads`)
  per core on PostgreSQL, sharing Redis (`BOARD_MESSAGE_QUEUE`), the clients spread over
  the processes as nginx's sticky upstream would (`--board-setups cluster`), and/or one
  gunicorn on SQLite without Redis (`single`);
- the floor of this stack: a bare Flask-SocketIO server that only broadcasts
  (bench/bare.py, gunicorn, threading);
- a bare Node socket.io 4 server (bench/node/server.js, pinned in bench/node/package.json,
  installed with `npm ci` from the committed package-lock.json).

It prints p50/p95/max, the share delivered, the memory each server process tree gained
per connected client, and the board / Node and board / Flask-SocketIO p95 ratios; then it
holds `--hold` (2,000) clients on the board and checks every event reached every one.

Everything runs on loopback, on ports 5200-5299; every loop is bounded and the run
stops by itself. The clients share the machine with the servers, so client time is
included in every number, floors and board alike. Times are CLOCK_MONOTONIC on both
sides (Python's time.monotonic_ns, Node's process.hrtime).

Sessions: the voter logs in over HTTP. The K listeners' session cookies are signed
with the server's key by this script, exactly as login writes them: K real logins
would spend K × ~0.2 s of argon2 before the measurement starts and measure nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from bench import migrate, processes

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / "bench" / "node"
PORTS = range(5200, 5300)
DEPARTMENTS = ["Marketing", "IT", "Sales", "Legal", "HR", "Communications"]
PASSWORD = "bench-password-long-enough"
WARMUP_VOTES = 3
WAIT_PER_VOTE = 10.0  # seconds to wait for every client to receive one vote
PAUSE_BETWEEN_VOTES = 0.05
CONNECT_BATCH = 50
POSTGRES_ADMIN_URL = os.environ.get(
    "BOARD_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BOARD_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")


@dataclass
class Result:
    kind: str
    clients: int
    votes: int
    latencies: list[float] = field(default_factory=list)
    requests: list[float] = field(default_factory=list)  # the vote request's own round trip
    dropped: int = 0  # clients whose connection died during the run
    bytes_per_client: float = float("nan")  # the server processes' RSS growth per client

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
            "clients": self.clients,
            "votes": self.votes,
            "deliveries": len(self.latencies),
            "delivered": len(self.latencies) / self.expected if self.expected else 0.0,
            "p50_ms": self.percentile(0.50) * 1000,
            "p95_ms": self.percentile(0.95) * 1000,
            "max_ms": max(self.latencies, default=float("nan")) * 1000,
            "request_p50_ms": _median(self.requests) * 1000,
            "dropped_connections": self.dropped,
            "kib_per_client": self.bytes_per_client / 1024,
        }


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else float("nan")


# ---- servers ---------------------------------------------------------------------------


def free_port(taken: set[int]) -> int:
    for port in PORTS:
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            taken.add(port)
            return port
    raise RuntimeError("no free port in 5200-5299")


def gunicorn_command(target: str, port: int, threads: int) -> list[str]:
    """The production command of docs/deploy.md: one worker, threads for the open tabs."""
    return [
        str(Path(sys.executable).parent / "gunicorn"),
        "-k",
        "board.serving.Worker",
        "-w",
        "1",
        "--threads",
        str(threads),
        # gthread serves at most this many connections at once (default 1,000): the open
        # sockets plus the voter's requests, as docs/deploy/gunicorn.conf.py sets it.
        "--worker-connections",
        str(threads + 100),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        target,
    ]


def node_command(port: int) -> list[str]:
    return [shutil.which("node") or "node", str(NODE_DIR / "server.js"), str(port)]


def install_node_server() -> None:
    """`npm ci` from the committed lock file (node_modules is never committed)."""
    if all(
        (NODE_DIR / "node_modules" / name).is_dir() for name in ("socket.io", "socket.io-client")
    ):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("Node.js and npm are needed for the Node floor (node >= 18)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True)


@dataclass
class Served:
    """One server under test: its processes (one URL each) and their process ids."""

    kind: str
    urls: list[str]
    pids: list[int]

    def rss_bytes(self) -> int:
        return sum(tree_rss(pid) for pid in self.pids)


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants (Linux /proc)."""
    total = 0
    for current in processes_of([pid]):
        with suppress(OSError):
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def processes_of(pids: list[int]) -> list[int]:
    """The processes and all their descendants (Linux /proc)."""
    found, todo = [], list(pids)
    while todo:
        current = todo.pop()
        found.append(current)
        with suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


@contextmanager
def running_processes(kind: str, commands: list[tuple[list[str], dict]], ports: list[int]):
    import requests

    with ExitStack() as stack:
        started = []
        for command, env in commands:
            log = stack.enter_context(tempfile.TemporaryFile("w+"))
            process = processes.start(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log, text=True
            )
            stack.callback(processes.stop, process)
            started.append((process, log))
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for (process, log), url in zip(started, urls, strict=True):
            _wait_until_serving(process, url, log, requests)
        yield Served(kind, urls, [process.pid for process, _ in started])


def _wait_until_serving(process, url: str, log, requests) -> None:
    deadline = time.monotonic() + 60
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
            time.sleep(0.2)


def bare_server(clients: int, taken: set[int]):
    port = free_port(taken)
    command = gunicorn_command("bench.bare:create_bare_app('threading')", port, clients + 50)
    return running_processes("flask-socketio", [(command, dict(os.environ))], [port])


def node_server(taken: set[int]):
    port = free_port(taken)
    return running_processes("node", [(node_command(port), dict(os.environ))], [port])


def board_server(setup: BoardSetup, processes: int, clients: int, taken: set[int]):
    ports = [free_port(taken) for _ in range(processes)]
    per_process = -(-clients // processes)
    commands = [(gunicorn_command("app:app", port, per_process + 50), setup.env) for port in ports]
    return running_processes(f"board ({setup.name})", commands, ports)


# ---- the board's data -------------------------------------------------------------------


@dataclass
class BoardSetup:
    name: str
    processes: int
    env: dict
    cookies: list[str]
    idea_ids: list[int]
    voter_email: str


@contextmanager
def database(kind: str, workdir: Path):
    """A fresh database: SQLite in `workdir`, or a PostgreSQL database dropped afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'board-{secrets.token_hex(4)}.sqlite3'}"
        return
    import sqlalchemy as sa

    name = f"board_bench_fanout_{os.getpid()}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare_board(
    name: str, url: str, workdir: Path, processes: int, listeners: int, ideas: int
) -> BoardSetup:
    """A migrated board with `listeners` people, a voter and `ideas` ideas."""
    from flask import session as cookie_session
    from flask_login import login_user

    from board import create_app
    from board.people import hash_password
    from board.settings import Settings
    from models import Department, Idea, User

    migrate(url)
    secret = secrets.token_hex(32)
    instance = workdir / f"instance-{name}"
    # testing: this app only writes rows and signs cookies; it starts no background senders.
    settings = Settings(instance_path=instance, database_url=url, secret_key=secret, testing=True)
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
        "BOARD_INSTANCE_PATH": str(instance),
    }
    env.pop("BOARD_MESSAGE_QUEUE", None)
    if processes > 1:  # several processes act as one board through Redis (docs/deploy.md)
        env["BOARD_MESSAGE_QUEUE"] = REDIS_URL
        env["BOARD_SOCKETIO_CHANNEL"] = f"bench-fanout-{os.getpid()}-{secrets.token_hex(4)}"
    return BoardSetup(name, processes, env, cookies, idea_ids, "voter@bench.example")


# ---- the clients ------------------------------------------------------------------------


class Audience:
    """K clients on one server (spread over its processes, as a sticky proxy would), the
    person who votes there, and what arrived when. The clients live in one Node process
    (bench/node/clients.js): they cost little next to the servers they measure."""

    def __init__(self, served: Served, cookies: list[str], idea_ids: list[int]):
        self.served = served
        self.kind = served.kind
        self.cookies = cookies
        self.idea_ids = idea_ids
        self.vote = None
        self.http = None
        self.process = None
        self.latencies: dict[int, list[float]] = {idea: [] for idea in idea_ids}
        self.round_trips: dict[int, float] = {}
        self.dropped = 0  # connections the server let die (missed pings)
        self.failed = 0  # connections the server refused
        self.rss_before = self.rss_after = 0

    async def _send(self, line: str) -> None:
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def _read(self, prefix: str, timeout: float) -> str | None:
        """The next line starting with `prefix` (others are skipped), None on timeout."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = await asyncio.wait_for(self.process.stdout.readline(), left)
            except TimeoutError:
                return None
            if not line:
                raise RuntimeError(f"the clients of {self.kind} exited")
            if line.decode().startswith(prefix):
                return line.decode().strip()
        return None

    async def connect(self) -> None:
        self.rss_before = self.served.rss_bytes()
        self.process = await asyncio.create_subprocess_exec(
            shutil.which("node") or "node",
            str(NODE_DIR / "clients.js"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**24,
        )
        started = time.monotonic()
        await self._send(json.dumps({"urls": self.served.urls, "cookies": self.cookies}))
        ready = await self._read("ready ", 60 + len(self.cookies) / 2)
        if ready is None:
            raise RuntimeError(f"{len(self.cookies)} clients could not connect to {self.kind}")
        self.failed = int(ready.split()[2])
        print(
            f"  {self.kind}: {ready.split()[1]} clients connected in "
            f"{time.monotonic() - started:.1f} s ({self.failed} refused)",
            flush=True,
        )
        await asyncio.sleep(2.0)  # let the connect burst (presence updates) settle
        self.rss_after = self.served.rss_bytes()

    async def vote_once(self, idea: int) -> None:
        """One vote, then wait (boundedly) until every client has it."""
        await self._send(f"vote {idea} {time.monotonic_ns()}")
        sent = time.monotonic()
        await self.vote(idea)
        self.round_trips[idea] = time.monotonic() - sent
        await self._read(f"done {idea}", WAIT_PER_VOTE)
        await self._send(f"report {idea}")
        report = await self._read(f"report {idea} ", 10)
        if report is None:
            raise RuntimeError(f"the clients of {self.kind} did not report")
        _, _, dropped, *values = report.split(" ")
        self.dropped = int(dropped)
        self.latencies[idea] = [float(v) / 1000 for v in values[0].split(",")] if values else []

    async def disconnect(self) -> None:
        if self.process is not None and self.process.returncode is None:
            with suppress(OSError):
                await self._send("quit")
            try:
                await asyncio.wait_for(self.process.wait(), 10)
            except TimeoutError:
                self.process.kill()
        if self.http is not None:
            await self.http.close()

    def result(self) -> Result:
        measured = self.idea_ids[WARMUP_VOTES:]
        clients = len(self.cookies)
        return Result(
            self.kind,
            clients,
            len(measured),
            [lat for idea in measured for lat in self.latencies[idea]],
            [self.round_trips[i] for i in measured if i in self.round_trips],
            self.dropped + self.failed,
            (self.rss_after - self.rss_before) / clients if clients else float("nan"),
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


async def measure(audiences: list[Audience], boards: dict[str, BoardSetup], votes: int) -> None:
    """Every server at once, votes taking turns between them, so that whatever else the
    machine is doing weighs on the floors and on the board alike."""
    try:
        for audience in audiences:
            setup = boards.get(audience.kind)
            if setup is not None:  # the voter logs in on the first process
                audience.http, audience.vote = await board_voter(
                    audience.served.urls[0], setup.voter_email
                )
            else:
                audience.http, audience.vote = await bare_voter(audience.served.urls[0])
            await audience.connect()
        ideas = audiences[0].idea_ids[: votes + WARMUP_VOTES]
        for n, idea in enumerate(ideas):
            turn = n % len(audiences)
            for audience in audiences[turn:] + audiences[:turn]:
                await audience.vote_once(idea)
                await asyncio.sleep(PAUSE_BETWEEN_VOTES)
    finally:
        for audience in audiences:
            await audience.disconnect()


def bench_round(
    clients: int, votes: int, setups: list[str], floors: bool, tmp: Path
) -> dict[str, Result]:
    """One K: the board in each setup, and (with `floors`) Flask-SocketIO and Node."""
    taken: set[int] = set()
    ideas = votes + WARMUP_VOTES
    with ExitStack() as stack:
        boards: dict[str, BoardSetup] = {}
        audiences: list[Audience] = []
        for name in setups:
            processes = 1 if name == "single" else os.cpu_count() or 2
            url = stack.enter_context(database("sqlite" if processes == 1 else "postgres", tmp))
            setup = prepare_board(name, url, tmp, processes, clients, ideas)
            served = stack.enter_context(board_server(setup, processes, clients, taken))
            boards[served.kind] = setup
            audiences.append(Audience(served, setup.cookies, setup.idea_ids))
        if floors:  # the boards' fresh databases number their ideas 1..N too
            ids = audiences[0].idea_ids if audiences else list(range(1, ideas + 1))
            for served in (
                stack.enter_context(bare_server(clients, taken)),
                stack.enter_context(node_server(taken)),
            ):
                audiences.append(Audience(served, ["bench=1"] * clients, ids))
        asyncio.run(measure(audiences, boards, votes))
        return {audience.kind: audience.result() for audience in audiences}


# ---- report -----------------------------------------------------------------------------


def describe_machine() -> str:
    cpu = platform.processor() or platform.machine()
    with suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    node = subprocess.run(
        [shutil.which("node") or "node", "--version"], capture_output=True, text=True
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}, Node {node}"
    )


def load() -> str:
    return "load average " + ", ".join(f"{x:.1f}" for x in os.getloadavg())


def print_result(result: Result) -> None:
    s = result.summary()
    print(
        f"  K={s['clients']:<5} {s['kind']:<26} p50 {s['p50_ms']:7.1f} ms   "
        f"p95 {s['p95_ms']:7.1f} ms   max {s['max_ms']:7.1f} ms   "
        f"delivered {s['delivered'] * 100:6.2f} % ({s['deliveries']}/{result.expected})   "
        f"{s['kib_per_client']:6.1f} KiB/client   "
        f"(vote request p50 {s['request_p50_ms']:.1f} ms"
        + (f", {s['dropped_connections']} connections dropped)" if result.dropped else ")"),
        flush=True,
    )


def print_ratios(clients: int, results: dict[str, Result]) -> list[tuple]:
    verdicts = []
    node, bare = results.get("node"), results.get("flask-socketio")
    for kind, result in results.items():
        if not kind.startswith("board"):
            continue
        p95 = result.percentile(0.95)
        complete = len(result.latencies) == result.expected
        parts = []
        if node is not None:
            parts.append(f"/ Node p95 = {p95 / node.percentile(0.95):.2f}")
        if bare is not None:
            parts.append(f"/ Flask-SocketIO p95 = {p95 / bare.percentile(0.95):.2f}")
        print(f"  K={clients:<5} {kind} p95 " + ", ".join(parts), flush=True)
        ratio = p95 / node.percentile(0.95) if node is not None else float("nan")
        verdicts.append((clients, kind, ratio, complete))
    return verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="500,1000", help="comma-separated K values")
    parser.add_argument("--votes", type=int, default=30, help="E votes per K")
    parser.add_argument(
        "--board-setups",
        default="cluster",
        help="comma-separated: cluster (one gunicorn per core, PostgreSQL + Redis), "
        "single (one gunicorn on SQLite)",
    )
    parser.add_argument("--hold", type=int, default=2000, help="clients to hold (0: skip)")
    parser.add_argument("--hold-votes", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # K sockets on each side
    install_node_server()
    setups = [s for s in args.board_setups.split(",") if s]

    print(f"Fan-out benchmark on {describe_machine()}", flush=True)
    results: list[Result] = []
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="board-bench-") as tmp:
        for clients in (int(k) for k in args.clients.split(",")):
            print(f"\nK = {clients} ({load()} at the start)", flush=True)
            round_ = bench_round(clients, args.votes, setups, True, Path(tmp))
            for result in round_.values():
                results.append(result)
                print_result(result)
            verdicts += print_ratios(clients, round_)
        if args.hold:
            print(f"\nHolding {args.hold} clients on the board ({load()} at the start)")
            held = bench_round(args.hold, args.hold_votes, setups[:1], False, Path(tmp))
            for result in held.values():
                results.append(result)
                print_result(result)
    print("\nTarget: 100 % delivered and board p95 <= Node socket.io p95")
    for clients, kind, ratio, complete in verdicts:
        ok = complete and ratio <= 1.0
        print(
            f"  K={clients} {kind}: {'met' if ok else 'MISSED'} (board / Node {ratio:.2f}, "
            f"{'all' if complete else 'NOT all'} delivered)"
        )
    print(f"({load()} at the end)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r.summary() for r in results], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
