"""A worker killed: `python -m bench.killworker` (100 clients, SIGKILL in the middle).

Two `python app.py` processes on PostgreSQL share a Redis of their own (a
`redis-server` this script starts on a free port). Clients, half on each process, each
with a live board (bench/follower.py, the protocol of static/js/live.js) and an HTTP
session, vote and unvote, comment and claim/release a small set of tasks (so claims
collide). In the middle, one process gets SIGKILL: no clean-up, no atexit. Its clients'
requests fail; they move to the survivor (HTTP and socket) and carry on.

Afterwards, read from the database:
- every write that got a 2xx is there (comments by id; each 200 claim as a
  `task.claimed` event for that person; each vote/unvote whose outcome is known as the
  final state of that vote);
- no task ever had two claimants at once (the claim/release events alternate per task),
  no idea a double vote (at most one row per person and idea);
- every client, reconnected to the survivor, equals a fresh GET within 10 s of the
  writes stopping, with no gap or duplicate in the seqs it applied.

tests/test_worker_killed.py runs a short variant in `make test`.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

from bench.faultkit import BoardProcess, OwnRedis, describe_machine, percentiles, prepare_board
from bench.follower import Follower, close_all, wait_converged

CONVERGE = 10  # seconds, the bound after reconnecting to the survivor
REQUEST_TIMEOUT = 30
IDEAS = 10
TASKS = 12


@dataclass
class Outcome:
    clients: int
    seconds: float
    ok: int = 0
    failed_requests: int = 0  # no answer (the process died under it): outcome unknown
    unavailable: int = 0  # 503: refused under overload, nothing written (Retry-After)
    errors: list[str] = field(default_factory=list)  # answers that were not expected
    problems: list[str] = field(default_factory=list)
    converge_seconds: float | None = None
    latencies: list[float] = field(default_factory=list)
    server_logs: list[str] = field(default_factory=list)  # when an answer was unexpected

    def summary(self) -> dict:
        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 1),
            "writes_2xx": self.ok,
            "requests_without_answer": self.failed_requests,
            "answered_503": self.unavailable,
            "unexpected_answers": len(self.errors),
            "problems": len(self.problems),
            "converged_after_s": self.converge_seconds,
            "write_latency": percentiles(self.latencies),
        }

    @property
    def passed(self) -> bool:
        return not self.errors and not self.problems and self.ok > 0


class Client:
    def __init__(self, login, server: BoardProcess):
        self.login = login
        self.server = server
        self.http = requests.Session()
        self.http.headers.update({"Cookie": login.cookie, "X-CSRF-Token": login.csrf})
        self.follower = Follower(server.url, login.cookie, login.csrf)
        self.comments: list[int] = []
        self.claims: list[int] = []
        self.votes: dict[int, bool | None] = {}  # idea → voted (None: unknown outcome)


def run(
    clients: int,
    seconds: float,
    database_url: str,
    workdir: Path,
    migrated: bool = False,
) -> Outcome:
    own_redis = OwnRedis(workdir)
    own_redis.start()
    board = prepare_board(
        workdir,
        clients + 1,
        database_url=database_url,
        message_queue=own_redis.url,
        migrated=migrated,
    )
    servers = [BoardProcess(board.env), BoardProcess(board.env)]
    outcome = Outcome(clients, seconds)
    everyone: list[Client] = []
    lock = threading.Lock()
    try:
        for server in servers:
            server.wait_until_serving()
        victim, survivor = servers
        admin = requests.Session()
        admin.headers.update(
            {"Cookie": board.logins[-1].cookie, "X-CSRF-Token": board.logins[-1].csrf}
        )
        api = f"{survivor.url}/api/v1"
        ideas = [
            admin.post(f"{api}/ideas", json={"title": f"Idea {i}", "body": ""}, timeout=30).json()[
                "id"
            ]
            for i in range(IDEAS)
        ]
        tasks = [
            admin.post(
                f"{api}/tasks", json={"title": f"Task {i}", "idea_id": ideas[i % IDEAS]}, timeout=30
            ).json()["id"]
            for i in range(TASKS)
        ]
        for n in range(clients):
            client = Client(board.logins[n], servers[n % 2])
            client.follower.connect()
            everyone.append(client)

        stop_at = time.monotonic() + seconds
        killed = threading.Event()

        def act(client: Client, rng: random.Random) -> None:
            while time.monotonic() < stop_at:
                if client.server is victim and killed.is_set():
                    client.server = survivor  # the reverse proxy would send it there
                base = f"{client.server.url}/api/v1"
                roll = rng.random()
                began = time.monotonic()
                try:
                    if roll < 0.4:
                        idea = rng.choice(ideas)
                        vote = not client.votes.get(idea)
                        client.votes[idea] = None  # unknown until answered
                        r = client.http.request(
                            "PUT" if vote else "DELETE",
                            f"{base}/ideas/{idea}/vote",
                            timeout=REQUEST_TIMEOUT,
                        )
                        if r.status_code == 200:
                            client.votes[idea] = r.json()["voted"]
                    elif roll < 0.7:
                        r = client.http.post(
                            f"{base}/ideas/{rng.choice(ideas)}/comments",
                            json={"body": "still here"},
                            timeout=REQUEST_TIMEOUT,
                        )
                        if r.status_code == 201:
                            client.comments.append(r.json()["id"])
                    else:
                        task = rng.choice(tasks)
                        if task in client.claims and rng.random() < 0.7:
                            r = client.http.post(
                                f"{base}/tasks/{task}/release", timeout=REQUEST_TIMEOUT
                            )
                            if r.status_code == 200:
                                client.claims.remove(task)
                        else:
                            r = client.http.post(
                                f"{base}/tasks/{task}/claim", timeout=REQUEST_TIMEOUT
                            )
                            if r.status_code == 200 and task not in client.claims:
                                client.claims.append(task)
                            elif r.status_code == 409:
                                pass  # taken, done or the claim limit: the rules, not a fault
                except requests.RequestException:
                    with lock:
                        outcome.failed_requests += 1
                    time.sleep(0.2)
                    continue
                elapsed = time.monotonic() - began
                with lock:
                    if r.status_code < 300:
                        outcome.ok += 1
                        outcome.latencies.append(elapsed)
                    elif r.status_code == 503:
                        outcome.unavailable += 1
                    elif r.status_code not in (403, 409):
                        side = "victim" if client.server is victim else "survivor"
                        outcome.errors.append(
                            f"{r.status_code} {r.request.method} {r.request.path_url}"
                            f" ({side}, {'after' if killed.is_set() else 'before'} the kill):"
                            f" {r.text[:200]}"
                        )
                time.sleep(rng.uniform(0.5, 1.5))  # ~1 write/s per client

        threads = [
            threading.Thread(target=act, args=(c, random.Random(i)), daemon=True)
            for i, c in enumerate(everyone)
        ]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(seconds / 2)
        victim.kill()
        killed.set()
        for client in everyone:  # its boards reconnect to the survivor
            if client.follower.url == victim.url:
                client.follower.move_to(survivor.url)
        for thread in threads:
            thread.join(seconds + REQUEST_TIMEOUT * 3)
        outcome.seconds = time.monotonic() - began

        problems, elapsed = wait_converged(
            [c.follower for c in everyone], admin, survivor.url, CONVERGE
        )
        outcome.converge_seconds = round(elapsed, 1)
        outcome.problems += [f"not converged within {CONVERGE} s: {p}" for p in problems[:10]]
        outcome.problems += check_database(database_url, everyone)
    finally:
        close_all([client.follower for client in everyone])
        for server in servers:
            server.stop()
        own_redis.stop()
    if outcome.errors:  # what the processes said about them, for whoever reads the failure
        outcome.server_logs = [tracebacks(server.log()) for server in servers]
    return outcome


def tracebacks(log: str, most: int = 4000) -> str:
    """The end of a server's log from its first traceback on (or its last lines)."""
    start = log.find("Traceback")
    return (log[start:] if start >= 0 else log)[-most:]


