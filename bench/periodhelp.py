"""What the feed's page for a period and the help report cost on a board kept for a year,
the code before and this code in turn, in one run (docs/performance.md, helper
`periodhelp`).

    python -m bench.periodhelp --before /tmp/base --workdir /tmp/periodhelp \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

`--before` is a checkout of the code to compare with (`git archive <commit> | tar -x -C
/tmp/base`). The board is bench/busyidx.py's (`build`: 300,000 events over a year, 180,000
votes in the help report's six weeks, …), built by plain SQL in SQLite and copied to
PostgreSQL; each database is kept twice, one migrated to REVISIONS["before"], read by the
code of `--before`, the other to head, read by this code. Rounds
(`--rounds`) measure the two in turn, each in a process of its own that imports its code,
with the clock fixed at the board's "now": every request REQUESTS times after a first,
in-process (the median), a digest of its answer (the same digest before and after: the
same answer; a page's is its length), and, for the statements the case is about, their
plan and their own time (the statement run again REQUESTS times, its rows fetched: the
median).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import make_url

from bench import busyidx

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 5
# The page's statements, and the one that finds a period's first seq (this code's).
FEED_PAGE = (("FROM events", "ORDER BY events.seq DESC"), ("FROM events", "BY events.at, "))
VOTES = (("FROM votes", "GROUP BY"),)
FACILITATOR = busyidx.FACILITATOR
# The board each code reads: main's last migration before this work, and head.
REVISIONS = {"before": "0025_busy_person_indexes", "after": "head"}


def cases(now: datetime) -> list[tuple[str, str, tuple[tuple[str, ...], ...]]]:
    """(name, path, the statements it is about: any of these sets of words, all in one)."""
    today = now.date()
    return [
        ("the feed, 7 days (API)", "/api/v1/feed?period=7", FEED_PAGE),
        ("the feed, 30 days (API)", "/api/v1/feed", FEED_PAGE),
        ("the feed, 90 days (API)", "/api/v1/feed?period=90", FEED_PAGE),
        ("the feed, 30 days (page)", "/feed", FEED_PAGE),
        ("the feed, 30 days, an older page (API)", "/api/v1/feed?before=299000", FEED_PAGE),
        ("the feed, from today (API)", f"/api/v1/feed?from={today}", FEED_PAGE),
        (
            "the feed, 30 days ending 90 days ago (API)",
            f"/api/v1/feed?from={today - timedelta(days=120)}&to={today - timedelta(days=90)}",
            FEED_PAGE,
        ),
        ("the feed, all time (API)", "/api/v1/feed?period=all", FEED_PAGE),
        ("ideas only, 30 days (API)", "/api/v1/feed?kind=ideas", FEED_PAGE),
        ("/api/v1/insights", "/api/v1/insights", VOTES),
        ("/help", "/help", VOTES),
    ]


def add_history(path: Path, now: datetime, ideas: int, votes_each: int) -> None:
    """`ideas` older ideas, posted over the year before the report's weeks, each with
    `votes_each` votes in the two weeks after it: the votes of a board kept for a year,
    which the help report does not count."""
    import random
    import sqlite3

    rng = random.Random(27)
    db = sqlite3.connect(path)
    voters = [n for n in range(2, busyidx.PEOPLE + 1) if busyidx.department_of(n) != busyidx.QUIET]
    first = db.execute("SELECT max(id) FROM ideas").fetchone()[0] + 1
    start, span = now - timedelta(days=365), timedelta(days=365 - 8 * 7)
    t = lambda moment: moment.strftime(busyidx.TIME_FORMAT)  # noqa: E731
    body = "Duets with local running clubs: they show their home trail, we show ours."
    posted = [(first + n, start + span * n / ideas) for n in range(ideas)]
    db.executemany(
        "INSERT INTO ideas (id, title, body, body_html, author_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (i, f"idea {i}", body, f"<p>{body}</p>\n", rng.choice(voters), t(at), t(at))
            for i, at in posted
        ],
    )
    db.executemany(
        "INSERT INTO votes (idea_id, user_id, created_at) VALUES (?, ?, ?)",
        [
            (i, voter, t(at + timedelta(seconds=rng.uniform(0, 14 * 86400))))
            for i, at in posted
            for voter in rng.sample(voters, votes_each)
        ],
    )
    db.commit()
    db.close()


def measure(url: str, now: datetime, instance: Path) -> dict:
    asked_about = cases(now)
    words_of = {name: words for name, _path, words in asked_about}

    def result(name: str, times: list[float], digest: str, seen: list, engine) -> dict:
        asked = [(s, p) for s, p in seen if any(all(w in s for w in one) for one in words_of[name])]
        return {
            "ms": statistics.median(times[1:]),
            "p95": statistics.quantiles(times[1:], n=20, method="inclusive")[-1],
            "statements": len([s for s, _p in seen if s.strip() not in ("BEGIN", "COMMIT")]),
            "digest": digest,
            "sql_ms": sum(statement_ms(engine, s, p) for s, p in asked),
            "plans": [busyidx.explain(engine, s, p) for s, p in asked],
        }

    paths = {name: path for name, path, _words in asked_about}
    return measured_requests(url, now, instance, FACILITATOR, paths, result)


def measured_requests(
    url: str, now: datetime, instance: Path, person: int, paths: dict[str, str], result
) -> dict:
    """Each of `paths` (name: path) asked 1 + REQUESTS times by `person` through the app,
    its clock at `now`, each time with the SQL statements it ran; `result(name, times ms,
    the answer's digest, the last run's (statement, parameters), engine)` makes what is
    kept of it, while the engine is still open."""
    from sqlalchemy import event

    from bench import lists  # the code's own (PYTHONPATH), as board is

    app = busyidx.measured_app(url, now, instance)
    engine = app.extensions["board_db"].engine
    client = app.test_client(use_cookies=False)
    cookie, token = lists.login(app, person)
    headers = {"Cookie": cookie, "User-Agent": lists.USER_AGENT, "X-CSRF-Token": token}
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    results = {}
    for name, path in paths.items():
        times, digest = [], None
        for _run in range(1 + REQUESTS):
            seen.clear()
            event.listen(engine, "before_cursor_execute", record)
            started = time.perf_counter()
            answer = client.get(path, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            event.remove(engine, "before_cursor_execute", record)
            assert answer.status_code == 200, (path, answer.status_code, answer.get_data()[:300])
            digest = busyidx._answer_digest(path, answer)
        results[name] = result(name, times, digest, list(seen), engine)
    app.extensions["board_db"].dispose()
    return results


def statement_ms(engine, statement: str, parameters) -> float:
    """The median time of `statement` run alone, its rows fetched."""
    times = []
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        for _run in range(1 + REQUESTS):
            started = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
        connection.rollback()
    return statistics.median(times[1:])


def written_votes(url: str, now: datetime) -> float:
    """ms to write a vote of each of the quiet department's people (who never voted) for
    every idea, in a random order, in one statement, rolled back: what the votes' indexes
    cost a write."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            started = time.perf_counter()
            connection.execute(
                text(
                    "INSERT INTO votes (idea_id, user_id, created_at) SELECT ideas.id, users.id,"
                    " :now FROM ideas, users WHERE users.department_id = :quiet ORDER BY random()"
                ),
                {"now": now.strftime(busyidx.TIME_FORMAT), "quiet": busyidx.QUIET},
            )
            elapsed = (time.perf_counter() - started) * 1000
            connection.rollback()
    finally:
        engine.dispose()
    if "postgresql" in url:
        # The rolled-back rows are dead entries in the table and its indexes, and their
        # pages no longer all-visible: the next round's report would read them.
        busyidx.analyze(url)
    return elapsed


