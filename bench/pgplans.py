"""Every statement the board runs on PostgreSQL beyond the idea lists, under the plans
psycopg's prepared statements get: custom plans (a statement's first five runs) against
the generic plan PostgreSQL may keep from the sixth on.

    python -m bench.pgplans --postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python -m bench.pgplans --postgres URL --reuse        # the board built by an earlier run
    python -m bench.pgplans --postgres URL --reuse --families "feed,worker: webhooks"

psycopg counts a statement's runs on a connection and prepares it on the sixth, but a
ROLLBACK makes it deallocate every prepared statement and forget its counts: every read
request ends in one (its session is closed uncommitted), so only what runs between two
ROLLBACKs is ever prepared in the app: write requests that commit one after the other on
a connection, and the background rounds that commit (docs/performance.md, helper
`pgplans`).

1. A board of 100,000 ideas and ~1,000,000 votes from `bench/lists.py`'s builders (`build`,
   then `build_postgres`, database `bench_pgplans`); the requests below run once through
   the app to leave real rows of every kind (events, notifications, comments, tasks,
   prompts, nudges, webhook deliveries, mail), which plain SQL then copies to a board's
   volume: ~1,100,000 events (a quiet department 8 in 0.05 % of them, 20,000 private
   nudges to person 2), 50,000 notifications for person 1 and none for person 3, 5,000
   comments on the busiest idea, a delivered webhook row per public event, 200,000 sent
   mails, 10,000 nudges to person 1; what is private within the retention's year, and
   what waits (deliveries, mail) the newest rows. `--reuse` skips all this.
2. Each route family (and each background worker's round) runs in-process with the
   production engine, once per case: a busy and a quiet idea, a person with many rows and
   one with none, an early and a late `after`, a rare and a common word. Every statement
   is recorded with its parameters; 12 more requests per case give the served view: the
   median of the first five against the later ones, and how many statements psycopg held
   prepared while the case ran.
3. Every recorded statement is replayed, prepared, with each case's parameters, on one
   psycopg connection a mode, taking turns: `plan_cache_mode` force_custom_plan and
   force_generic_plan, auto (after its five custom runs) and auto after five runs of the
   other cases' values; each run undone by a savepoint (psycopg's own ROLLBACK would
   deallocate the statement). Median ms of the last five runs (three for a statement
   slower than SLOW_STATEMENT_MS).

It prints a table per family: custom ms, generic ms, ratio, auto ms, auto after others,
and flags a generic plan more than 2 x and more than 1 ms slower than the custom one
(`!!`; `!`: one of the two), then EXPLAIN (ANALYZE) of each flagged statement under both
forced modes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, make_url, text

from bench.lists import USER_AGENT, build, build_postgres, login

NAME = "bench_pgplans"
IDEAS = 100_000
MEMBER, QUIET, NUDGED, OBSERVER, FACILITATOR = 1, 3, 2, 299, 300
RUNS = 10  # replay: runs per mode after the first five; medians of the last five
REQUESTS = 12  # served: requests per case (or 6 when they took SLOW_CASE_MS by then)
SLOW_CASE_MS = 5000
SLOW_STATEMENT_MS = 100  # replayed three times a mode, not RUNS
QUIET_DEPARTMENT = 8


# ---- the board -----------------------------------------------------------------------


def build_board(server_url: str, workdir: Path) -> str:
    board = build(workdir / "board.sqlite3", IDEAS)
    url = build_postgres(workdir / "board.sqlite3", server_url, NAME)
    cast(url)
    print(f"built {board['ideas']:,} ideas, {board['votes']:,} votes", flush=True)
    return url


def cast(url: str) -> None:
    """A facilitator, an observer, people who want mail, a webhook."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE users SET role = 'facilitator' WHERE id = {FACILITATOR}"))
        connection.execute(text(f"UPDATE users SET role = 'observer' WHERE id = {OBSERVER}"))
        connection.execute(
            text(f"UPDATE users SET email_notifications = 'instant' WHERE id IN ({MEMBER}, 5)")
        )
        connection.execute(text("UPDATE users SET email_notifications = 'daily' WHERE id % 3 = 0"))
        connection.execute(text("UPDATE users SET handle = 'p' || id"))
        connection.execute(
            text(
                "INSERT INTO webhooks (url, format, event_types, active,"
                " created_at) VALUES ('http://127.0.0.1:9/hook', 'json', '[]',"
                " true, now())"
            )
        )
    engine.dispose()