def check_database(database_url: str, everyone: list[Client]) -> list[str]:
    problems = []
    engine = create_engine(database_url)
    try:
        with engine.connect() as db:
            comments = set(db.scalars(text("SELECT id FROM comments")))
            votes = {tuple(row) for row in db.execute(text("SELECT user_id, idea_id FROM votes"))}
            doubled = db.execute(
                text(
                    "SELECT user_id, idea_id FROM votes GROUP BY user_id, idea_id HAVING count(*) > 1"
                )
            ).all()
            claims = db.execute(
                text(
                    "SELECT seq, type, envelope FROM events WHERE type IN ('task.claimed', 'task.released', 'task.completed') ORDER BY seq"
                )
            ).all()
    finally:
        engine.dispose()
    if doubled:
        problems.append(f"double votes: {doubled[:5]}")
    claimed_by: dict[int, int | None] = {}
    claimers: dict[int, set[int]] = {}
    for _seq, kind, envelope in claims:
        envelope = envelope if isinstance(envelope, dict) else json.loads(envelope)
        task = envelope["data"]["task"]
        holder = (task.get("claimed_by") or {}).get("id")
        if kind == "task.claimed":
            if claimed_by.get(task["id"]) is not None:
                problems.append(f"task {task['id']} claimed while held by {claimed_by[task['id']]}")
            claimed_by[task["id"]] = holder
            claimers.setdefault(task["id"], set()).add(holder)
        elif kind == "task.released":
            claimed_by[task["id"]] = None
    for client in everyone:
        uid = client.login.user_id
        problems += [
            f"comment {c} answered 201 but is missing" for c in client.comments if c not in comments
        ]
        problems += [
            f"claim of task {t} by {uid} answered 200 but has no event"
            for t in client.claims
            if uid not in claimers.get(t, set())
        ]
        for idea, voted in client.votes.items():
            if voted is not None and voted != ((uid, idea) in votes):
                problems.append(f"vote of {uid} on idea {idea} answered {voted} but is not so")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="a server where this script may create and drop a database of its own",
    )
    args = parser.parse_args(argv)
    from sqlalchemy import make_url

    name = f"board_killworker_{int(time.time())}"
    server_url = make_url(args.postgres)
    database_url = server_url.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    print(f"machine: {describe_machine()}")
    try:
        with tempfile.TemporaryDirectory() as workdir:
            outcome = run(args.clients, args.seconds, database_url, Path(workdir))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(json.dumps(outcome.summary(), indent=2))
    for line in (outcome.errors + outcome.problems)[:15]:
        print("  ", line)
    print("OK" if outcome.passed else "FAILED")
    return 0 if outcome.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
