"""What a busy board's missing indexes and one-at-a-time look-ups cost, on PostgreSQL: the
requests and deletions `bench/pgplans.py` found slow whatever the plan (docs/performance.md,
helper `scaleidx`).

    python -m bench.scaleidx --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
        --database bench_scaleidx

The database is a board `bench/pgplans.py` built (a copy of its `bench_pgplans`), at the
revision under test: run it once before `alembic upgrade 0023_scale_indexes` and once
after. It changes nothing: each deletion runs in a transaction that is rolled back.

1. Requests, served in-process with the production engine: the notifications (API and
   page) of a person with few of them, the export of a person with 22,000 events, `/help`
   and `/api/v1/insights`. Median ms of REQUESTS runs after a first, and the statements
   each request ran.
2. Deletions as the retention and the erasure run them, on a slice: the oldest private
   events (with their recipients), the oldest nudges (with their notifications and
   recipients), a webhook's deliveries. Each slice's ms, rolled back.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, event, make_url

from bench.lists import USER_AGENT, login
from bench.pgplans import FACILITATOR, QUIET, make_app

REQUESTS = 5
FEW = 297  # a member with 18 notifications among 205,000
SLICE = 200  # private events, nudges deleted per slice


def served(app) -> list[tuple[str, float, int]]:
    client = app.test_client(use_cookies=False)
    engine = app.extensions["board_db"].engine
    statements: list[str] = []

    def count(*_args):
        statements.append(_args[2])

    rows = []
    cookies = {}
    for name, person, path in (
        ("notifications API, 18 of 205,000", FEW, "/api/v1/notifications"),
        ("notifications page, 18 of 205,000", FEW, "/notifications"),
        ("export, 22,000 events", QUIET, "/api/v1/me/export"),
        ("/help", FACILITATOR, "/help"),
        ("/api/v1/insights", FACILITATOR, "/api/v1/insights"),
    ):
        if person not in cookies:
            cookies[person] = login(app, person)
        cookie, token = cookies[person]
        headers = {"Cookie": cookie, "User-Agent": USER_AGENT, "X-CSRF-Token": token}
        times = []
        for _run in range(1 + REQUESTS):
            statements.clear()
            event.listen(engine, "before_cursor_execute", count)
            started = time.perf_counter()
            answer = client.get(path, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            event.remove(engine, "before_cursor_execute", count)
            assert answer.status_code == 200, (path, answer.status_code)
        rows.append((name, statistics.median(times[1:]), len(statements)))
    return rows


DELETIONS = {
    f"{SLICE} oldest private events (retention)": [
        f"CREATE TEMP TABLE gone AS SELECT seq FROM events WHERE private ORDER BY at LIMIT {SLICE}",
        "DELETE FROM event_recipients WHERE seq IN (SELECT seq FROM gone)",
        "DELETE FROM events WHERE seq IN (SELECT seq FROM gone)",
    ],
    f"{SLICE} oldest nudges (retention)": [
        f"CREATE TEMP TABLE gone AS SELECT id FROM nudges ORDER BY created_at LIMIT {SLICE}",
        "DELETE FROM notifications WHERE nudge_id IN (SELECT id FROM gone)",
        "DELETE FROM nudge_recipients WHERE nudge_id IN (SELECT id FROM gone)",
        "DELETE FROM nudges WHERE id IN (SELECT id FROM gone)",
    ],
    "a webhook's deliveries (removing it)": [
        "DELETE FROM webhook_deliveries WHERE webhook_id = (SELECT min(id) FROM webhooks)",
    ],
}


def deletions(url: str) -> list[tuple[str, list[float]]]:
    engine = create_engine(url)
    rows = []
    try:
        for name, steps in DELETIONS.items():
            with engine.connect() as connection:
                times = []
                for sql in steps:
                    started = time.perf_counter()
                    connection.exec_driver_sql(sql)
                    times.append((time.perf_counter() - started) * 1000)
                connection.rollback()
            rows.append((name, times))
    finally:
        engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", required=True, help="a server URL (postgresql+psycopg://…)")
    parser.add_argument("--database", default="bench_scaleidx", help="a board pgplans built")
    parser.add_argument("--skip", default="", help="'served' or 'deletions'")
    args = parser.parse_args()
    url = make_url(args.postgres).set(database=args.database).render_as_string(hide_password=False)
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    if args.skip != "served":
        with tempfile.TemporaryDirectory(prefix="bench-scaleidx-") as tmp:
            app = make_app(url, Path(tmp) / "instance")
            for name, ms, count in served(app):
                print(f"{name:40} {ms:9.1f} ms  {count:4} statements", flush=True)
            app.extensions["board_db"].dispose()
    if args.skip != "deletions":
        for name, times in deletions(url):
            steps = " + ".join(f"{ms:.1f}" for ms in times)
            print(f"{name:40} {sum(times):9.1f} ms  ({steps})", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
