"""What a busy person, a department's feed, the help report, the webhooks page and an
erasure cost on a board that has grown, before and after migration 0025 and this code, in
one run (docs/performance.md, helper `busyidx`).

    python -m bench.busyidx --before /tmp/base --workdir /tmp/busyidx \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

`--before` is a checkout of the code to compare with (`git archive <commit> | tar -x -C
/tmp/base`). The board is built by plain SQL at revision 0024_feed_indexes in SQLite, and
copied to PostgreSQL: PEOPLE people in 10 departments, one quiet (a few events, all older
than two months) and one quiet for the last 40 days; `--events` events over a year (60 %
votes' anonymous counts, the rest ideas, comments and task work naming their people); two
webhooks with a delivered row for every event, 30 waiting and a few given up; one person
with `--notifications` notifications, one of them unread (an old one), and `--others` of
everyone else; `--ideas` ideas with `--votes` votes, comments and done tasks within the
help report's six weeks.

Each database is kept twice: as built, which the code of `--before` reads, and migrated to
head with this checkout's migrations (timed). Rounds (`--rounds`) then measure the code
before and this code in turn, each in a process of its own that imports its code: every
request served REQUESTS times after a first, in-process, with the clock fixed at the
board's "now": the median, the statements a request ran, a digest of its answer (the
same digest before and after: the same answer; a page's is its length) and the plan of
the statements the case is about (EXPLAIN ANALYZE on PostgreSQL, EXPLAIN QUERY PLAN on
SQLite). The erasure is `personal_data._scrub_event_log` for one person, rolled back: its
time, how many envelopes it rewrote and a digest of them. Last, WRITTEN copies of the
newest events are written in one statement and rolled back: what the triggers and indexes
cost a write.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE_REVISION = "0024_feed_indexes"
DEPARTMENTS = 10
QUIET = 10  # the quiet department
WENT_QUIET = 9  # as busy as the others until 40 days ago, quiet since
PEOPLE = 600
FACILITATOR = 1
BUSY = 2  # the person with many notifications
ERASED = 7  # the person whose envelopes the erasure rewrites (not written to)
REQUESTS = 5
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
NOTES = ("FROM notifications",)
FEED_PAGE = ("FROM events", "ORDER BY events.seq DESC")
CASES = [
    # (name, person, method, path, the statements to explain: the words they hold)
    ("unread notifications (API)", BUSY, "GET", "/api/v1/notifications?unread=1", NOTES),
    ("newest notifications (API)", BUSY, "GET", "/api/v1/notifications", NOTES),
    ("a page with the badges (/my-tasks)", BUSY, "GET", "/my-tasks", NOTES),
    ("mark all read (one unread)", BUSY, "POST", "/api/v1/notifications/read", NOTES),
    (
        "quiet department, all time (API)",
        FACILITATOR,
        "GET",
        f"/api/v1/feed?department={QUIET}&period=all",
        FEED_PAGE,
    ),
    (
        "quiet department, 30 days (API)",
        FACILITATOR,
        "GET",
        f"/api/v1/feed?department={QUIET}",
        FEED_PAGE,
    ),
    (
        "quiet department, all time (page)",
        FACILITATOR,
        "GET",
        f"/feed?department={QUIET}&period=all",
        FEED_PAGE,
    ),
    (
        "busy department, all time (API)",
        FACILITATOR,
        "GET",
        "/api/v1/feed?department=1&period=all",
        FEED_PAGE,
    ),
    ("busy department, 30 days (API)", FACILITATOR, "GET", "/api/v1/feed?department=1", FEED_PAGE),
    (
        "quiet for 40 days, 30 days (API)",
        FACILITATOR,
        "GET",
        f"/api/v1/feed?department={WENT_QUIET}",
        FEED_PAGE,
    ),
    ("the feed, all time (API)", FACILITATOR, "GET", "/api/v1/feed?period=all", FEED_PAGE),
    ("the feed, 30 days (API)", FACILITATOR, "GET", "/api/v1/feed", FEED_PAGE),
    ("/api/v1/insights", FACILITATOR, "GET", "/api/v1/insights", ("FROM votes",)),
    ("/help", FACILITATOR, "GET", "/help", ("FROM votes",)),
    ("/webhooks", FACILITATOR, "GET", "/webhooks", ("FROM webhook_deliveries",)),
]


# ---- the board ----------------------------------------------------------------------------


def _person(n: int) -> dict:
    department = department_of(n)
    return {
        "id": n,
        "display_name": f"Person {n}",
        "handle": f"p{n}",
        "name_shared": False,
        "department": {"id": department, "name": f"Department {department}"},
    }


def department_of(n: int) -> int:
    # the quiet department has a handful of people; the rest share the other nine
    return QUIET if n % 100 == 0 else n % (DEPARTMENTS - 1) + 1


def _envelope(kind: str, at: datetime, actor: int | None, rng: random.Random, ideas: int) -> dict:
    stamp = at.isoformat()
    idea_id = rng.randrange(1, ideas + 1)
    if kind == "idea.votes_changed":
        data = {"idea_id": idea_id, "votes": rng.randrange(1, 90), "departments_supporting": 3}
        return {"type": kind, "at": stamp, "actor": None, "data": data}
    person = {**_person(actor), "role": "member"}
    other = rng.randrange(3, PEOPLE + 1)
    if kind == "comment.created":
        body = "Count me in, as long as it is a short trail."
        data = {
            "comment": {
                "id": rng.randrange(1, 10**6),
                "idea_id": idea_id,
                "body": body,
                "body_html": f"<p>{body}</p>\n",
                "author": _person(actor),
                "is_mentor_note": False,
                "created_at": stamp,
                "edited_at": None,
                "deleted": False,
                "deleted_at": None,
                "hidden": None,
                "images": [],
            }
        }
    elif kind == "idea.created":
        body = "TikTok duets with five running clubs near our retailers."
        data = {
            "idea": {
                "id": idea_id,
                "title": f"idea {idea_id}",
                "body": body,
                "body_html": f"<p>{body}</p>\n",
                "tags": ["community"],
                "author": _person(actor),
                "votes": 0,
                "departments_supporting": 0,
                "status": "open",
                "publications": [],
                "prompt_id": None,
                "created_at": stamp,
                "updated_at": stamp,
                "withdrawn": False,
                "hidden": None,
                "images": [],
            }
        }
    else:  # task.claimed, task.completed: held by the actor, made by someone else
        data = {
            "task": {
                "id": rng.randrange(1, 10**5),
                "title": "Record the sizing videos in the showroom",
                "description": "",
                "idea_id": idea_id,
                "status": "done" if kind == "task.completed" else "claimed",
                "claimed_by": {
                    **_person(actor),
                    "email": f"p{actor}@bench.example",
                    "role": "member",
                },
                "claimed_at": stamp,
                "completed_at": stamp if kind == "task.completed" else None,
                "created_by": _person(other),
                "created_at": stamp,
                "channels": [],
                "updated_at": stamp,
            }
        }
    return {"type": kind, "at": stamp, "actor": person, "data": data}


def _alembic(url: str, revision: str, root: Path = ROOT) -> None:
    """bench.migrate, imported when called: only the parent migrates, and a child under
    another checkout's PYTHONPATH (`measure`) would find that checkout's `bench`."""
    from bench import migrate

    migrate(url, revision, root)


def insert_people(db: sqlite3.Connection, joined: str, people: int = PEOPLE) -> None:
    """DEPARTMENTS departments and `people` people (`department_of`; the first the
    facilitator), by plain SQL, all joined at `joined`."""
    db.executemany(
        "INSERT INTO departments (id, name) VALUES (?, ?)",
        [(d, f"Department {d}") for d in range(1, DEPARTMENTS + 1)],
    )
    db.executemany(
        "INSERT INTO users (id, email, password_hash, display_name, display_name_key, role,"
        " department_id, handle, email_notifications, session_version, active, created_at)"
        " VALUES (?, ?, 'x', ?, ?, ?, ?, ?, 'off', 0, 1, ?)",
        [
            (
                n,
                f"p{n}@bench.example",
                f"Person {n}",
                f"person {n}",
                "facilitator" if n == FACILITATOR else "member",
                department_of(n),
                f"p{n}",
                joined,
            )
            for n in range(1, people + 1)
        ],
    )


def build(path: Path, now: datetime, sizes: dict) -> None:
    """The board at BEFORE_REVISION in SQLite, by plain SQL."""
    if path.exists():
        path.unlink()
    _alembic(f"sqlite:///{path}", BEFORE_REVISION)
    rng = random.Random(25)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    t = lambda moment: moment.strftime(TIME_FORMAT)  # noqa: E731
    joined = t(now - timedelta(days=400))
    insert_people(db, joined)
    ideas, weeks = sizes["ideas"], now - timedelta(weeks=6)
    body = "Duets with local running clubs: they show their home trail, we show ours."
    db.executemany(
        "INSERT INTO ideas (id, title, body, body_html, author_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (i, f"idea {i}", body, f"<p>{body}</p>\n", rng.randrange(2, PEOPLE + 1), t(at), t(at))
            for i in range(1, ideas + 1)
            for at in [now - timedelta(weeks=10) + timedelta(seconds=i * 6 * 7 * 86400 / ideas)]
        ],
    )
    voters = [n for n in range(2, PEOPLE + 1) if department_of(n) != QUIET]
    per_idea = sizes["votes"] // ideas
    votes = []
    for i in range(1, ideas + 1):
        for voter in rng.sample(voters, per_idea):
            votes.append((i, voter, t(weeks + timedelta(seconds=rng.uniform(0, 6 * 7 * 86400)))))
    db.executemany("INSERT INTO votes (idea_id, user_id, created_at) VALUES (?, ?, ?)", votes)
    db.executemany(
        "INSERT INTO comments (idea_id, author_id, body, body_html, is_mentor_note, created_at)"
        " VALUES (?, ?, 'Looks good', '<p>Looks good</p>', 0, ?)",
        [
            (rng.randrange(1, ideas + 1), rng.choice(voters), t(weeks + timedelta(seconds=s)))
            for s in sorted(rng.uniform(0, 6 * 7 * 86400) for _ in range(sizes["votes"] // 10))
        ],
    )
    tasks = []
    for n in range(1, ideas // 2 + 1):
        at = weeks + timedelta(seconds=rng.uniform(0, 6 * 7 * 86400))
        status = ("open", "claimed", "done")[n % 3]
        holder = None if status == "open" else rng.choice(voters)
        tasks.append(
            (
                f"task {n}",
                n,
                status,
                holder,
                t(at) if holder else None,
                t(at) if status == "done" else None,
                rng.choice(voters),
                t(at),
                t(at),
            )
        )
    db.executemany(
        "INSERT INTO tasks (title, description, idea_id, status, claimed_by_id, claimed_at,"
        " completed_at, created_by_id, created_at, updated_at, channels, help_wanted, revision)"
        " VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?, '', 0, 0)",
        tasks,
    )
    # The event log: a year, newest last; the quiet department's people act only early on.
    total, start = sizes["events"], now - timedelta(days=365)
    kinds = ["idea.votes_changed"] * 12 + ["comment.created"] * 4 + ["idea.created"] * 2
    kinds += ["task.claimed", "task.completed"]
    quiet_people = [n for n in range(2, PEOPLE + 1) if department_of(n) == QUIET]
    active = [n for n in range(2, PEOPLE + 1) if department_of(n) != QUIET]
    staying = [n for n in active if department_of(n) != WENT_QUIET]
    rows = []
    for n in range(total):
        at = start + timedelta(seconds=n * 365 * 86400 / total)
        kind = rng.choice(kinds)
        early = at < now - timedelta(days=60)
        actor = None
        if kind != "idea.votes_changed":
            if early and n % (total // 60) == 0:
                actor = rng.choice(quiet_people)
            elif at < now - timedelta(days=40):
                actor = rng.choice(active)
            else:
                actor = rng.choice(staying)
        envelope = _envelope(kind, at, actor, rng, ideas)
        department = department_of(actor) if actor else None
        rows.append((kind, t(at), actor, department, json.dumps(envelope)))
    db.executemany(
        "INSERT INTO events (type, at, actor_id, department_id, private, envelope)"
        " VALUES (?, ?, ?, ?, 0, ?)",
        rows,
    )
    # Notifications: the busy person's, one unread among the oldest, and everyone else's
    # (a tenth of theirs unread).
    busy, others = sizes["notifications"], sizes["others"]
    owners = [BUSY] * busy + [rng.choice(active) for _ in range(others)]
    rng.shuffle(owners)
    unread = owners.index(BUSY, len(owners) // 50)
    notes = []
    for n, user in enumerate(owners):
        at = t(start + timedelta(seconds=n * 365 * 86400 / len(owners)))
        read = None if n == unread or (user != BUSY and rng.random() < 0.1) else at
        notes.append((user, rng.choice(active), rng.randrange(1, ideas + 1), at, read, at))
    db.executemany(
        "INSERT INTO notifications (user_id, kind, actor_id, idea_id, data, created_at, read_at,"
        " mailed_at) VALUES (?, 'comment', ?, ?, '{\"title\": \"idea\"}', ?, ?, ?)",
        notes,
    )
    db.executemany(
        "INSERT INTO webhooks (id, url, format, event_types, active, created_at)"
        " VALUES (?, ?, 'json', '[]', 1, ?)",
        [(w, f"http://127.0.0.1:9/hook{w}", joined) for w in (1, 2)],
    )
    db.execute(
        "INSERT INTO webhook_deliveries (webhook_id, seq, status, attempts, next_attempt_at,"
        " delivered_at, created_at) SELECT webhooks.id, events.seq, 'delivered', 1, events.at,"
        " events.at, events.at FROM events, webhooks WHERE NOT events.private"
    )
    # The newest few are still waiting, a few were given up with an error.
    db.execute(
        "UPDATE webhook_deliveries SET status = 'pending' WHERE id > (SELECT max(id) - 30"
        " FROM webhook_deliveries)"
    )
    db.execute(
        "UPDATE webhook_deliveries SET status = 'failed', attempts = 9, last_error = 'HTTP"
        " Error 502: Bad Gateway' WHERE id % 50000 = 7"
    )
    db.commit()
    db.close()


COPIED = ["departments", "users", "ideas", "votes", "comments", "tasks", "events"]
COPIED += ["notifications", "webhooks", "webhook_deliveries"]


def copy_to_postgres(
    sqlite_path: Path,
    server_url: str,
    name: str,
    revision: str = BEFORE_REVISION,
    tables: list[str] = COPIED,
) -> str:
    """The same board in a new PostgreSQL database `name` at `revision`, by COPY of
    `tables` (the SQLite board's, at the same revision)."""
    from sqlalchemy import create_engine, make_url, text

    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    _alembic(url, revision)
    source = sqlite3.connect(sqlite_path)
    target = create_engine(url)
    with target.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()
        for table in tables:
            info = list(source.execute(f"PRAGMA table_info({table})"))
            columns = [row[1] for row in info if row[1] != "search_facets"]
            types = {row[1]: row[2] for row in info}
            listed = ", ".join(columns)
            with cursor.copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
                for row in source.execute(f"SELECT {listed} FROM {table}"):
                    copy.write_row(
                        [
                            bool(value) if types[c] == "BOOLEAN" and value is not None else value
                            for c, value in zip(columns, row, strict=True)
                        ]
                    )
            key = "seq" if table == "events" else "id"
            if key in columns:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'),"
                        f" (SELECT max({key}) FROM {table}))"
                    )
                )
    target.dispose()
    source.close()
    return url


