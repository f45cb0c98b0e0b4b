"""What the feed's page for a period that ended before today, or for a narrow kind, costs
on a board kept for a year, the code before and this code in turn, in one run
(docs/performance.md, helper `feedrange`).

    python -m bench.feedrange --before /tmp/base --workdir /tmp/feedrange \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

bench/periodhelp.py's board, copies, rounds and report (its options), with these cases;
its board gets a challenge's event every CHALLENGE_EVERY events (helper `feedtype`).

    FEEDRANGE_CASES=narrow python -m bench.feedrange … --events 1000000

measures a narrow kind's pages and the whole feed's beside them instead (`narrow_cases`,
20 requests a case: p50 and p95; FEEDRANGE_EVENTS, the board's events, finds a week's last
page), and

    python -m bench.feedrange --workdir /tmp/feedrange --type-seq-trial URL [URL …]

times the statements that read events by type and time on a board it built (at head), with
ix_events_type_at and then with (type, seq, …) in its place, in a transaction rolled back.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from datetime import datetime, timedelta
from pathlib import Path

from bench import periodhelp

# The page's statements, the period's first seq and the first after its end (this
# code's), and the seqs recorded before its end and numbered after that one (this code's).
FEED_PAGE = (*periodhelp.FEED_PAGE, ("SELECT events.seq", "FROM events", "events.seq >"))
# And the seqs of those recorded in the period and numbered before its first (`feedtype`).
FEED_PAGE = (*FEED_PAGE, ("SELECT events.seq", "FROM events", "events.seq <"))


def cases(now: datetime) -> list[tuple[str, str, tuple[tuple[str, ...], ...]]]:
    """(name, path, the statements it is about)."""
    today = now.date()
    found = []
    for days, ago in ((30, 30), (30, 90), (30, 180), (90, 90), (90, 180)):
        end, start = today - timedelta(days=ago), today - timedelta(days=ago + days - 1)
        path = f"/api/v1/feed?from={start}&to={end}"
        found.append((f"{days} days ending {ago} days ago", path, FEED_PAGE))
    found.append(
        ("30 days ending 90 days ago (page)", found[1][1].replace("/api/v1", ""), FEED_PAGE)
    )
    found.append(
        ("30 days ending 90 days ago, older page", f"{found[1][1]}&before=225000", FEED_PAGE)
    )
    for kind in ("ideas", "tasks"):
        for days in (7, 30, 90):
            found.append(
                (f"{kind}, {days} days", f"/api/v1/feed?kind={kind}&period={days}", FEED_PAGE)
            )
        end, start = today - timedelta(days=90), today - timedelta(days=119)
        path = f"/api/v1/feed?kind={kind}&from={start}&to={end}"
        found.append((f"{kind}, 30 days ending 90 days ago", path, FEED_PAGE))
    return found


def narrow_cases(now: datetime) -> list[tuple[str, str, tuple[tuple[str, ...], ...]]]:
    """A narrow kind's page over the current 30 days and 30 days ending 90 days ago, a
    short period that ended (its page has room left: the events numbered before its first
    are asked for), and the whole feed beside them (helper `feedtype`,
    FEEDRANGE_CASES=narrow)."""
    today = now.date()
    ended = f"from={today - timedelta(days=119)}&to={today - timedelta(days=90)}"
    week = f"from={today - timedelta(days=96)}&to={today - timedelta(days=90)}"
    found = [
        ("every kind, 30 days (API)", "/api/v1/feed", FEED_PAGE),
        ("every kind, 30 days (page)", "/feed", FEED_PAGE),
        ("every kind, 30 days ending 90 days ago", f"/api/v1/feed?{ended}", FEED_PAGE),
        ("every kind, 7 days ending 90 days ago", f"/api/v1/feed?{week}", FEED_PAGE),
    ]
    for kind in NARROW:
        found.append((f"{kind}, 30 days", f"/api/v1/feed?kind={kind}", FEED_PAGE))
        path = f"/api/v1/feed?kind={kind}&{ended}"
        found.append((f"{kind}, 30 days ending 90 days ago", path, FEED_PAGE))
    found.append(("comments, 30 days (page)", "/feed?kind=comments", FEED_PAGE))
    path = f"/api/v1/feed?kind=challenges&{week}"
    found.append(("challenges, 7 days ending 90 days ago", path, FEED_PAGE))
    # The last page of that week (busyidx's events are evenly spread over the year before
    # now, one seq each; FEEDRANGE_EVENTS of them): the 50 events before about its 50th,
    # then room left.
    start = datetime.combine(today - timedelta(days=96), datetime.min.time(), now.tzinfo)
    year, events = timedelta(days=365), int(os.environ.get("FEEDRANGE_EVENTS", "1000000"))
    fiftieth = 50 + round((start - (now - year)) / year * events)
    path = f"/api/v1/feed?{week}&before={fiftieth}"
    found.append(("every kind, 7 days ending 90 days ago, last page", path, FEED_PAGE))
    return found


# One event in CHALLENGE_EVERY is a challenge's (a prompt posted or its phase changed):
# busyidx's board has none, a board kept for years a few a week (helper `feedtype`).
CHALLENGE_EVERY = 400


def add_history(path: Path, now: datetime, ideas: int, votes_each: int) -> None:
    """periodhelp's older ideas, and every CHALLENGE_EVERY-th event made a challenge's."""
    periodhelp_add_history(path, now, ideas, votes_each)
    db = sqlite3.connect(path)
    rows = db.execute(f"SELECT seq, at FROM events WHERE seq % {CHALLENGE_EVERY} = 0").fetchall()
    changed = []
    for number, (seq, at) in enumerate(rows):
        prompt = {"id": 1 + number // 3, "title": f"challenge {1 + number // 3}"}
        if number % 3 == 0:
            kind, prompt = "prompt.created", {**prompt, "kind": "challenge", "phase": "collecting"}
        else:
            phase = "voting" if number % 3 == 1 else "closed"
            kind, prompt = "prompt.phase_changed", {**prompt, "kind": "challenge", "phase": phase}
        envelope = {"type": kind, "at": at, "actor": None, "data": {"prompt": prompt}}
        changed.append((kind, json.dumps(envelope), seq))
    db.executemany(
        "UPDATE events SET type = ?, actor_id = NULL, department_id = NULL, envelope = ?"
        " WHERE seq = ?",
        changed,
    )
    db.commit()
    db.close()


periodhelp_add_history = periodhelp.add_history

# The index the trial puts in place of ix_events_type_at (helper `feedtype`): a narrow
# kind's page walks it back by seq between the period's edges; what reads (type, at) now
# reads it by type alone.
TYPE_SEQ = "CREATE INDEX ix_events_type_seq ON events (type, seq, at, department_id, private)"
NARROW = ("challenges", "tasks", "comments")
COUNTED = ("idea.created", "task.completed", "idea.published")


def trial_statements(connection, postgres: bool, now: datetime) -> dict[str, str]:
    """The statements that read events by type and time, as the board asks them (its
    literals in place of parameters), and the idea's: a narrow kind between seq edges."""
    from sqlalchemy import text

    def moment(value: datetime) -> str:
        return (
            f"'{value.isoformat()}'" if postgres else f"'{value.strftime('%Y-%m-%d %H:%M:%S.%f')}'"
        )

    def first_from(value: datetime) -> int:
        query = f"SELECT seq FROM events WHERE at >= {moment(value)} ORDER BY at, seq LIMIT 1"
        return connection.execute(text(query)).scalar()

    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    since, past, past_end = (midnight - timedelta(days=d) for d in (29, 119, 89))
    first, past_first, past_edge = first_from(since), first_from(past), first_from(past_end)
    last = connection.execute(text("SELECT max(seq) FROM events")).scalar()
    items = "seq, type, at, private, envelope"
    today = f"at >= {moment(since)}"
    ended = f"at >= {moment(past)} AND at < {moment(past_end)}"
    statements = {}
    from board.feed import KINDS

    for kind in NARROW:
        listed = ", ".join(f"'{t}'" for t in KINDS[kind])
        where = f"private = false AND type IN ({listed})"
        for label, window, edges in (
            ("30 days", today, f"seq >= {first} AND seq <= {last}"),
            ("30 days ending 90 days ago", ended, f"seq >= {past_first} AND seq < {past_edge}"),
        ):
            found = f"{where} AND {window} AND seq <= {last}"
            statements[f"{kind}, {label}: rows sorted"] = (
                f"SELECT {items} FROM events WHERE {found} ORDER BY seq DESC LIMIT 101"
            )
            seqs = f"SELECT seq FROM events WHERE {found} ORDER BY seq DESC LIMIT 101"
            statements[f"{kind}, {label}: seqs sorted, then rows"] = (
                f"SELECT {items} FROM events WHERE seq IN ({seqs}) ORDER BY seq DESC LIMIT 101"
            )
            statements[f"{kind}, {label}: between seq edges"] = (
                f"SELECT {items} FROM events WHERE {where} AND {window} AND {edges}"
                " ORDER BY seq DESC LIMIT 101"
            )
        statements[f"{kind}, 30 days: numbered before the first"] = (
            f"SELECT {items} FROM events WHERE {where} AND {today} AND seq < {first}"
            " ORDER BY seq DESC LIMIT 101"
        )
    counted = "private = false AND type IN ({})".format(", ".join(f"'{t}'" for t in COUNTED))
    week = f"CASE WHEN at < {moment(since + timedelta(days=14))} THEN 0 ELSE 1 END"
    for label, window in (("30 days", today), ("30 days ending 90 days ago", ended)):
        statements[f"summary, {label}"] = (
            f"SELECT type, {week}, count(*) FROM events WHERE {counted} AND {window}"
            f" GROUP BY type, {week}"
        )
    statements["summary, all time"] = (
        f"SELECT type, count(*) FROM events WHERE {counted} GROUP BY type"
    )
    # What counting by seq exactly would cost the summary first: the period's events
    # numbered before its first by time, from (at, seq) alone (the period's entries).
    statements["30 days: numbered before the first, (at, seq)"] = (
        f"SELECT seq FROM events WHERE {today} AND seq < {first}"
    )
    day = moment(now - timedelta(days=1))
    statements["observers' digest, a day"] = (
        f"SELECT type, count(seq) FROM events WHERE at >= {day} AND private = false GROUP BY type"
    )
    return statements


