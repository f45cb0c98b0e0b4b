"""Migration 0030 drops three indexes on one column that a wider index starts with: what
the board's statements read without them, and what a write saves (docs/performance.md,
helper `twins`).

    python -m bench.prefixidx --workdir /tmp/prefixidx \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The board is built by plain SQL at 0029_feed_period_index in SQLite (PEOPLE people, each
with a company login; `--ideas` ideas over a year; `--tasks` tasks: a tenth open, a
twentieth claimed, the rest done) and copied to PostgreSQL. Each database is kept twice:
as built, and migrated to 0030 (the indexes dropped). The statements that read tasks,
ideas or company logins are collected from the pages, the API, the mail digest's free
tasks, the lease check, a claim and the company login's lookups of this checkout, run on
the copy as built; each is then explained on both copies (SQLite: EXPLAIN QUERY PLAN;
PostgreSQL: EXPLAIN ANALYZE, rolled back). It prints the statements whose plan changed
and any that reads a whole table after. Last, the writes: the index entries an idea, a
task, a claim and a company login write (from each database's catalog), and the time per
row of `--rows` ideas posted and `--rows` open tasks claimed in one statement, rolled
back, before and after in turn (`--rounds`, the median).
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import busyidx

BEFORE = "0029_feed_period_index"
AFTER = "0030_drop_redundant_indexes"
PEOPLE = 300
HOLDER = 5  # the person who claims (holds three tasks already)
READS = re.compile(r"\b(FROM|JOIN) (tasks|ideas|user_identities)\b")
WHOLE = re.compile(r"^(SCAN (tasks|ideas|user_identities)(_\d+)?\b|Seq Scan on (tasks|ideas)\b)")
# (case, method, path); the GET pages and API as the facilitator
REQUESTS = [
    ("board page", "GET", "/"),
    ("tasks page, open", "GET", "/tasks?status=open"),
    ("API tasks, open", "GET", "/api/v1/tasks?status=open"),
    ("API tasks, claimed", "GET", "/api/v1/tasks?status=claimed"),
    ("API tasks, done", "GET", "/api/v1/tasks?status=done"),
    ("API tasks, mine claimed", "GET", "/api/v1/tasks?status=claimed&mine=1"),
    ("help report", "GET", "/api/v1/insights"),
    ("people", "GET", "/people"),
    ("a person's page", "GET", f"/people/p{HOLDER}"),
    ("newest ideas", "GET", "/api/v1/ideas?sort=new"),
    ("export", "GET", "/api/v1/me/export"),
]
# What a claim writes (board/tasks.py claim_task): SQLite rewrites the entries of the
# indexes that hold one of these; PostgreSQL writes one in every index of the table.
CLAIMED = {"status", "claimed_by_id", "claimed_at", "updated_at", "touched_at"}
CLAIMED |= {"lease_warned_at", "help_wanted"}


def build(path: Path, now: datetime, ideas: int, tasks: int) -> None:
    """The board at BEFORE in SQLite, by plain SQL."""
    if path.exists():
        path.unlink()
    busyidx._alembic(f"sqlite:///{path}", BEFORE)
    rng = random.Random(31)
    t = lambda moment: moment.strftime(busyidx.TIME_FORMAT)  # noqa: E731
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    joined = t(now - timedelta(days=400))
    busyidx.insert_people(db, joined, PEOPLE)
    db.executemany(
        "INSERT INTO user_identities (user_id, issuer, subject, created_at) VALUES (?, ?, ?, ?)",
        [(n, "https://login.bench.example", f"s{n}", joined) for n in range(1, PEOPLE + 1)],
    )
    body = "Duets with local running clubs: they show their home trail, we show ours."
    db.executemany(
        "INSERT INTO ideas (id, title, body, body_html, author_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (i, f"idea {i}", body, f"<p>{body}</p>\n", rng.randrange(2, PEOPLE + 1), t(at), t(at))
            for i in range(1, ideas + 1)
            for at in [now - timedelta(days=365) + timedelta(seconds=i * 365 * 86400 / ideas)]
        ],
    )
    rows = []
    for n in range(1, tasks + 1):
        at = now - timedelta(days=365) + timedelta(seconds=n * 365 * 86400 / tasks)
        status = "open" if n % 10 == 0 else "claimed" if n % 20 == 1 else "done"
        holder = None if status == "open" else HOLDER if n < 60 else rng.randrange(6, 301)
        done = t(at + timedelta(days=3)) if status == "done" else None
        rows.append(
            (f"task {n}", 1 + n % ideas, status, holder, t(at) if holder else None, done)
            + (rng.randrange(2, PEOPLE + 1), t(at), t(at))
        )
    db.executemany(
        "INSERT INTO tasks (title, description, idea_id, status, claimed_by_id, claimed_at,"
        " completed_at, created_by_id, created_at, updated_at, channels, help_wanted, revision)"
        " VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?, '', 0, 0)",
        rows,
    )
    db.commit()
    db.close()


def collect(url: str, now: datetime, instance: Path) -> list[tuple[str, str, object]]:
    """(case, statement, parameters) of every statement reading tasks, ideas or company
    logins that this checkout's code runs for the cases."""
    from sqlalchemy import event, select

    from bench import lists
    from board import leases, mail
    from models import Task, User, UserIdentity

    app = busyidx.measured_app(url, now, instance)
    engine = app.extensions["board_db"].engine
    client = app.test_client(use_cookies=False)
    collected: list[tuple[str, str, object]] = []
    case = [""]

    def heard(conn, cursor, statement, parameters, context, executemany):
        if READS.search(statement) and not statement.lstrip().startswith("INSERT"):
            collected.append((case[0], statement, parameters))

    def headers(person: int) -> dict:
        cookie, token = lists.login(app, person)
        return {"Cookie": cookie, "User-Agent": lists.USER_AGENT, "X-CSRF-Token": token}

    facilitator, holder = headers(1), headers(HOLDER)
    Session = app.extensions["board_db"].Session
    with Session() as session:
        open_task = session.scalar(
            select(Task.id).where(Task.status == "open").order_by(Task.id).limit(1)
        )
    event.listen(engine, "before_cursor_execute", heard)
    try:
        for case[0], method, path in REQUESTS:
            answer = client.open(path, method=method, headers=facilitator)
            assert answer.status_code == 200, (path, answer.status_code)
        with app.test_request_context(), Session() as session:
            person = session.get(User, HOLDER)
            case[0] = "mail digest's free tasks"
            mail.free_tasks(session, person)
            case[0] = "lease check"
            leases.check_leases(session, now, 3650)  # none expires: the reads alone
            case[0] = "company login's lookups"
            session.scalars(select(UserIdentity).where(UserIdentity.user_id == HOLDER)).all()
            session.scalar(
                select(UserIdentity.id).where(
                    UserIdentity.user_id == HOLDER, UserIdentity.issuer == "https://x.example"
                )
            )
            session.rollback()
        case[0] = "claim"
        answer = client.post(f"/api/v1/tasks/{open_task}/claim", headers=holder, json={})
        assert answer.status_code == 200, answer.get_data()[:300]
    finally:
        event.remove(engine, "before_cursor_execute", heard)
        app.extensions["board_db"].dispose()
    return collected


