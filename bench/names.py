"""What asking "whose display name do two active people share?" costs as the company grows,
the old question beside the new one, in one run.

    python -m bench.names                          # 300, 3,000 and 30,000 people
    python -m bench.names --people 300,30000 --requests 200

For each size it builds a board with plain SQL inserts (bench/lists.py: 1,000 ideas, their
votes, N people, every 100th person with the name of the one before), then times, taking
turns (BLOCK of one, then BLOCK of the other):

- the lookup alone, through plain connections: before, the statement over every active
  person (`GROUP BY lower(display_name) HAVING count > 1`); after, the same question for
  the 50 names of the first page of ideas (`lower(display_name) IN (…)`, answered from
  ix_users_display_name_folded); both must give the same answer for those names;
- the first page of ideas (`/api/v1/ideas?sort=top&limit=50`) in CPU ms of this thread,
  in-process through Flask's test client as bench/listcpu.py does: before, an app made
  to ask over everyone (person_json.ASK_EVERYONE_ABOVE = 0, the old statement); after,
  an app as it ships. Each side has its own connections, so that the old statement's
  reading of every person does not empty the new one's page cache.

Medians; on a shared machine the paired before/after of one run is what to compare.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

from bench.listcpu import cpu_ms
from bench.lists import USER_AGENT, build, session_cookie

PAGE = "/api/v1/ideas?sort=top&limit=50"
IDEAS = 1000
BLOCK = 20  # lookups or requests of one side before the other's turn


def shared_among_every_hundredth(path: Path) -> None:
    """Every 100th person takes the name of the one before: a few names are shared."""
    db = sqlite3.connect(path)
    db.execute(
        "UPDATE users SET display_name = 'Person ' || (id - 1),"
        " display_name_key = 'person ' || (id - 1) WHERE id % 100 = 0"
    )
    db.commit()
    db.close()


def page_names(path: Path) -> list[str]:
    """The display names of the first page of ideas' authors (what the page asks about)."""
    db = sqlite3.connect(path)
    rows = db.execute(
        "SELECT DISTINCT users.display_name FROM (SELECT author_id FROM ideas"
        " ORDER BY vote_count DESC, id DESC LIMIT 50) AS page"
        " JOIN users ON users.id = page.author_id"
    ).fetchall()
    db.close()
    return [name for (name,) in rows]


def lookup_us(engine, names: list[str], rounds: int) -> tuple[float, float, int]:
    """Median µs of the old and the new statement, in turns of BLOCK; and the shared
    names. Each has a connection (and so a page cache) of its own, and turns of a few
    lookups each: the old statement reads every person, which would otherwise push the
    index's pages out of the new one's way each time (what the board, which no longer runs
    it, does not see)."""
    from board import person_json
    from models.people import display_name_key

    keys = sorted({display_name_key(name) for name in names})
    statements = {
        "before": (person_json._SHARED_NAMES, {}),
        "after": (person_json._SHARED_AMONG, {"keys": keys}),
    }
    times: dict[str, list[float]] = {"before": [], "after": []}
    answers: dict[str, set[str]] = {}
    with engine.connect() as old, engine.connect() as new:
        connections = {"before": old, "after": new}
        for side, (statement, parameters) in statements.items():  # warm-up
            for _ in range(5):
                connections[side].execute(statement, parameters).all()
        for _ in range(max(1, rounds // BLOCK)):
            for side, (statement, parameters) in statements.items():
                for _ in range(BLOCK):
                    t0 = time.perf_counter()
                    answers[side] = set(connections[side].execute(statement, parameters).scalars())
                    times[side].append((time.perf_counter() - t0) * 1e6)
    if answers["after"] != answers["before"] & set(keys):
        raise RuntimeError(f"different answers: {answers}")
    before, after = (statistics.median(times[side]) for side in ("before", "after"))
    return before, after, len(answers["after"])


def measure(workdir: Path, people: int, rounds: int, requests: int) -> dict:
    from sqlalchemy import create_engine

    from board import create_app, person_json
    from board.settings import Settings

    board = build(workdir / "board.sqlite3", IDEAS, people=people)
    shared_among_every_hundredth(workdir / "board.sqlite3")
    secret = secrets.token_hex(32)
    cookie = session_cookie(board["url"], workdir, secret)
    settings = Settings(
        instance_path=workdir / "instance", database_url=board["url"], secret_key=secret
    )
    # Before and after each in an app (and a connection pool) of its own, as in lookup_us.
    old_app, new_app = create_app(settings=settings), create_app(settings=settings)
    names = page_names(workdir / "board.sqlite3")
    plain = create_engine(board["url"])
    old_us, new_us, shared = lookup_us(plain, names, rounds)
    plain.dispose()
    headers = {"Cookie": cookie, "Accept-Encoding": "gzip", "User-Agent": USER_AGENT}
    shipped = person_json.ASK_EVERYONE_ABOVE
    sides = [
        (0, old_app.test_client(use_cookies=False), []),  # before: always the old statement
        (shipped, new_app.test_client(use_cookies=False), []),
    ]
    try:
        for ask_everyone_above, client, _times in sides:
            person_json.ASK_EVERYONE_ABOVE = ask_everyone_above
            cpu_ms(client, PAGE, headers, 5)  # warm-up
        for _ in range(max(1, requests // BLOCK)):
            for ask_everyone_above, client, times in sides:
                person_json.ASK_EVERYONE_ABOVE = ask_everyone_above
                times += cpu_ms(client, PAGE, headers, BLOCK)
    finally:
        person_json.ASK_EVERYONE_ABOVE = shipped
        old_app.extensions["board_db"].dispose()
        new_app.extensions["board_db"].dispose()
    old_cpu, new_cpu = sides[0][2], sides[1][2]
    return {
        "people": people,
        "names": len(names),
        "shared": shared,
        "old_us": old_us,
        "new_us": new_us,
        "old_cpu": statistics.median(old_cpu),
        "new_cpu": statistics.median(new_cpu),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", default="300,3000,30000")
    parser.add_argument("--rounds", type=int, default=200, help="timings of each statement")
    parser.add_argument("--requests", type=int, default=100, help="list requests each way")
    args = parser.parse_args()
    print(
        f"{IDEAS:,} ideas; first page {PAGE}; {args.rounds} lookups and {args.requests}"
        f" requests each way, in turns of {BLOCK}; load average {os.getloadavg()[0]:.1f}"
    )
    print(
        "| people | names on the page (shared) | lookup µs before / after |"
        " list CPU ms before / after |"
    )
    print("| --- | --- | --- | --- |")
    # One directory for the run: each app's webhook sender keeps polling its board.
    with tempfile.TemporaryDirectory(prefix="bench-names-") as tmp:
        for people in (int(n) for n in args.people.split(",")):
            workdir = Path(tmp) / str(people)
            workdir.mkdir()
            r = measure(workdir, people, args.rounds, args.requests)
            print(
                f"| {r['people']:,} | {r['names']} ({r['shared']}) |"
                f" {r['old_us']:,.0f} / {r['new_us']:,.0f} |"
                f" {r['old_cpu']:.2f} / {r['new_cpu']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