def report(database: str, before: list[dict], after: list[dict]) -> None:
    print(f"\n{database}: request ms (rounds), the statements' own ms (rounds)")
    print(f"{'case':42} {'before':>30} {'after':>30} {'SQL before':>20} {'SQL after':>20} same")
    for name, old in before[0].items():
        same = "yes" if all(r[name]["digest"] == old["digest"] for r in before + after) else "NO"
        cells = [" / ".join(_p50_p95(run[name]) for run in runs) for runs in (before, after)]
        cells += [
            " / ".join(f"{run[name]['sql_ms']:.2f}" for run in runs) for runs in (before, after)
        ]
        print(f"{name:42} {cells[0]:>30} {cells[1]:>30} {cells[2]:>20} {cells[3]:>20} {same}")
    for name in before[0]:
        for label, results in (("before", before[0]), ("after", after[0])):
            for plan in dict.fromkeys(results[name]["plans"]):
                print(f"  {label:6} {name}: {plan}")


def _p50_p95(result: dict) -> str:
    """A request's median, and its 95th percentile where measured."""
    if "p95" not in result:
        return f"{result['ms']:.1f}"
    return f"{result['ms']:.1f} ({result['p95']:.1f})"


def main(script: str = __file__) -> None:
    """The bench; `script`: the one whose child measures (this, or one built on it)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/periodhelp"))
    parser.add_argument("--postgres", help="a server URL; without it, SQLite only")
    parser.add_argument("--database-name", default="bench_periodhelp")
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--ideas", type=int, default=3_000)
    parser.add_argument("--votes", type=int, default=180_000, help="in the last six weeks")
    parser.add_argument("--old-ideas", type=int, default=9_000, help="before the six weeks")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="the boards built before")
    parser.add_argument("--votes-only", action="store_true", help="only the votes written")
    parser.add_argument(
        "--one-database", choices=("before", "after"), help="both codes read this copy"
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # the child: measure one database with the code it imports
        now = datetime.fromisoformat(args.now)
        print(json.dumps(measure(args.measure, now, args.workdir / "instance")))
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    built, stamp = args.workdir / "board.sqlite3", args.workdir / "now.txt"
    trees = {"before": args.before.resolve(), "after": ROOT}
    name = args.database_name
    boards = [("SQLite", label, f"sqlite:///{args.workdir / label}.sqlite3") for label in trees]
    if args.postgres:
        for label in trees:
            url = make_url(args.postgres).set(database=f"{name}_{label}")
            boards.append(("PostgreSQL", label, url.render_as_string(hide_password=False)))
    if args.reuse and stamp.exists():
        now = datetime.fromisoformat(stamp.read_text())
        print(f"load average {os.getloadavg()}; the boards of {args.workdir}", flush=True)
        for _database, label, url in boards:  # a migration added since
            busyidx._alembic(url, REVISIONS[label])
    else:
        sizes = {"events": args.events, "notifications": 1_000, "others": 1_000}
        sizes |= {"ideas": args.ideas, "votes": args.votes}
        print(f"load average {os.getloadavg()}; sizes {sizes}", flush=True)
        now = datetime.now(UTC).replace(microsecond=0)
        started = time.perf_counter()
        busyidx.build(built, now, sizes)
        add_history(built, now, args.old_ideas, args.votes // args.ideas)
        stamp.write_text(now.isoformat())
        print(f"built {built} in {time.perf_counter() - started:.0f} s", flush=True)
        if args.postgres:
            busyidx.copy_to_postgres(built, args.postgres, name)
        for database, label, url in boards:
            if database == "SQLite":
                Path(url.removeprefix("sqlite:///")).write_bytes(built.read_bytes())
            else:
                busyidx.copy_database(args.postgres, name, f"{name}_{label}")
            started = time.perf_counter()
            busyidx._alembic(url, REVISIONS[label])
            took = time.perf_counter() - started
            print(f"{database} {label}: migrated to {REVISIONS[label]} in {took:.1f} s", flush=True)
            if database == "PostgreSQL":
                busyidx.analyze(url)  # SQLite: never (the board runs no ANALYZE)
    if args.votes_only:  # what the votes' indexes cost a write, alone, many rounds
        written = {(database, label): [] for database, label, _url in boards}
        for _number in range(args.rounds):
            for database, label, url in boards:
                written[database, label].append(written_votes(url, now))
        for (database, label), times in written.items():
            each = " / ".join(f"{ms:.0f}" for ms in times)
            print(f"{database} {label}: median {statistics.median(times):.0f} ms ({each})")
        print(f"\nload average {os.getloadavg()}", flush=True)
        return
    if args.one_database:  # both codes read the same copy, taking turns, many rounds
        boards = [
            (database, label, url)
            for database, _label, url in boards
            if _label == args.one_database
            for label in trees
        ]
    runs = {(database, label): [] for database, label, _url in boards}
    for number in range(args.rounds):
        print(f"round {number + 1}: load average {os.getloadavg()}", flush=True)
        for database, label, url in boards:
            measured = busyidx.run_measure(trees[label], url, now, args.workdir, script=script)
            measured["votes written (rolled back)"] = {
                "ms": written_votes(url, now),
                "statements": 1,
                "digest": "",
                "sql_ms": 0.0,
                "plans": [],
            }
            runs[database, label].append(measured)
    for database in dict.fromkeys(database for database, _label, _url in boards if args.rounds):
        report(database, runs[database, "before"], runs[database, "after"])
    print(f"\nload average {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