def plan(engine, statement: str, parameters) -> list[str]:
    """SQLite: EXPLAIN QUERY PLAN. PostgreSQL: the plan's reading and sorting nodes with
    their conditions and rows (EXPLAIN ANALYZE, rolled back), costs and times left out."""
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            lines = [row[3] for row in cursor.fetchall()]
        else:
            cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) {statement}", parameters)
            lines = [row[0].strip().removeprefix("->  ") for row in cursor.fetchall()]
            keep = ("Scan", "Sort", "Index Cond", "Filter", "Rows Removed")
            lines = [line for line in lines if any(word in line for word in keep)]
            lines = [re.sub(r"\(never executed\)|  Memory: \d+kB", "", line) for line in lines]
        connection.rollback()
    return lines


def shape(lines: list[str]) -> list[str]:
    """A plan without its counts (PostgreSQL's rows found and removed)."""
    lines = [re.sub(r" \(actual rows=\d+ loops=\d+\)", "", line) for line in lines]
    return [line for line in lines if not line.startswith("Rows Removed")]


def index_entries(engine) -> dict[str, int]:
    """Index entries each write makes, counted from the database's indexes."""
    from sqlalchemy import inspect

    inspector = inspect(engine)

    def indexes(table: str) -> list[set[str]]:
        found = [
            set(index["column_names"])
            for index in inspector.get_indexes(table)
            if "duplicates_constraint" not in index  # PostgreSQL: a unique constraint's
        ]
        found += [set(u["column_names"]) for u in inspector.get_unique_constraints(table)]
        return found + [set(inspector.get_pk_constraint(table)["constrained_columns"])]

    tasks = indexes("tasks")
    claim = [i for i in tasks if i & CLAIMED] if engine.dialect.name == "sqlite" else tasks
    return {
        "an idea": len(indexes("ideas")),
        "a task": len(tasks),
        "a claim": len(claim),
        "a company login": len(indexes("user_identities")),
    }


