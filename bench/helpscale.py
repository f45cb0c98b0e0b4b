"""What each statement of the help report costs on a board kept for a year, the code before
and this code in turn, in one run (docs/performance.md, helper `helpscale`).

    python -m bench.periodhelp --before /tmp/base --workdir /tmp/helpscale --rounds 0 \
        --database-name bench_helpscale --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python -m bench.helpscale --before /tmp/base --workdir /tmp/helpscale \
        --database-name bench_helpscale --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

The board is bench/periodhelp.py's (bench/busyidx.py's year of 300,000 events, 180,000
votes in the report's six weeks, and 9,000 older ideas with their 540,000 votes), built
there (`--rounds 0`) into the same `--workdir` and databases: its copy "before" is
migrated here to REVISIONS["before"] and read by the code of `--before`, its copy "after"
to head, read by this code, and the ideas' stored tallies counted from their votes (the
plain SQL leaves them at 0; a board keeps them with every vote). Rounds (`--rounds`) measure the two in turn, each in a process
of its own that imports its code, with the clock fixed at the board's "now": `/help` and
`/api/v1/insights` REQUESTS times after a first (the median, the statements, a digest of
the answer), then every statement of the last request run alone REQUESTS times, its rows
fetched (the median), with its plan.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
from datetime import datetime
from pathlib import Path

from sqlalchemy import make_url

from bench import busyidx, periodhelp

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = 5
PATHS = ("/api/v1/insights", "/help")
# main before this work, and head.
REVISIONS = {"before": "0027_vote_time_index", "after": "head"}


def label(statement: str) -> str:
    """A statement's table and what it asks, short enough for a table's row."""
    flat = " ".join(statement.split())
    table = re.search(r"\bFROM (\w+)", flat)
    where = re.search(r"\bWHERE (.*?)(?: GROUP BY| ORDER BY| LIMIT|$)", flat)
    text = f"{table.group(1) if table else '?'}: {where.group(1) if where else '(all)'}"
    return text if len(text) <= 70 else text[:67] + "..."


def measure(url: str, now: datetime, instance: Path) -> dict:
    def result(_path: str, times: list[float], digest: str, seen: list, engine) -> dict:
        asked = [(s, p) for s, p in seen if s.strip() not in ("BEGIN", "COMMIT")]
        return {
            "ms": statistics.median(times[1:]),
            "statements": len(asked),
            "digest": digest,
            "each": [
                {
                    "label": label(s),
                    "ms": periodhelp.statement_ms(engine, s, p),
                    "plan": busyidx.explain(engine, s, p),
                }
                for s, p in asked
            ],
        }

    paths = {path: path for path in PATHS}
    return periodhelp.measured_requests(url, now, instance, busyidx.FACILITATOR, paths, result)


def report(database: str, before: list[dict], after: list[dict]) -> None:
    """The requests, before and after (each round's median), then each statement's own ms
    (each round's median) with its plan (the first round's)."""
    print(f"\n{database}: request ms (rounds), statements, the same answer")
    print(f"{'request':20} {'before':>24} {'after':>24} {'stmts':>7}  same")
    for path in PATHS:
        same = (
            "yes"
            if all(r[path]["digest"] == before[0][path]["digest"] for r in before + after)
            else "NO"
        )
        cells = [" / ".join(f"{run[path]['ms']:.1f}" for run in runs) for runs in (before, after)]
        counts = f"{before[0][path]['statements']}/{after[0][path]['statements']}"
        print(f"{path:20} {cells[0]:>24} {cells[1]:>24} {counts:>7}  {same}")
    for path in PATHS:
        for name, runs in (("before", before), ("after", after)):
            total = " / ".join(f"{sum(s['ms'] for s in run[path]['each']):.1f}" for run in runs)
            print(f"\n{database} {path}, {name}: each statement's own ms (rounds); SQL {total}")
            for number, first in enumerate(runs[0][path]["each"]):
                each = " / ".join(f"{run[path]['each'][number]['ms']:.2f}" for run in runs)
                print(f"  {number + 1:2} {first['label']:70} {each}")
                print(f"     {first['plan']}")


def recount(url: str) -> None:
    """The ideas' stored tallies, which busyidx's plain SQL leaves at 0, counted from their
    votes as every vote keeps them on a board (`flask recount-tallies`)."""
    from sqlalchemy import create_engine

    from board import tallies

    engine = create_engine(url)
    with engine.begin() as connection:
        tallies.recount_all(connection)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/helpscale"))
    parser.add_argument("--postgres", help="a server URL; without it, SQLite only")
    parser.add_argument("--database-name", default="bench_periodhelp")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # the child: measure one database with the code it imports
        now = datetime.fromisoformat(args.now)
        print(json.dumps(measure(args.measure, now, args.workdir / "instance")))
        return
    now = datetime.fromisoformat((args.workdir / "now.txt").read_text())
    trees = {"before": args.before.resolve(), "after": ROOT}
    boards = [("SQLite", label, f"sqlite:///{args.workdir / label}.sqlite3") for label in trees]
    if args.postgres:
        for label in trees:
            url = make_url(args.postgres).set(database=f"{args.database_name}_{label}")
            boards.append(("PostgreSQL", label, url.render_as_string(hide_password=False)))
    print(f"load average {os.getloadavg()}; the boards of {args.workdir}", flush=True)
    for database, label, url in boards:
        busyidx._alembic(url, REVISIONS[label])
        recount(url)
        if database == "PostgreSQL":
            busyidx.analyze(url)  # SQLite: never (the board runs no ANALYZE)
    runs = {(database, label): [] for database, label, _url in boards}
    for number in range(args.rounds):
        print(f"round {number + 1}: load average {os.getloadavg()}", flush=True)
        for database, label, url in boards:
            runs[database, label].append(
                busyidx.run_measure(trees[label], url, now, args.workdir, script=__file__)
            )
    for database in dict.fromkeys(database for database, _label, _url in boards):
        report(database, runs[database, "before"], runs[database, "after"])
    print(f"\nload average {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
