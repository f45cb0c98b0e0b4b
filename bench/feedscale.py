"""The feed and a busy idea's page at a busy board's volume: in-process time, statements,
and the slowest statements of each request.

    python -m bench.feedscale --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_feedscale

The board is the one `bench.pgplans` builds (1,100,000 events, 5,000 comments on the
busiest idea; a copy of its database). `--database sqlite:///PATH` runs the same cases
on a SQLite board: `--build-sqlite PATH --database URL` first builds `bench.lists`' board
of 100,000 ideas there and copies the comments, prompts and events of the PostgreSQL
board at URL into it (the same ideas and people by id). Each case runs once to warm, then RUNS
times; it prints the median ms, the statements one request runs, their total ms and the
slowest of them.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC
from pathlib import Path

from sqlalchemy import create_engine, event

from bench.lists import USER_AGENT, build, login
from bench.pgplans import OBSERVER, QUIET_DEPARTMENT, facts, make_app

RUNS = 5
MEMBER = 1


def cases(f: dict) -> list[tuple[str, int, str]]:
    b, q = f["busy"], f["quiet"]
    return [
        ("feed page, 30 days", OBSERVER, "/feed"),
        ("feed page, all time", OBSERVER, "/feed?period=all"),
        ("feed API, 30 days", OBSERVER, "/api/v1/feed"),
        ("feed API, all time", OBSERVER, "/api/v1/feed?period=all"),
        ("feed API, busy department", OBSERVER, "/api/v1/feed?department=2&period=all"),
        (
            "feed API, quiet department",
            OBSERVER,
            f"/api/v1/feed?department={QUIET_DEPARTMENT}&period=all",
        ),
        ("feed API, challenges only", OBSERVER, "/api/v1/feed?kind=challenges&period=all"),
        ("feed API, tasks only", OBSERVER, "/api/v1/feed?kind=tasks&period=all"),
        ("feed updates after", OBSERVER, f"/feed/updates?after={f['last_seq'] - 50}&period=all"),
        ("feed CSV, 7 days", OBSERVER, "/feed.csv?period=7"),
        ("idea page, 5,000 comments", MEMBER, f"/ideas/{b}"),
        ("idea page, quiet", MEMBER, f"/ideas/{q}"),
        ("comments API, 5,000", MEMBER, f"/api/v1/ideas/{b}/comments"),
    ]


COPIED = {
    "comments": ("id", "idea_id", "author_id", "body", "body_html", "is_mentor_note", "created_at"),
    "prompts": (
        "id",
        "kind",
        "title",
        "body",
        "author_id",
        "submissions_close_at",
        "voting_close_at",
        "hide_tallies",
        "votes_per_person",
        "phase",
        "created_at",
    ),
    "events": ("seq", "type", "at", "actor_id", "department_id", "private", "envelope"),
}


def _sqlite_value(value):
    """As the board stores it in SQLite: JSON as text, a moment as naive UTC text."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    if hasattr(value, "astimezone"):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def build_sqlite(path: Path, source_url: str) -> str:
    """`bench.lists`' board at `path` with the PostgreSQL board's comments, prompts, events."""
    if path.exists():
        path.unlink()
    build(path, 100_000)
    source = create_engine(source_url)
    target = sqlite3.connect(path)
    target.execute(f"UPDATE users SET role = 'observer' WHERE id = {OBSERVER}")
    target.execute("UPDATE users SET handle = 'p' || id")
    for table, columns in COPIED.items():
        names, marks = ", ".join(columns), ", ".join("?" * len(columns))
        with source.connect() as connection:
            rows = connection.execution_options(stream_results=True).exec_driver_sql(
                f"SELECT {names} FROM {table} ORDER BY 1"
            )
            for part in rows.partitions(20_000):
                target.executemany(
                    f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({marks})",
                    [tuple(_sqlite_value(v) for v in row) for row in part],
                )
        target.commit()
    target.execute("ANALYZE")
    target.commit()
    target.close()
    source.dispose()
    return f"sqlite:///{path}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True, help="the board's database URL")
    parser.add_argument("--only", default="", help="cases whose name contains this")
    parser.add_argument("--build-sqlite", default="", help="build a SQLite board here first")
    args = parser.parse_args()
    if args.build_sqlite:
        args.database = build_sqlite(Path(args.build_sqlite), args.database)
    f = facts(args.database)
    with tempfile.TemporaryDirectory() as instance:
        app = make_app(args.database, Path(instance))
        engine = app.extensions["board_db"].engine
        seen: list[tuple[float, str]] = []
        started_at: dict[int, float] = {}

        @event.listens_for(engine, "before_cursor_execute")
        def _before(_conn, cursor, _statement, _parameters, _context, _many):
            started_at[id(cursor)] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def _after(_conn, cursor, statement, _parameters, _context, _many):
            took = (time.perf_counter() - started_at.pop(id(cursor), time.perf_counter())) * 1000
            seen.append((took, " ".join(statement.split())[:110]))

        client = app.test_client(use_cookies=False)
        people = {}
        print(f"{'case':32} {'ms':>8} {'stmts':>6} {'sql ms':>8}  slowest statement")
        for name, person, path in cases(f):
            if args.only and args.only not in name:
                continue
            if person not in people:
                people[person] = login(app, person)
            cookie, token = people[person]
            headers = {"Cookie": cookie, "User-Agent": USER_AGENT, "X-CSRF-Token": token}
            times = []
            for _run in range(1 + RUNS):
                seen.clear()
                started = time.perf_counter()
                answer = client.get(path, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, (path, answer.status_code)
            slowest = max(seen) if seen else (0.0, "")
            print(
                f"{name:32} {statistics.median(times[1:]):8.1f} {len(seen):6d}"
                f" {sum(t for t, _ in seen):8.1f}  {slowest[0]:.1f} {slowest[1]}",
                flush=True,
            )


if __name__ == "__main__":
    main()
