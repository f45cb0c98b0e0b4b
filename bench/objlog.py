"""What hiding an idea, hiding a comment and deleting a comment cost on a board whose log
has grown, before and after migration 0026 and this code, in one run (docs/performance.md,
helper `objlog`); and what the trigger of `event_objects` costs each event written.

    python -m bench.objlog --before /tmp/objlog/base --workdir /tmp/objlog/large \
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres

`--before` is a checkout of the code to compare with (`git archive <commit> | tar -x -C
/tmp/objlog/base`). The board is bench.busyidx's (`--events` events over a year, 60 % votes'
counts naming no idea, the rest ideas, comments and task work; `--ideas` ideas), built by
plain SQL, with three of its comment envelopes made to carry the comment deleted here, and
migrated to 0025_busy_person_indexes (what the code before reads); a copy is migrated to
head (timed). PostgreSQL gets the same board by COPY. Rounds (`--rounds`) then measure the
code before and this code in turn, each in a process of its own that imports its code: each
case REQUESTS times after a first, through the service a request calls
(`moderation.hide`, `corrections.delete_comment`), inside a transaction rolled back after
each run (the service's COMMIT releases a savepoint; on PostgreSQL the event rows are
written as a nudge's are, not with the COMMIT in the same message, which would end the
transaction): the median ms, how many envelopes it
rewrote and a digest of their UPDATEs' parameters (the same digest before and after: the
same rewrite). Last,
busyidx.WRITTEN copies of the newest events are written in one statement and rolled back.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import time
from datetime import datetime
from pathlib import Path

from bench import busyidx

ROOT = Path(__file__).resolve().parent.parent
BEFORE_REVISION = "0025_busy_person_indexes"
REQUESTS = 5
IDEA = 17  # hidden by the facilitator
COMMENT = 1234  # deleted by its author, its envelopes (three) placed through the log
HIDDEN_COMMENT = 1500  # hidden by the facilitator (its one envelope placed at the end)


def carry_the_comments(path: Path) -> None:
    """Three comment envelopes, early, middle and late in the log, carry COMMENT (its
    author's), and the newest one HIDDEN_COMMENT: bench.busyidx's envelopes carry random
    comment ids."""
    db = sqlite3.connect(path)
    seqs = [row[0] for row in db.execute("SELECT seq FROM events WHERE type = 'comment.created'")]
    chosen = {seqs[len(seqs) // 10]: COMMENT, seqs[len(seqs) // 2]: COMMENT}
    chosen |= {seqs[-10]: COMMENT, seqs[-1]: HIDDEN_COMMENT}
    for seq, comment in chosen.items():
        db.execute(
            "UPDATE events SET envelope = json_set(envelope, '$.data.comment.id', ?,"
            " '$.data.comment.author', json((SELECT json_object('id', users.id,"
            " 'display_name', users.display_name) FROM comments JOIN users ON users.id ="
            " comments.author_id WHERE comments.id = ?))) WHERE seq = ?",
            (comment, comment, seq),
        )
    db.commit()
    db.close()


def measure(url: str, now: datetime, instance: Path) -> dict:
    from sqlalchemy import event, select
    from sqlalchemy.orm import Session

    from board import corrections, events, moderation
    from models import Comment, User

    def insert_without_commit(connection, unnumbered) -> list[int]:
        """PostgreSQL's event rows as a nudge's are written: the rows, and COMMIT after;
        here the COMMIT only releases the run's savepoint (see the module's docstring)."""
        seqs, insert = [], events._PG_INSERT_FIRST
        for unsent in unnumbered:
            values = tuple(events._pg_event_values(connection.dialect, [unsent]))
            seqs.append(connection.exec_driver_sql(insert, values).scalar_one())
            insert = events._PG_INSERT_NEXT
        return seqs

    events._insert_and_commit = insert_without_commit
    app = busyidx.measured_app(url, now, instance)
    database = app.extensions["board_db"]
    with database.Session() as session:
        author = session.scalar(select(Comment.author_id).where(Comment.id == COMMENT))
    cases = [
        ("hide an idea", "idea", IDEA, busyidx.FACILITATOR, "hide"),
        ("delete a comment", "comment", COMMENT, author, "delete"),
        ("hide a comment", "comment", HIDDEN_COMMENT, busyidx.FACILITATOR, "hide"),
    ]
    rewrites: list = []

    def rewritten(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("UPDATE events SET envelope"):
            rows = parameters if executemany else [parameters]
            rewrites.extend(
                json.dumps(
                    list(row) if isinstance(row, tuple) else row, sort_keys=True, default=str
                )
                for row in rows
            )

    event.listen(database.engine, "before_cursor_execute", rewritten)
    results = {}
    for name, kind, object_id, person, action in cases:
        times = []
        for _run in range(1 + REQUESTS):
            with database.engine.connect() as connection:
                outer = connection.begin()
                session = Session(bind=connection, join_transaction_mode="create_savepoint")
                actor = session.get(User, person)
                rewrites.clear()
                started = time.perf_counter()
                if action == "hide":
                    moderation.hide(session, actor, kind, object_id, "bench")
                else:
                    corrections.delete_comment(session, actor, object_id)
                times.append((time.perf_counter() - started) * 1000)
                session.close()
                outer.rollback()
        results[name] = {"ms": statistics.median(times[1:]), "statements": len(rewrites)}
        results[name]["digest"] = busyidx._digest(sorted(rewrites))
    event.remove(database.engine, "before_cursor_execute", rewritten)
    database.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, help="a checkout of the code to compare with")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/objlog/large"))
    parser.add_argument("--postgres", help="a server URL; without it, SQLite only")
    parser.add_argument("--database-name", default="bench_objlog")
    parser.add_argument("--events", type=int, default=300_000)
    parser.add_argument("--ideas", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="the SQLite board built before")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--now", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:  # the child: measure one database with the code it imports
        now = datetime.fromisoformat(args.now)
        print(json.dumps(measure(args.measure, now, args.workdir / "instance")))
        return
    # Few notifications and votes: this bench reads neither (busyidx's other cases do).
    sizes = {"events": args.events, "notifications": 1_000, "others": 1_000}
    sizes |= {"ideas": args.ideas, "votes": args.ideas * 60}
    busyidx.compare(
        args,
        sizes,
        script=__file__,
        built=carry_the_comments,
        before_revision=BEFORE_REVISION,
        written_statements=0,
        counted="rows",  # the envelopes a case rewrote
    )


if __name__ == "__main__":
    main()