def inflate(url: str) -> None:
    """Copy the rows the first pass of requests left to a busy board's volume."""
    engine = create_engine(url)
    with engine.begin() as connection:
        sql = connection.connection.driver_connection.execute  # no parameters: % as is
        first = sql("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
        sql("ALTER TABLE events DISABLE TRIGGER events_webhook_deliveries")
        sql(
            "CREATE TEMP TABLE kinds AS SELECT DISTINCT ON (type) type, envelope, actor_id"
            " FROM events ORDER BY type, seq DESC"
        )
        # 1,100,000 events, in time order: votes most, then ideas, comments, tasks; a
        # quiet department; every 55th a private nudge to person NUDGED.
        sql(f"""
            INSERT INTO events (type, at, actor_id, department_id, private, envelope)
            SELECT k.type, now() - interval '730 days' + g * interval '57 seconds',
                   k.actor_id,
                   CASE WHEN g % 2000 = 0 THEN {QUIET_DEPARTMENT} ELSE 1 + g % 7 END,
                   k.type = 'nudge.sent', k.envelope
            FROM generate_series(1, 1100000) g
            JOIN kinds k ON k.type = CASE
                WHEN g % 55 = 0 AND g > 600000 THEN 'nudge.sent'
                WHEN g % 100 < 85 THEN 'idea.votes_changed'
                WHEN g % 100 < 94 THEN 'idea.created'
                WHEN g % 100 < 97 THEN 'comment.created'
                WHEN g % 100 = 97 THEN 'task.claimed'
                WHEN g % 100 = 98 THEN 'task.completed'
                WHEN g % 1000 = 99 THEN 'prompt.created'
                ELSE 'task.created' END
            ORDER BY g""")
        sql(
            f"INSERT INTO event_recipients (seq, user_id) SELECT seq, {NUDGED} FROM events"
            f" WHERE private AND seq > {first}"
        )
        sql(f"""
            INSERT INTO webhook_deliveries (webhook_id, seq, status, attempts, next_attempt_at,
                                            delivered_at, created_at)
            SELECT w.id, e.seq, 'delivered', 1, e.at, e.at, e.at
            FROM events e CROSS JOIN webhooks w WHERE NOT e.private AND e.seq > {first}""")
        sql("ALTER TABLE events ENABLE TRIGGER events_webhook_deliveries")

        # Notifications: person MEMBER 50,000, 150,000 for others, in time order (the
        # newest 120 unread), none for QUIET; each a copy of one the first pass wrote.
        sql(
            "CREATE TEMP TABLE notes AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, *"
            " FROM notifications"
        )
        sql(f"""
            INSERT INTO notifications (user_id, kind, actor_id, idea_id, task_id, prompt_id,
                comment_id, nudge_id, data, created_at, read_at, mailed_at)
            SELECT CASE WHEN g % 4 = 0 THEN {MEMBER} ELSE 4 + g % 290 END, t.kind,
                   t.actor_id, t.idea_id, t.task_id, t.prompt_id, t.comment_id, t.nudge_id,
                   t.data, now() - (200001 - g) * interval '2 minutes',
                   CASE WHEN g > 200000 - 120 THEN NULL ELSE now() END, now()
            FROM generate_series(1, 200000) g
            JOIN notes t ON t.n = g % (SELECT count(*) FROM notes)
            ORDER BY g""")
        busy = sql("SELECT id FROM ideas ORDER BY vote_count DESC, id LIMIT 1").fetchone()[0]
        for idea, count in ((str(busy), 5000), ("1 + (g * 7919) % 100000", 100000)):
            sql(f"""
                INSERT INTO comments (idea_id, author_id, body, body_html, is_mentor_note,
                                      created_at)
                SELECT {idea}, 1 + g % 300, c.body, c.body_html, false,
                       now() - g * interval '5 minutes'
                FROM generate_series(1, {count}) g,
                     (SELECT body, body_html FROM comments ORDER BY id LIMIT 1) c""")
        sql(
            f"INSERT INTO follows (user_id, idea_id, created_at) SELECT {MEMBER}, g * 20, now()"
            " FROM generate_series(1, 5000) g ON CONFLICT DO NOTHING"
        )
        sql(
            f"INSERT INTO follows (user_id, idea_id, created_at) SELECT g, {busy}, now()"
            " FROM generate_series(1, 300) g ON CONFLICT DO NOTHING"
        )
        sql("""
            INSERT INTO outgoing_mail (user_id, kind, to_address, subject, text_body, html_body,
                headers, status, attempts, next_attempt_at, sent_at, created_at)
            SELECT 1 + g % 300, 'daily', 'p@bench.example', 'Digest', 'text', '<p>html</p>',
                   '{}', 'sent', 1, now() - g * interval '1 minute',
                   now() - g * interval '1 minute', now() - g * interval '1 minute'
            FROM generate_series(1, 200000) g""")
        sql(f"""
            WITH made AS (
                INSERT INTO nudges (message, from_id, to_user_id, created_at)
                SELECT 'How is it going?', {FACILITATOR}, {MEMBER},
                       now() - g * interval '30 minutes'
                FROM generate_series(1, 10000) g RETURNING id)
            INSERT INTO nudge_recipients (nudge_id, user_id, read_at)
            SELECT id, {MEMBER}, now() FROM made""")
        sql(f"""
            INSERT INTO prompts (kind, title, body, author_id, hide_tallies, phase, created_at,
                                 submissions_close_at, voting_close_at)
            SELECT CASE WHEN g % 2 = 0 THEN 'challenge' ELSE 'prompt' END, 'Old question ' || g,
                   '', {FACILITATOR}, false, 'closed', now() - g * interval '2 days',
                   now() - g * interval '2 days' + interval '1 day',
                   now() - g * interval '2 days' + interval '1 day'
            FROM generate_series(1, 300) g""")
        # What waits is the newest: the delivered and sent rows copied above came after it.
        for table, done in (("webhook_deliveries", "delivered"), ("outgoing_mail", "sent")):
            sql(f"UPDATE {table} SET id = nextval('{table}_id_seq') WHERE status <> '{done}'")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    print("inflated: events, notifications, comments, follows, mail, nudges, prompts", flush=True)


# ---- the requests --------------------------------------------------------------------


def facts(url: str) -> dict:
    """The ids the cases name, read from the board."""
    engine = create_engine(url)
    with engine.connect() as connection:

        def one(sql: str):
            return connection.exec_driver_sql(sql).scalar()

        found = {
            "busy": one("SELECT id FROM ideas ORDER BY vote_count DESC, id LIMIT 1"),
            "quiet": one("SELECT max(id) FROM ideas WHERE vote_count = 0 AND prompt_id IS NULL"),
            "mine": one(f"SELECT max(id) FROM ideas WHERE author_id = {MEMBER}"),
            "last_seq": one("SELECT coalesce(max(seq), 0) FROM events"),
            "open_task": one("SELECT max(id) FROM tasks WHERE status = 'open'"),
            "busy_comment": one(
                "SELECT max(c.id) FROM comments c WHERE c.idea_id ="
                " (SELECT id FROM ideas ORDER BY vote_count DESC, id LIMIT 1)"
            ),
            "nudge": one(f"SELECT max(nudge_id) FROM nudge_recipients WHERE user_id = {MEMBER}"),
            "prompt": one("SELECT max(id) FROM prompts WHERE kind = 'challenge'"),
            "closed_prompt": one("SELECT min(id) FROM prompts WHERE phase = 'closed'"),
            "handle": one(f"SELECT handle FROM users WHERE id = {MEMBER}"),
        }
    engine.dispose()
    return found


def cases(f: dict) -> dict[str, list[tuple]]:
    """family -> [(case, person, method, path, json body)]."""
    b, q, m = f["busy"], f["quiet"], MEMBER
    today = datetime.now(UTC).date()
    month = today + timedelta(days=30)
    return {
        "board page /": [
            ("member", m, "GET", "/", None),
            ("quiet person", QUIET, "GET", "/", None),
        ],
        "idea page": [
            ("busy idea", m, "GET", f"/ideas/{b}", None),
            ("quiet idea", m, "GET", f"/ideas/{q}", None),
        ],
        "idea JSON": [
            ("busy idea", m, "GET", f"/api/v1/ideas/{b}", None),
            ("quiet idea", m, "GET", f"/api/v1/ideas/{q}", None),
        ],
        "comments list": [
            ("busy idea", m, "GET", f"/api/v1/ideas/{b}/comments", None),
            ("quiet idea", m, "GET", f"/api/v1/ideas/{q}/comments", None),
        ],
        "vote / unvote": [
            ("vote, busy idea", QUIET, "PUT", f"/api/v1/ideas/{b}/vote", None),
            ("unvote, busy idea", QUIET, "DELETE", f"/api/v1/ideas/{b}/vote", None),
            ("vote, quiet idea", QUIET, "PUT", f"/api/v1/ideas/{q}/vote", None),
            ("unvote, quiet idea", QUIET, "DELETE", f"/api/v1/ideas/{q}/vote", None),
        ],
        "idea create / update": [
            (
                "create",
                m,
                "POST",
                "/api/v1/ideas",
                {
                    "title": "A reel from the fair",
                    "body": "Ask @p2 about the booth",
                    "tags": ["tag3"],
                },
            ),
            ("update", m, "PATCH", f"/api/v1/ideas/{f['mine']}", {"body": "A new text, @p3"}),
        ],
        "comment": [
            ("busy idea", m, "POST", f"/api/v1/ideas/{b}/comments", {"body": "Yes! @p2"}),
            ("quiet idea", m, "POST", f"/api/v1/ideas/{q}/comments", {"body": "Good one"}),
            ("edit", m, "PATCH", "/api/v1/comments/{comment}", {"body": "Edited"}),
        ],
        "follow": [
            ("busy idea", QUIET, "PUT", f"/api/v1/ideas/{b}/follow", None),
            ("quiet idea", QUIET, "PUT", f"/api/v1/ideas/{q}/follow", None),
            ("unfollow", QUIET, "DELETE", f"/api/v1/ideas/{q}/follow", None),
        ],
        "task create / claim / release / complete": [
            ("create", m, "POST", "/api/v1/tasks", {"title": "Cut the reel", "idea_id": b}),
            ("claim", QUIET, "POST", "/api/v1/tasks/{task}/claim", None),
            ("release", QUIET, "POST", "/api/v1/tasks/{task}/release", None),
            ("claim again", QUIET, "POST", "/api/v1/tasks/{task}/claim", None),
            ("complete", QUIET, "POST", "/api/v1/tasks/{task}/complete", None),
        ],
        "tasks lists": [
            ("open", m, "GET", "/api/v1/tasks?status=open", None),
            ("done", m, "GET", "/api/v1/tasks?status=done", None),
            ("mine, busy", m, "GET", "/api/v1/tasks?mine=1", None),
            ("mine, none", OBSERVER, "GET", "/api/v1/tasks?mine=1", None),
            ("page /tasks", m, "GET", "/tasks?status=claimed", None),
            ("page /my-tasks", m, "GET", "/my-tasks", None),
            ("task page", m, "GET", f"/tasks/{f['open_task']}", None),
        ],
        "prompts and challenges": [
            (
                "create challenge",
                FACILITATOR,
                "POST",
                "/api/v1/prompts",
                {
                    "kind": "challenge",
                    "title": "Best trail reel",
                    "body": "",
                    "submissions_close_at": None,
                    "voting_close_at": None,
                },
            ),
            (
                "idea to challenge",
                m,
                "POST",
                "/api/v1/ideas",
                {"title": "Trail reel", "body": "x", "prompt_id": "{prompt}"},
            ),
            ("list", m, "GET", "/api/v1/prompts", None),
            ("page /prompts", m, "GET", "/prompts", None),
            ("open challenge", m, "GET", "/prompts/{prompt}", None),
            ("closed challenge", m, "GET", f"/api/v1/prompts/{f['closed_prompt']}/results", None),
        ],
        "nudges": [
            (
                "to a person",
                FACILITATOR,
                "POST",
                "/api/v1/nudges",
                {"message": "Need a hand?", "to_user_id": QUIET},
            ),
            (
                "to a department",
                FACILITATOR,
                "POST",
                "/api/v1/nudges",
                {"message": "Anyone?", "department_id": QUIET_DEPARTMENT},
            ),
            ("list, many", m, "GET", "/api/v1/nudges", None),
            ("list, none", OBSERVER, "GET", "/api/v1/nudges", None),
            ("page, many", m, "GET", "/nudges", None),
            ("read", m, "POST", f"/api/v1/nudges/{f['nudge']}/read", None),
        ],
        "notifications": [
            ("many", m, "GET", "/api/v1/notifications", None),
            ("many, unread", m, "GET", "/api/v1/notifications?unread=1", None),
            ("none", QUIET, "GET", "/api/v1/notifications", None),
            ("none, unread", QUIET, "GET", "/api/v1/notifications?unread=1", None),
            ("page, many", m, "GET", "/notifications", None),
            ("page, none", QUIET, "GET", "/notifications", None),
            ("read all, many", m, "POST", "/api/v1/notifications/read", {}),
            ("read all, none", QUIET, "POST", "/api/v1/notifications/read", {}),
        ],
        "events after": [
            ("after=0, nudged", NUDGED, "GET", "/api/v1/events?after=0", None),
            ("after=0, quiet", QUIET, "GET", "/api/v1/events?after=0", None),
            ("late, nudged", NUDGED, "GET", f"/api/v1/events?after={f['last_seq'] - 50}", None),
            ("late, quiet", QUIET, "GET", f"/api/v1/events?after={f['last_seq'] - 50}", None),
            ("at the end", QUIET, "GET", f"/api/v1/events?after={f['last_seq'] + 100}", None),
        ],
        "feed": [
            ("page", OBSERVER, "GET", "/feed", None),
            ("page, all time", OBSERVER, "GET", "/feed?period=all", None),
            ("API", OBSERVER, "GET", "/api/v1/feed", None),
            ("busy department", OBSERVER, "GET", "/api/v1/feed?department=2&period=all", None),
            (
                "quiet department",
                OBSERVER,
                "GET",
                f"/api/v1/feed?department={QUIET_DEPARTMENT}&period=all",
                None,
            ),
            ("tasks only", OBSERVER, "GET", "/api/v1/feed?kind=tasks&period=all", None),
            ("challenges only", OBSERVER, "GET", "/api/v1/feed?kind=challenges&period=all", None),
            ("updates after", OBSERVER, "GET", f"/feed/updates?after={f['last_seq'] - 50}", None),
            ("CSV", OBSERVER, "GET", "/feed.csv?period=7", None),
        ],
        # A word alone: its page's statement is the same for every word, and the five runs
        # that decide on a generic plan may be a rare word's (lists checked a word repeated).
        "search": [
            ("rare word", m, "GET", "/api/v1/ideas?q=lantern", None),
            ("other rare word", m, "GET", "/api/v1/ideas?q=compass", None),
            ("common word", m, "GET", "/api/v1/ideas?q=podcast", None),
            ("two words", m, "GET", "/api/v1/ideas?q=lantern%20compass", None),
        ],
        "people, help, calendar, export": [
            ("people page", m, "GET", "/people", None),
            ("person page", m, "GET", f"/people/{f['handle']}", None),
            ("people search", m, "GET", "/api/v1/people?q=pers", None),
            ("help page", FACILITATOR, "GET", "/help", None),
            ("insights", FACILITATOR, "GET", "/api/v1/insights", None),
            ("calendar", m, "GET", f"/api/v1/calendar?from={today}&to={month}", None),
            ("me", m, "GET", "/api/v1/me", None),
            ("export", QUIET, "GET", "/api/v1/me/export", None),
        ],
    }


class Recorder:
    """Every statement the engine runs, with its parameters, by family and case; and how
    many of a case's runs of statements ran a prepared one."""

    def __init__(self, engine):
        self.where: tuple[str, str] | None = None
        # (family, statement) -> case -> parameters (the first seen)
        self.seen: dict[tuple[str, str], dict[str, object]] = defaultdict(dict)
        self.prepared = 0
        event.listen(engine, "before_cursor_execute", self._record)
        event.listen(engine, "after_cursor_execute", self._count_prepared)

    def _count_prepared(self, conn, _cursor, statement, parameters, _context, _many):
        held = conn.connection.driver_connection._prepared._names  # psycopg's own
        if held and dollars(statement, parameters)[0].encode() in {key[0] for key in held}:
            self.prepared += 1  # this run was of a prepared statement

    def _record(self, _conn, _cursor, statement, parameters, _context, executemany):
        if self.where is None or executemany:
            return
        family, case = self.where
        self.seen[(family, statement)].setdefault(case, parameters)

    @contextmanager
    def under(self, family: str, case: str):
        self.where = (family, case)
        try:
            yield
        finally:
            self.where = None


def make_app(url: str, instance: Path):
    from board import create_app
    from board.settings import Settings

    settings = Settings(
        instance_path=instance,
        database_url=url,
        secret_key="bench" * 13,
        testing=True,
        smtp_url="smtp://127.0.0.1:9",
        mail_from="board@bench.example",
        claim_lease_days=14,
    )
    return create_app(settings=settings)


def drive(
    app, f: dict, recorder: Recorder | None, repeat: int, families: list[str] | None = None
) -> dict:
    """Every case once (recorded), then `repeat` more times: served ms per case."""
    client = app.test_client(use_cookies=False)
    people = {}
    served: dict[tuple[str, str], list[float]] = {}
    made = {"task": f["open_task"], "comment": f["busy_comment"], "prompt": f["prompt"]}
    for family, rows in cases(f).items():
        if families and family not in families:
            continue
        for case, person, method, path, body in rows:
            if person not in people:
                people[person] = login(app, person)
            cookie, token = people[person]
            path = path.format(**made)
            if body and "prompt_id" in body:
                body = {**body, "prompt_id": int(made["prompt"])}
            if body and "voting_close_at" in body:  # closes while the workers run
                now = datetime.now(UTC)
                body = {
                    **body,
                    "submissions_close_at": (now + timedelta(seconds=3)).isoformat(),
                    "voting_close_at": (now + timedelta(seconds=6)).isoformat(),
                }
            headers = {"Cookie": cookie, "User-Agent": USER_AGENT, "X-CSRF-Token": token}
            times = []
            if recorder:
                recorder.prepared = 0
            write = method != "GET"
            for run in range(1 + (0 if write and case in WRITE_ONCE else repeat)):
                recording = recorder.under(family, case) if recorder and run == 0 else _nothing()
                started = time.perf_counter()
                with recording:
                    answer = client.open(path, method=method, json=body, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                if answer.status_code >= 400:
                    if recorder:  # the first pass, on an empty board, is refused some
                        print(f"  {family} / {case}: {answer.status_code} {answer.data[:200]!r}")
                    break
                _remember(made, family, case, answer)
                if len(times) >= 7 and sum(times) > SLOW_CASE_MS:
                    break
            served[(family, case)] = (times, recorder.prepared if recorder else 0)
    for family, case, work in workers(app):
        if families and family not in families:
            continue
        times = []
        if recorder:
            recorder.prepared = 0
        for run in range(1 + repeat):
            recording = recorder.under(family, case) if recorder and run == 0 else _nothing()
            started = time.perf_counter()
            with recording:
                work()
            times.append((time.perf_counter() - started) * 1000)
            if len(times) >= 7 and sum(times) > SLOW_CASE_MS:
                break
        served[(family, case)] = (times, recorder.prepared if recorder else 0)
    return served


# Writes that change what the next one finds (a second claim of the same task is refused).
WRITE_ONCE = {
    "claim",
    "release",
    "claim again",
    "complete",
    "create challenge",
    "read",
    "edit",
    "unfollow",
    "to a department",
    "idea to challenge",
}


@contextmanager
def _nothing():
    yield


def _remember(made: dict, family: str, case: str, answer) -> None:
    data = answer.get_json(silent=True) or {}
    if family.startswith("task") and case == "create":
        made["task"] = data["id"]
    elif family == "comment" and case == "busy idea":
        made["comment"] = data["id"]
    elif case == "create challenge":
        made["prompt"] = data["id"]


def workers(app) -> list[tuple[str, str, object]]:
    from board import mail, scheduler, webhooks

    return [
        ("worker: webhooks", "round", lambda: webhooks.deliver_due(app)),
        ("worker: mail", "round", lambda: mail.run_once(app)),
        ("worker: phases and leases", "round", lambda: scheduler.run_once(app)),
        ("worker: housekeeping", "round", lambda: scheduler.housekeeping(app)),
    ]


# ---- the replay ----------------------------------------------------------------------

SKIPPED = re.compile(r"pg_advisory|COMMIT|^\s*(SAVEPOINT|RELEASE|ROLLBACK)", re.I)


def replay(
    url: str, statement: str, parameters, others: list, runs: int = RUNS
) -> dict[str, float | str]:
    """ms (median of the last five of `runs`, fewer for a slow statement) under custom plans,
    the generic plan, auto (what the app gets: custom plans for five runs, then maybe the
    generic one) and auto after five runs of the other cases' values (a pooled connection
    serves everyone, so the five runs that decide may have been someone else's). One
    connection a mode, the four taking turns run by run, so that the machine's other work
    weighs on each alike. Each run is undone by a savepoint, sent past psycopg: its own
    ROLLBACK would forget the prepared statement (as every read request's does)."""
    import psycopg

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    modes = ("force_custom_plan", "force_generic_plan", "auto", "auto after others")
    connections = [psycopg.connect(plain) for _mode in modes]
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    try:
        for mode, connection in zip(modes, connections, strict=True):
            connection.execute(f"SET plan_cache_mode = {mode.split()[0]}")
        run = 0
        while run < runs + 5:
            for mode, connection in zip(modes, connections, strict=True):
                values = parameters
                if mode == "auto after others":
                    if run < 5 and others:
                        values = others[run % len(others)]
                elif run < 5 and mode != "auto":
                    continue  # auto's first five are its custom plans
                connection.pgconn.exec_(b"SAVEPOINT run")
                started = time.perf_counter()
                try:
                    cursor = connection.execute(statement, values, prepare=True)
                    if cursor.description:
                        cursor.fetchall()
                except psycopg.Error as error:
                    return {"error": type(error).__name__}
                finally:
                    connection.pgconn.exec_(b"ROLLBACK TO SAVEPOINT run")
                times[mode].append((time.perf_counter() - started) * 1000)
            if run == 5 and times["force_custom_plan"][0] > SLOW_STATEMENT_MS:
                runs = 3  # a slow statement: three runs tell its plans apart
            run += 1
    finally:
        for connection in connections:
            connection.close()
    return {mode: statistics.median(values[-min(5, runs) :]) for mode, values in times.items()}


def dollars(statement: str, parameters) -> tuple[str, list]:
    """The statement as psycopg sends it ($1, $2, … in order of first use) and its values."""
    names: list[str] = []

    def number(match):
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    if isinstance(parameters, dict):
        body = re.sub(r"%\((\w+)\)s", number, statement)
        values = [parameters[name] for name in names]
    else:
        counter = iter(range(1, 1000))
        body = re.sub(r"%s", lambda _m: f"${next(counter)}", statement)
        values = list(parameters or ())
    return body.replace("%%", "%"), values


def explain(url: str, statement: str, parameters) -> str:
    """EXPLAIN (ANALYZE) of a PREPAREd statement under each forced mode."""
    import psycopg

    body, values = dollars(statement, parameters)
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    lines = []
    with psycopg.connect(plain, cursor_factory=psycopg.ClientCursor) as connection:
        connection.execute(f"PREPARE plans AS {body}")
        arguments = ", ".join(["%s"] * len(values))
        execute = f"EXECUTE plans({arguments})" if values else "EXECUTE plans"
        for mode in ("force_custom_plan", "force_generic_plan"):
            connection.execute(f"SET plan_cache_mode = {mode}")
            rows = connection.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {execute}", values).fetchall()
            lines.append(f"    -- {mode}")
            lines += [f"    {row[0]}" for row in rows]
            connection.rollback()  # a write explained is undone; PREPARE outlives it
    return "\n".join(lines)


def short(statement: str, width: int = 90) -> str:
    one = " ".join(statement.split())
    return one if len(one) <= width else one[: width - 1] + "…"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", required=True, help="a server URL (postgresql+psycopg://…)")
    parser.add_argument("--reuse", action="store_true", help=f"the database {NAME} as built")
    parser.add_argument("--families", default="", help="family names, comma-separated")
    parser.add_argument("--json", default="", help="also write the rows to this file")
    parser.add_argument("--served-only", action="store_true", help="no replay")
    args = parser.parse_args()
    url = make_url(args.postgres).set(database=NAME).render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory(prefix="bench-pgplans-") as tmp:
        workdir = Path(tmp)
        if not args.reuse:
            url = build_board(args.postgres, workdir)
            app = make_app(url, workdir / "instance")
            drive(app, facts(url), None, 0)  # rows of every kind to copy
            app.extensions["board_db"].dispose()
            inflate(url)
        app = make_app(url, workdir / "instance")
        recorder = Recorder(app.extensions["board_db"].engine)
        print(
            f"load average {os.getloadavg()[0]:.1f}; served in-process, {REQUESTS} requests"
            " a case after the recorded one",
            flush=True,
        )
        families = args.families.split(",") if args.families else None
        served = drive(app, facts(url), recorder, REQUESTS, families)
        app.extensions["board_db"].dispose()
    report(url, recorder.seen, served, args)


def _flag(times: dict) -> str:
    """'!!': the generic plan more than 2 x and 1 ms slower; '!': one of the two."""
    if "error" in times:
        return ""
    custom, generic = times["force_custom_plan"], times["force_generic_plan"]
    worse, slower = generic > 2 * custom, generic - custom > 1
    return "!!" if worse and slower else ("!" if worse or slower else "")


def report(url: str, seen: dict, served: dict, args) -> None:
    families = args.families.split(",") if args.families else None
    rows, flagged = [], []
    by_family: dict[str, list] = defaultdict(list)
    for (family, statement), by_case in seen.items():
        by_family[family].append((statement, by_case))
    print(
        "\nserved ms per case: median of requests 1-5 / 6-12 / mean (the first, recorded,"
        " apart); how many statements of the case's requests ran prepared"
    )
    for (family, case), (times, prepared) in served.items():
        if len(times) > 6:
            early, late = times[1:6], times[6:]
            print(
                f"  {family} / {case}: {statistics.median(early):.2f} /"
                f" {statistics.median(late):.2f} / {statistics.fmean(times[1:]):.2f};"
                f" prepared {prepared}"
            )
    for family, statements in by_family.items():
        if args.served_only or (families and family not in families):
            continue
        print(f"\n### {family}\n")
        print("| statement | case | custom ms | generic ms | ratio | auto ms | after others | |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for statement, by_case in statements:
            if SKIPPED.search(statement):
                continue
            for case, parameters in by_case.items():
                others = [values for other, values in by_case.items() if other != case]
                times = replay(url, statement, parameters, others)
                if _flag(times) == "!!":  # again, longer: one busy moment is no plan
                    times = replay(url, statement, parameters, others, 3 * RUNS)
                if "error" in times:
                    print(f"| {short(statement)} | {case} | {times['error']} | | | | | |")
                    continue
                custom, generic = times["force_custom_plan"], times["force_generic_plan"]
                ratio = generic / custom if custom else 0
                mark = _flag(times)
                bad = mark == "!!"
                print(
                    f"| {short(statement)} | {case} | {custom:.2f} | {generic:.2f} |"
                    f" {ratio:.1f} | {times['auto']:.2f} | {times['auto after others']:.2f}"
                    f" | {mark} |",
                    flush=True,
                )
                rows.append(
                    {"family": family, "case": case, "statement": statement, **times, "flag": mark}
                )
                if bad:
                    flagged.append((family, case, statement, parameters))
    print(f"\n{len(rows)} statement-cases replayed, {len(flagged)} flagged")
    for family, case, statement, parameters in flagged:
        print(f"\n{family} / {case}: {short(statement, 200)}")
        try:
            print(explain(url, statement, parameters))
        except Exception as error:  # noqa: BLE001 - a plan we cannot show is no reason to stop
            print(f"    (no EXPLAIN: {error})")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=str))


if __name__ == "__main__":
    main()