# ---- measuring (in a process that imports the code under test) ----------------------------


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _answer_digest(path: str, answer) -> str:
    if answer.is_json:
        body = answer.get_json()
        if isinstance(body, dict):
            body = {k: v for k, v in body.items() if k not in ("generated_at", "last_seq")}
        return _digest(body)
    return _digest(len(answer.get_data()))  # a page: its length only (it carries a token)


def measured_app(url: str, now: datetime, instance: Path):
    """The board on `url` in testing mode (no background threads; mail to a closed port),
    its clock fixed at `now`: the code's own, as `board` is imported."""
    from board import clock, create_app
    from board.settings import Settings

    clock.set_clock(lambda: now)
    settings = Settings(
        instance_path=instance,
        database_url=url,
        secret_key="bench" * 13,
        testing=True,
        smtp_url="smtp://127.0.0.1:9",
        mail_from="board@bench.example",
    )
    return create_app(settings=settings)


def measure(url: str, now: datetime, instance: Path) -> dict:
    from sqlalchemy import event, text

    from bench import lists  # the code's own (PYTHONPATH), as board is
    from board import personal_data
    from models import Event

    app = measured_app(url, now, instance)
    engine = app.extensions["board_db"].engine
    client = app.test_client(use_cookies=False)

    def login(person_id: int) -> dict:
        cookie, token = lists.login(app, person_id)
        return {"Cookie": cookie, "User-Agent": lists.USER_AGENT, "X-CSRF-Token": token}

    timed: list[tuple[str, object, float]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["busyidx_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        timed.append((statement, parameters, time.perf_counter() - conn.info["busyidx_started"]))

    # Marking all read marks the one unread; each run has it unread again.
    reset = text(
        f"UPDATE notifications SET read_at = NULL WHERE user_id = {BUSY} AND read_at > created_at"
    )
    with engine.begin() as connection:  # as built, whatever a run before marked
        connection.execute(reset)
    results = {}
    headers = {}
    for name, person, method, path, words in CASES:
        headers.setdefault(person, login(person))
        times, digest, statements, asked = [], None, 0, []
        for _run in range(1 + REQUESTS):
            if method == "POST":  # one unread again (marked in the run before)
                with engine.begin() as connection:
                    connection.execute(reset)
            timed.clear()
            event.listen(engine, "before_cursor_execute", before)
            event.listen(engine, "after_cursor_execute", after)
            started = time.perf_counter()
            if method == "POST":
                answer = client.post(path, headers=headers[person], json={})
            else:
                answer = client.get(path, headers=headers[person])
            times.append((time.perf_counter() - started) * 1000)
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
            assert answer.status_code == 200, (path, answer.status_code, answer.get_data()[:300])
            digest = _answer_digest(path, answer)
            statements = len([s for s, _p, _t in timed if s.strip() not in ("BEGIN", "COMMIT")])
            asked = [row for row in timed if all(word in row[0] for word in words)]
        results[name] = {
            "ms": statistics.median(times[1:]),
            "statements": statements,
            "digest": digest,
            "plans": [
                explain(engine, statement, parameters) for statement, parameters, _t in asked
            ],
        }
    # The erasure's rewrite of the log, rolled back.
    times, digest, changed = [], None, 0
    for _run in range(1):
        with app.extensions["board_db"].Session() as session:
            started = time.perf_counter()
            changed = personal_data._scrub_event_log(session, ERASED)
            rewritten = sorted(
                (row.seq, json.dumps(row.envelope, sort_keys=True))
                for row in session.dirty
                if isinstance(row, Event)
            )
            session.flush()
            times.append((time.perf_counter() - started) * 1000)
            digest = _digest(rewritten)
            session.rollback()
    results["erasure: the log rewritten (rolled back)"] = {
        "ms": statistics.median(times),
        "statements": changed,
        "digest": digest,
    }
    with engine.begin() as connection:
        connection.execute(reset)
    app.extensions["board_db"].dispose()
    return results


def explain(engine, statement: str, parameters) -> str:
    """PostgreSQL: the plan's nodes that read a table, and its time (EXPLAIN ANALYZE).
    SQLite: EXPLAIN QUERY PLAN."""
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            lines = [row[3] for row in cursor.fetchall()]
        else:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF) {statement}", parameters)
            rows = [row[0].strip() for row in cursor.fetchall()]
            reads = [r.removeprefix("->  ") for r in rows if "Scan" in r or "Sort" in r]
            lines = [re.sub(r"\(cost=[^)]*\) ", "", r) for r in reads]
            lines += [r for r in rows if r.startswith("Execution Time")]
        connection.rollback()
    return "; ".join(lines)


# ---- the run -------------------------------------------------------------------------------


def run_measure(
    code: Path, url: str, now: datetime, instance: Path, script: str = __file__
) -> dict:
    """`measure` of `script` (this bench, or one built on it) in a process that imports the
    code in `code`."""
    env = {**os.environ, "PYTHONPATH": str(code)}  # the script, run by path, imports `code`
    command = [sys.executable, script, "--measure", url, "--now", now.isoformat()]
    command += ["--workdir", str(instance)]
    out = subprocess.run(command, cwd=code, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def report(
    database: str, before: list[dict], after: list[dict], migrated_s: float, counted="stmts"
) -> None:
    """Per case: each round's median, before and after; what its `statements` count (the
    statements of a request, or what a bench built on this one counts there: `counted`)."""
    print(f"\n{database}: migrated to head in {migrated_s:.1f} s")
    print(f"{'case':40} {'before ms (rounds)':>22} {'after ms (rounds)':>22} {counted:>9}  same")
    for name, old in before[0].items():
        new = after[0][name]
        same = "yes" if old["digest"] == new["digest"] else "NO"
        olds = " / ".join(f"{run[name]['ms']:.1f}" for run in before)
        news = " / ".join(f"{run[name]['ms']:.1f}" for run in after)
        counts = f"{old['statements']}/{new['statements']}"
        print(f"{name:40} {olds:>22} {news:>22} {counts:>9}  {same}")
    for name in before[0]:
        for label, results in (("before", before[0]), ("after", after[0])):
            for plan in dict.fromkeys(results[name].get("plans") or []):
                print(f"  {label:6} {name}: {plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/busyidx"))
    parser.add_argument("--postgres", help="a server URL; without it, SQLite only")
    parser.add_argument("--database-name", default="bench_busyidx")
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--notifications", type=int, default=200_000)
    parser.add_argument("--others", type=int, default=50_000, help="everyone else's notifications")
    parser.add_argument("--ideas", type=int, default=3_000)
    parser.add_argument("--votes", type=int, default=180_000, help="in the last six weeks")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--analyze-sqlite", action="store_true", help="SQLite's planner with statistics"
    )
    parser.add_argument("--reuse", action="store_true", help="the SQLite board built before")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # the child: measure one database with the code it imports
        now = datetime.fromisoformat(args.now)
        print(json.dumps(measure(args.measure, now, args.workdir / "instance")))
        return
    sizes = {k: getattr(args, k) for k in ("events", "notifications", "others", "ideas", "votes")}
    compare(args, sizes, analyze_sqlite=args.analyze_sqlite)


