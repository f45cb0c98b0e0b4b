"""Pages that grew with the board: a challenge's page, an idea's comments over the API and
the feed's CSV, timed on the code of two trees against the same board.

    python -m bench.pages [--old REV] [--old-schema REVISION] [--turns 2] [--runs 7] [--dir DIR]

Builds a SQLite board (`bench.lists`' board of 1,000 ideas) and adds by plain SQL: a
challenge of 200 ideas with 25 comments each (every fifth a mentor note) and one idea of
it with 5,000 comments, a challenge of 3 ideas with 3 comments each, and 10,000 feed
events of the last six days (copies of the envelopes that forty requests through the API
wrote, their ideas spread over the board). Then each tree (REV, default `main`, in a
temporary worktree; and this one) serves the same requests in-process in a process of its
own, taking turns; each case runs once to warm, then RUNS times, and prints the median ms
and the statements of one request (a challenge's page: also the ms of its mentor notes'
statement). With `--old-schema`, REV's code reads a copy of the
board taken down to that Alembic revision (REV's head), not this tree's schema.
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
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IDEAS = 1000
CHALLENGE_IDEAS = 200
COMMENTS_EACH = 25
BUSY_COMMENTS = 5000
EVENTS = 10_000
FACILITATOR = 2
MEMBER = 3
TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"
_TOKEN = rb'csrf[-_]token" (?:content|value)="[^"]*"'  # a page's, new in every answer


def _app(url: str, instance: Path):
    from board import create_app
    from board.settings import Settings

    settings = Settings(
        instance_path=instance,
        database_url=url,
        secret_key="bench" * 13,
        testing=True,
        smtp_url="smtp://127.0.0.1:9",
        mail_from="board@bench.example",
    )
    return create_app(settings=settings)


def _headers(app, person: int) -> dict:
    from bench.lists import USER_AGENT, login

    cookie, token = login(app, person)
    return {"Cookie": cookie, "User-Agent": USER_AGENT, "X-CSRF-Token": token}


def build(directory: Path) -> dict:
    from bench.lists import build as build_board

    path = directory / "board.sqlite"
    build_board(path, IDEAS)
    db = sqlite3.connect(path)
    db.execute("UPDATE users SET role = 'facilitator' WHERE id = ?", (FACILITATOR,))
    db.commit()
    db.close()
    url = f"sqlite:///{path}"
    with tempfile.TemporaryDirectory() as instance:
        app = _app(url, Path(instance))
        facts = _through_the_api(app)
    _by_sql(path, facts)
    return {"url": url, **facts}


def _through_the_api(app) -> dict:
    """A mixed hour of the board's life through the API: its events are the envelopes the
    feed's copies are made of."""
    client = app.test_client(use_cookies=False)
    fay, mara, ivan = (_headers(app, n) for n in (FACILITATOR, MEMBER, MEMBER + 1))

    def call(method, path, who, body=None):
        answer = client.open(f"/api/v1/{path}", method=method, json=body, headers=who)
        assert answer.status_code < 300, (path, answer.status_code, answer.get_json())
        return answer.get_json()

    soon = datetime.now(UTC) + timedelta(days=7)
    challenge = call(
        "POST",
        "prompts",
        fay,
        {
            "kind": "challenge",
            "title": "Our autumn campaign",
            "body": "",
            "submissions_close_at": soon.isoformat(),
            "voting_close_at": (soon + timedelta(days=7)).isoformat(),
        },
    )
    small = call(
        "POST",
        "prompts",
        fay,
        {
            "kind": "challenge",
            "title": "A small one",
            "body": "",
            "submissions_close_at": soon.isoformat(),
            "voting_close_at": (soon + timedelta(days=7)).isoformat(),
        },
    )
    call("POST", "prompts", fay, {"kind": "prompt", "title": "What did customers ask?"})
    for number in range(4):
        idea = call("POST", "ideas", mara, {"title": f"Reel {number}", "body": "A *short* one"})
        call(
            "POST",
            "ideas",
            ivan,
            {"title": f"For it {number}", "body": "", "prompt_id": challenge["id"]},
        )
        call("PATCH", f"ideas/{idea['id']}", mara, {"body": "A *shorter* one"})
        call("PUT", f"ideas/{idea['id']}/vote", ivan)
        call("POST", f"ideas/{idea['id']}/comments", ivan, {"body": "Yes, with @p3.bench"})
        call("POST", f"ideas/{idea['id']}/comments", fay, {"body": "Try it", "mentor_note": True})
        task = call("POST", "tasks", mara, {"title": f"Film {number}", "idea_id": idea["id"]})
        call("POST", f"tasks/{task['id']}/claim", ivan)
        if number % 2:
            call("POST", f"tasks/{task['id']}/complete", ivan)
        else:
            call("POST", f"tasks/{task['id']}/release", ivan)
        call(
            "POST",
            f"ideas/{idea['id']}/publications",
            mara,
            {"url": f"https://example.com/{number}", "channel": "instagram"},
        )
    return {"challenge": challenge["id"], "small": small["id"]}