def type_seq_trial(url: str, now: datetime) -> None:
    """Each statement's median time and plan with ix_events_type_at, then with
    ix_events_type_seq in its place, in one transaction rolled back."""
    import statistics
    import time

    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    measured: dict[str, list] = {}
    with engine.connect() as connection:
        statements = trial_statements(connection, postgres, now)
        if not postgres:  # pysqlite begins a transaction before DML only: DDL would commit
            connection.connection.driver_connection.commit()
            connection.exec_driver_sql("BEGIN")
        for index in ("type_at", "type_seq"):
            if index == "type_seq":
                connection.execute(text("DROP INDEX ix_events_type_at"))
                connection.execute(text(TYPE_SEQ))
                connection.execute(text("ANALYZE events" if postgres else "SELECT 1"))
            for name, statement in statements.items():
                times = []
                for _run in range(1 + periodhelp.REQUESTS):
                    started = time.perf_counter()
                    connection.execute(text(statement)).all()
                    times.append((time.perf_counter() - started) * 1000)
                explain = "EXPLAIN (ANALYZE, BUFFERS OFF) " if postgres else "EXPLAIN QUERY PLAN "
                rows = connection.execute(text(explain + statement)).all()
                plan = [r[0].strip() for r in rows] if postgres else [r[3] for r in rows]
                if postgres:
                    plan = [
                        p.removeprefix("->  ").split("  (cost")[0]
                        for p in plan
                        if "Scan" in p or "Sort" in p
                    ]
                measured.setdefault(name, []).append((statistics.median(times[1:]), plan))
        connection.rollback()
    engine.dispose()
    print(f"\n{engine.dialect.name}: ms (median), ix_events_type_at → ix_events_type_seq")
    for name, ((old, old_plan), (new, new_plan)) in measured.items():
        print(f"{name:58} {old:9.2f} {new:9.2f}")
        print(f"    type_at:  {' | '.join(old_plan)}")
        print(f"    type_seq: {' | '.join(new_plan)}")


if __name__ == "__main__":
    if "--type-seq-trial" in sys.argv:  # URL [URL ...]: boards this bench built, at head
        stamp = Path(sys.argv[sys.argv.index("--workdir") + 1]) / "now.txt"
        for url in sys.argv[sys.argv.index("--type-seq-trial") + 1 :]:
            if url.startswith("--"):
                break
            type_seq_trial(url, datetime.fromisoformat(stamp.read_text()))
        sys.exit()
    if os.environ.get("FEEDRANGE_CASES") == "narrow":  # the parent's, and its children's
        periodhelp.cases, periodhelp.REQUESTS = narrow_cases, 20
    else:
        periodhelp.cases = cases
    periodhelp.add_history = add_history
    # The board each code reads: main's last migration before this work, and head.
    periodhelp.REVISIONS = {"before": "0029_feed_period_index", "after": "head"}
    if "--measure" in sys.argv:  # the child: its code's periodhelp may be the one before
        periodhelp.main()
    else:
        periodhelp.main(script=__file__)