WRITES = {
    "post an idea": (
        "INSERT INTO ideas (title, body, body_html, vote_count, departments_supporting,"
        " hot_score, author_id, created_at, updated_at) SELECT title, body, body_html, 0, 0, 0,"
        " author_id, created_at, updated_at FROM ideas ORDER BY id LIMIT :rows"
    ),
    "claim a task": (
        "UPDATE tasks SET status = 'claimed', claimed_by_id = 2, claimed_at = :now,"
        " updated_at = :now, touched_at = :now, lease_warned_at = NULL, help_wanted = false"
        " WHERE id IN (SELECT id FROM tasks WHERE status = 'open' ORDER BY id LIMIT :rows)"
    ),
}


def write_time(engine, statement: str, rows: int, now: datetime) -> float:
    """Microseconds per row of `statement`, rolled back: SQLite's CPU time in this thread,
    PostgreSQL's execution time (EXPLAIN ANALYZE, without the round trip)."""
    from sqlalchemy import text

    parameters = {"rows": rows, "now": now}
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            started = time.thread_time()
            done = connection.execute(text(statement), parameters).rowcount
            elapsed = (time.thread_time() - started) * 1000
            assert done == rows, (statement, done)
        else:
            explained = connection.execute(
                text(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {statement}"), parameters
            ).scalar_one()
            elapsed = explained[0]["Execution Time"]
        connection.rollback()
    return elapsed / rows * 1000


def compare(label: str, before_url: str, after_url: str, collected, args, now) -> None:
    from sqlalchemy import create_engine

    before, after = create_engine(before_url), create_engine(after_url)
    print(f"\n== {label}")
    changed = whole = 0
    for case, statement, parameters in collected:
        was, now_ = plan(before, statement, parameters), plan(after, statement, parameters)
        reads = {line for line in now_ if WHOLE.search(line)}
        reads -= {line for line in was if WHOLE.search(line)}
        whole += bool(reads)
        if shape(was) != shape(now_) or reads:
            changed += 1
            print(f"-- {case}: {' '.join(statement.split())[:160]}")
            print("   before: " + " | ".join(was))
            print("   after:  " + " | ".join(now_))
    print(f"{len(collected)} statements, {changed} plans changed, {whole} read a whole table now")
    entries = {
        name: index_entries(engine) for name, engine in (("before", before), ("after", after))
    }
    for write in entries["before"]:
        print(f"index entries of {write}: {entries['before'][write]} -> {entries['after'][write]}")
    for write, statement in WRITES.items():
        times = {"before": [], "after": []}
        for _round in range(args.rounds):
            for name, engine in (("before", before), ("after", after)):
                times[name].append(write_time(engine, statement, args.rows, now))
        was, is_ = statistics.median(times["before"]), statistics.median(times["after"])
        print(f"{write}: {was:.2f} -> {is_:.2f} us a row ({is_ / was:.2f} x)")
    before.dispose()
    after.dispose()


def writes_counted(path: Path, kind: str, requests: int) -> None:
    """The inner run (under callgrind): `requests` ideas posted or open tasks claimed
    through the test client on the SQLite board at `path`, counted alone, after a few."""
    import gc
    import os
    import subprocess

    from sqlalchemy import event

    from bench import lists
    from board import create_app
    from board.settings import Settings

    settings = Settings(
        instance_path=path.parent / "instance",
        database_url=f"sqlite:///{path}",
        secret_key="bench" * 13,
        testing=True,
        claim_limit=10**6,
    )
    app = create_app(settings=settings)

    @event.listens_for(app.extensions["board_db"].engine, "connect")
    def no_checkpoints(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")

    cookie, token = lists.login(app, HOLDER)
    headers = {"Cookie": cookie, "User-Agent": lists.USER_AGENT, "X-CSRF-Token": token}
    client = app.test_client(use_cookies=False)
    board = sqlite3.connect(path)
    free = [row[0] for row in board.execute("SELECT id FROM tasks WHERE status = 'open'")]
    board.close()

    def write(n: int) -> None:
        if kind == "idea":
            body = {"title": f"A new idea {n}", "body": "Run with the neighbours' club."}
            answer = client.post("/api/v1/ideas", headers=headers, json=body)
        else:
            answer = client.post(f"/api/v1/tasks/{free[n]}/claim", headers=headers, json={})
        if answer.status_code not in (200, 201):
            raise SystemExit(f"{kind}: {answer.status_code} {answer.get_data()[:300]}")

    for n in range(5):  # warm-up: statements, caches
        write(n)
    gc.collect()
    gc.disable()
    switch = ["callgrind_control", "-i"]
    subprocess.run([*switch, "on", str(os.getpid())], capture_output=True, check=True)
    for n in range(5, 5 + requests):
        write(n)
    subprocess.run([*switch, "off", str(os.getpid())], capture_output=True, check=True)
    gc.enable()
    app.extensions["board_db"].dispose()


def instructions(workdir: Path, requests: int) -> None:
    """Instructions per idea posted and per task claimed, before and after (callgrind),
    each run on a copy of the board as built or as migrated."""
    from bench.voteinstructions import under_callgrind

    print(f"\n== SQLite, through the test client, instructions per request ({requests})")
    for kind in ("idea", "claim"):
        counts = {}
        for name in ("before", "after"):
            board = workdir / f"counted-{name}.sqlite3"
            shutil.copyfile(workdir / f"{name}.sqlite3", board)
            summary = under_callgrind(
                "bench.prefixidx",
                *("--inner", f"{board}:{kind}:{requests}"),
                out=workdir / f"callgrind-{name}-{kind}.out",
            )
            counts[name] = int(re.search(r"Collected : (\d+)", summary).group(1)) / requests
        was, is_ = counts["before"], counts["after"]
        print(f"{kind}: {was / 1e6:.3f} -> {is_ / 1e6:.3f} M instructions ({is_ - was:+,.0f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/prefixidx"))
    parser.add_argument("--postgres", help="a server URL; without it, SQLite only")
    parser.add_argument("--database-name", default="bench_prefixidx")
    parser.add_argument("--ideas", type=int, default=20_000)
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--rows", type=int, default=1_000, help="rows a write statement writes")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--instructions", type=int, default=0, help="requests under callgrind")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:  # the child under callgrind
        path, kind, requests = args.inner.split(":")
        writes_counted(Path(path), kind, int(requests))
        return
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    args.workdir.mkdir(parents=True, exist_ok=True)
    built, migrated = args.workdir / "before.sqlite3", args.workdir / "after.sqlite3"
    build(built, now, args.ideas, args.tasks)
    shutil.copyfile(built, migrated)
    busyidx._alembic(f"sqlite:///{migrated}", AFTER)
    urls = [("SQLite", f"sqlite:///{built}", f"sqlite:///{migrated}")]
    if args.postgres:
        tables = ["departments", "users", "user_identities", "ideas", "tasks"]
        name = args.database_name
        before = busyidx.copy_to_postgres(built, args.postgres, name, BEFORE, tables)
        after = busyidx.copy_database(args.postgres, name, f"{name}_after")
        busyidx._alembic(after, AFTER)
        for url in (before, after):
            busyidx.analyze(url)
        urls.append(("PostgreSQL", before, after))
    for label, before, after in urls:
        collected = collect(before, now, args.workdir / "instance")
        compare(label, before, after, collected, args, now)
    if args.instructions:
        instructions(args.workdir, args.instructions)


if __name__ == "__main__":
    main()