def _by_sql(path: Path, facts: dict) -> None:
    rng = random.Random(6)
    db = sqlite3.connect(path)
    now = datetime.now(UTC)
    # The challenges' ideas and comments.
    first = db.execute("SELECT max(id) FROM ideas").fetchone()[0] + 1
    db.execute(
        "UPDATE ideas SET prompt_id = ? WHERE id BETWEEN 1 AND ?",
        (facts["challenge"], CHALLENGE_IDEAS - 4),  # the API posted four for it
    )
    db.execute(
        "UPDATE ideas SET prompt_id = ? WHERE id BETWEEN ? AND ?", (facts["small"], 197, 199)
    )
    comments = []
    start = now - timedelta(days=20)

    def comment(idea_id: int, number: int, count: int):
        note = number % 5 == 4
        at = start + timedelta(seconds=number * 600 / max(1, count // 100 + 1))
        author = FACILITATOR if note else 10 + (idea_id * 7 + number) % 250
        body = f"{'Note' if note else 'Comment'} {number} on {idea_id}"
        comments.append((idea_id, author, body, f"<p>{body}</p>", note, at.strftime(TIME_FORMAT)))

    for idea_id in range(1, CHALLENGE_IDEAS - 4):
        count = BUSY_COMMENTS if idea_id == 1 else COMMENTS_EACH
        for number in range(count):
            comment(idea_id, number, count)
    for idea_id in range(197, 200):
        for number in range(3):
            comment(idea_id, number, 3)
    db.executemany(
        "INSERT INTO comments (idea_id, author_id, body, body_html, is_mentor_note, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        comments,
    )
    # The feed's events: copies of the API's, spread over the last six days.
    made = [
        (type_, actor, department, json.loads(envelope))
        for type_, actor, department, envelope in db.execute(
            "SELECT type, actor_id, department_id, envelope FROM events WHERE NOT private"
        )
    ]
    seq = db.execute("SELECT max(seq) FROM events").fetchone()[0]
    rows = []
    for number in range(EVENTS):
        type_, actor, department, envelope = made[number % len(made)]
        envelope = json.loads(json.dumps(envelope))
        idea_id = rng.randint(1, first - 1)
        data = envelope.get("data") or {}
        for key in ("idea", "comment", "task"):
            if isinstance(data.get(key), dict):
                data[key]["id" if key == "idea" else "idea_id"] = idea_id
        if "idea_id" in data:
            data["idea_id"] = idea_id
        seq += 1
        at = now - timedelta(days=6) + timedelta(seconds=number * 6 * 86400 / EVENTS)
        envelope["seq"], envelope["at"] = seq, at.isoformat()
        rows.append((seq, type_, at.strftime(TIME_FORMAT), actor, department, json.dumps(envelope)))
    db.executemany(
        "INSERT INTO events (seq, type, at, actor_id, department_id, private, envelope)"
        " VALUES (?, ?, ?, ?, ?, 0, ?)",
        rows,
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()


def cases(facts: dict) -> list[tuple[str, int, str]]:
    return [
        ("challenge page, 200 ideas, 9,975 comments", MEMBER, f"/prompts/{facts['challenge']}"),
        ("challenge page, 3 ideas, 9 comments", MEMBER, f"/prompts/{facts['small']}"),
        ("challenge page, facilitator, 200 ideas", FACILITATOR, f"/prompts/{facts['challenge']}"),
        ("comments API, 5,000, plain list", MEMBER, "/api/v1/ideas/1/comments"),
        ("comments API, 5,000, first page of 50", MEMBER, "/api/v1/ideas/1/comments?limit=50"),
        ("comments API, 5,000, a middle page", MEMBER, "MIDDLE"),
        ("comments API, 25, plain list", MEMBER, "/api/v1/ideas/2/comments"),
        ("feed CSV, 7 days (10,000 rows)", MEMBER, "/feed.csv?period=7"),
    ]


def measure(facts: dict, runs: int) -> dict:
    """Each case's median ms and statements, on the code this process imports."""
    from sqlalchemy import event

    results = {}
    with tempfile.TemporaryDirectory() as instance:
        app = _app(facts["url"], Path(instance))
        statements, notes = [], []  # notes: ms of the mentor notes' statement

        def started(conn, cursor, statement, *args):
            statements.append(1)
            conn.info["pages_started"] = time.perf_counter()

        def ended(conn, cursor, statement, *args):
            if "AS total" in statement:  # the challenge page's notes, old and new
                notes.append((time.perf_counter() - conn.info["pages_started"]) * 1000)

        engine = app.extensions["board_db"].engine
        event.listen(engine, "before_cursor_execute", started)
        event.listen(engine, "after_cursor_execute", ended)
        client = app.test_client(use_cookies=False)
        people = {}
        for name, person, path in cases(facts):
            headers = people.setdefault(person, _headers(app, person))
            if path == "MIDDLE":
                page = client.get("/api/v1/ideas/1/comments?limit=200", headers=headers).get_json()
                if not isinstance(page, dict):
                    continue  # this tree has no pages
                for _ in range(12):
                    path = f"/api/v1/ideas/1/comments?limit=200&cursor={page['next_cursor']}"
                    page = client.get(path, headers=headers).get_json()
                path = f"/api/v1/ideas/1/comments?limit=50&cursor={page['next_cursor']}"
            times, body, notes_ms = [], None, []
            for _run in range(1 + runs):
                statements.clear()
                notes.clear()
                started = time.perf_counter()
                answer = client.get(path, headers=headers)
                times.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, (path, answer.status_code)
                body = answer.get_data()
                notes_ms.append(sum(notes))
            if "limit=" in path and body.startswith(b"["):
                continue  # this tree answers the whole list: no page to time
            results[name] = {
                "ms": statistics.median(times[1:]),
                "statements": len(statements),
                "bytes": len(body),
                "sha": hashlib.sha256(re.sub(_TOKEN, b"", body)).hexdigest()[:12],
                "notes_ms": statistics.median(notes_ms[1:]),
            }
    return results


def _downgraded_copy(directory: Path, url: str, revision: str) -> str:
    """A copy of the board at `revision` (this tree's migrations take it down)."""
    from alembic import command
    from alembic.config import Config

    source = Path(url.removeprefix("sqlite:///"))
    copy = directory / f"board-{revision}.sqlite"
    copy.write_bytes(source.read_bytes())
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["url"] = f"sqlite:///{copy}"
    config.config_file_name = None
    command.downgrade(config, revision)
    return f"sqlite:///{copy}"


def _run_tree(tree: Path, facts: dict, runs: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    answer = subprocess.run(
        [sys.executable, str(Path(__file__)), "--measure", json.dumps(facts), "--runs", str(runs)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if answer.returncode:
        raise SystemExit(answer.stderr)
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", default="main", help="the revision to compare with")
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dir", default="", help="keep the board here (built if missing)")
    parser.add_argument("--old-schema", default="", help="the old code reads the board at this")
    parser.add_argument("--measure", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure), args.runs)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(args.dir or scratch)
        directory.mkdir(parents=True, exist_ok=True)
        facts_file = directory / "facts.json"
        if facts_file.exists():
            facts = json.loads(facts_file.read_text())
        else:
            started = time.perf_counter()
            facts = build(directory)
            facts_file.write_text(json.dumps(facts))
            print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
        old_facts = facts
        if args.old_schema:
            old_facts = {**facts, "url": _downgraded_copy(directory, facts["url"], args.old_schema)}
        old = Path(scratch) / "old"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old), args.old],
            check=True,
            capture_output=True,
        )
        try:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "babel.messages.frontend",
                    "compile",
                    "-d",
                    "translations",
                    "-l",
                    "de",
                    "-i",
                    "translations/de/LC_MESSAGES/messages.po",
                    "-o",
                    "translations/de/LC_MESSAGES/messages.mo",
                ],
                cwd=old,
                check=True,
                capture_output=True,
            )
            turns = {"old": [], "new": []}
            for turn in range(args.turns):
                for label, tree, board in (("old", old, old_facts), ("new", ROOT, facts)):
                    print(f"turn {turn + 1}: {label} (load {os.getloadavg()[0]:.1f})", flush=True)
                    turns[label].append(_run_tree(tree, board, args.runs))
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                check=False,
                capture_output=True,
            )
    print(f"\n{'case':44} {'old ms':>16} {'new ms':>16} {'stmts old/new':>14}  same bytes")
    for name, _person, _path in cases(facts):
        olds = [t[name] for t in turns["old"] if name in t]
        news = [t[name] for t in turns["new"] if name in t]
        shown_old = " / ".join(f"{r['ms']:.1f}" for r in olds) or "-"
        shown_new = " / ".join(f"{r['ms']:.1f}" for r in news) or "-"
        counts = (
            f"{olds[0]['statements'] if olds else '-'}/{news[0]['statements'] if news else '-'}"
        )
        same = "yes" if olds and news and olds[0]["sha"] == news[0]["sha"] else "no"
        print(f"{name:44} {shown_old:>16} {shown_new:>16} {counts:>14}  {same}")
    print(f"\n{'the mentor notes statement (ms)':44} {'old':>16} {'new':>16}")
    for name, _person, path in cases(facts):
        if path.startswith("/prompts/"):
            olds = " / ".join(f"{t[name]['notes_ms']:.2f}" for t in turns["old"])
            news = " / ".join(f"{t[name]['notes_ms']:.2f}" for t in turns["new"])
            print(f"{name:44} {olds:>16} {news:>16}")


if __name__ == "__main__":
    main()