def compare(
    args,
    sizes: dict,
    *,
    script: str = __file__,
    built: Callable[[Path], None] | None = None,
    before_revision: str | None = None,
    analyze_sqlite: bool = False,
    written_statements: int = 1,
    counted: str = "stmts",
) -> None:
    """The run of this bench and of those built on it (the parent's side: its children, run
    by `script`, import the code they measure, which may have no such function).

    The board of `sizes` is built in `args.workdir` (or, with `args.reuse`, the one built
    before is read), then `built(path)` changes it if given. Each database is kept twice:
    one copy for the code before (`args.before`), at `before_revision` if given (else as
    built), and one migrated from there to head (timed) for this code; PostgreSQL
    (`args.postgres`) gets the same board by COPY. Rounds (`args.rounds`) of the two codes
    take turns, so that what else the machine does weighs on both alike; each round also
    writes WRITTEN events (rolled back), shown with `written_statements` in the report's
    `counted` column."""
    args.workdir.mkdir(parents=True, exist_ok=True)
    sqlite_path = args.workdir / "board.sqlite3"
    stamp = args.workdir / "now.txt"
    if args.reuse and stamp.exists():
        now = datetime.fromisoformat(stamp.read_text())
        print(f"load average {os.getloadavg()}; the board of {sqlite_path}", flush=True)
    else:
        print(f"load average {os.getloadavg()}; sizes {sizes}", flush=True)
        now = datetime.now(UTC).replace(microsecond=0)
        started = time.perf_counter()
        build(sqlite_path, now, sizes)
        if built is not None:
            built(sqlite_path)
        stamp.write_text(now.isoformat())
        print(f"built {sqlite_path} in {time.perf_counter() - started:.0f} s", flush=True)
    boards = []
    for label in ("before", "after"):
        copy = args.workdir / f"{label}.sqlite3"
        copy.write_bytes(sqlite_path.read_bytes())
        boards.append(("SQLite", label, f"sqlite:///{copy}"))
    if args.postgres:
        started = time.perf_counter()
        boards.append(
            (
                "PostgreSQL",
                "before",
                copy_to_postgres(sqlite_path, args.postgres, args.database_name),
            )
        )
        print(f"copied to PostgreSQL in {time.perf_counter() - started:.0f} s", flush=True)
    if before_revision:
        for _database, _label, url in boards:
            _alembic(url, before_revision)
    if args.postgres:  # the copy for this code, of the one at before_revision
        name = args.database_name
        boards.append(("PostgreSQL", "after", copy_database(args.postgres, name, f"{name}_after")))
    migrated = {}
    for database, label, url in boards:
        if label == "after":
            started = time.perf_counter()
            _alembic(url, "head")
            migrated[database] = time.perf_counter() - started
        if database == "PostgreSQL" or analyze_sqlite:
            analyze(url)
    runs = {(database, label): [] for database, label, _url in boards}
    for number in range(args.rounds):
        print(f"round {number + 1}: load average {os.getloadavg()}", flush=True)
        for database, label, url in boards:
            code = args.before.resolve() if label == "before" else ROOT
            measured = run_measure(code, url, now, args.workdir, script=script)
            measured[f"{WRITTEN:,} events written (rolled back)"] = {
                "ms": written_events(url),
                "statements": written_statements,
                "digest": "",
            }
            runs[database, label].append(measured)
    for database in migrated:
        report(
            database,
            runs[database, "before"],
            runs[database, "after"],
            migrated[database],
            counted=counted,
        )
    print(f"\nload average {os.getloadavg()}", flush=True)


WRITTEN = 20_000


def written_events(url: str) -> float:
    """ms to write WRITTEN events (copies of the newest: their types, people and envelopes)
    with the database's triggers and indexes (two active webhooks), rolled back."""
    from sqlalchemy import create_engine, text

    columns = "type, at, actor_id, department_id, private, envelope"
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            started = time.perf_counter()
            connection.execute(
                text(
                    f"INSERT INTO events ({columns}) SELECT {columns} FROM events"
                    f" WHERE seq > (SELECT max(seq) FROM events) - {WRITTEN}"
                )
            )
            elapsed = (time.perf_counter() - started) * 1000
            connection.rollback()
    finally:
        engine.dispose()
    return elapsed


def copy_database(server_url: str, template: str, name: str) -> str:
    from sqlalchemy import create_engine, make_url, text

    server = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    server.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def analyze(url: str) -> None:
    """Statistics for the planner (and, on PostgreSQL, the visibility map), alike before
    and after. SQLite has none unless asked (`--analyze-sqlite`): the board never runs
    ANALYZE, so its plans are made without them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM ANALYZE" if "postgresql" in url else "ANALYZE"))
    engine.dispose()


if __name__ == "__main__":
    main()
