"""Every list answer of the JSON API a set of readers gets on the demo boards, written to
files: run it in two trees and `diff -r` the two directories to show a change keeps the
answers byte for byte.

    python -m bench.same_answers /tmp/answers-before --boards /tmp/demo-boards   # one tree
    python -m bench.same_answers /tmp/answers-after --boards /tmp/demo-boards    # the other
    diff -r /tmp/answers-before /tmp/answers-after

The boards are bench/same_pages.py's (the English and German demo, made on the first run).
Each run: the six readers of bench/same_pages.py (facilitator, members, observers), at two
moments six days apart with the clock frozen, in English as JSON and in German as gzip; a second
pass in works-council mode (observers see departments, not names). For each: the ideas in
every order with every filter and their combinations, the tasks, the events and the
prompts, page after page by the cursors (pages of 50, and of 7 to cross many cursors),
each page loaded twice (the second from whatever the first kept), as JSON and as gzip
(the compressed bytes' SHA-256 beside the text). Between the moments every reader votes
for an idea, so kept answers must notice the change. An idea hidden with `<b>&</b>` in its
reason and a running challenge that hides its tallies are among them.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.same_pages import READERS, dump_with_this_tree, login

IDEA_QUERIES = (
    "",
    "department=2",
    "department=3",
    "tag=video",
    "q=video",
    "q=video%20reel",
    "q=%3Cb%3E%26x",
    "tag=video&q=video",
    "department=2&tag=video",
    "prompt_id=1",
    "prompt_id=2",
    "prompt_id=3",
)
LISTS = (
    *(
        f"/api/v1/ideas?sort={sort}" + (f"&{query}" if query else "")
        for sort in ("top", "hot", "new")
        for query in IDEA_QUERIES
    ),
    "/api/v1/tasks",
    "/api/v1/tasks?status=claimed",
    "/api/v1/tasks?status=open",
    "/api/v1/tasks?mine=1",
)
SINGLE = ("/api/v1/events?after=0&limit=1000", "/api/v1/events?after=5&limit=7", "/api/v1/prompts")


def write(out: Path, name: str, response) -> None:
    body = response.get_data()
    text = zlib.decompress(body, 16 + 15) if response.headers.get("Content-Encoding") else body
    digest = hashlib.sha256(body).hexdigest()
    file = re.sub(r"[^A-Za-z0-9]+", "_", name)
    (out / file).write_bytes(f"{response.status_code} {digest}\n".encode() + text)


def walk(client, out: Path, prefix: str, path: str, headers: dict, limit: int) -> int:
    """Every page of `path` by its cursors, each page twice; the number of answers."""
    count, cursor, page = 0, None, 0
    while True:
        separator = "&" if "?" in path else "?"
        url = f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        for load in (1, 2):
            response = client.get(url, headers=headers)
            write(out, f"{prefix}_{path}_{limit}_{page}_{load}", response)
            count += 1
        cursor = _json(response).get("next_cursor") if response.status_code == 200 else None
        page += 1
        if not cursor or page > 60:
            return count


def _json(response) -> dict:
    body = response.get_data()
    if response.headers.get("Content-Encoding"):
        body = zlib.decompress(body, 16 + 15)
    return json.loads(body)


def dump_board(app, name: str, out: Path, variant: str) -> int:
    from sqlalchemy import select

    from board import clock, moderation
    from models import Idea, Prompt, User

    start = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    clock.set_clock(lambda: start - timedelta(hours=1))
    with app.extensions["board_db"].Session() as session:
        lena = session.scalar(select(User).where(User.email == "lena@nordkamm.example"))
        idea = session.scalars(select(Idea).order_by(Idea.id)).all()[3]
        if idea.hidden_at is None:
            moderation.hide(session, lena, "idea", idea.id, "<b>&</b> 'quoted' \"x\"")
        challenges = session.scalars(select(Prompt).where(Prompt.kind == "challenge")).all()
        assert any(p.hide_tallies for p in challenges), "the demo has a hidden-tally challenge"
        session.commit()
    count = 0
    for number, moment in enumerate((start, start + timedelta(days=6, hours=3))):
        clock.set_clock(lambda moment=moment: moment)
        for who in READERS:
            client = app.test_client()
            login(client, who)
            page = client.get("/").get_data(as_text=True)
            token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
            prefix = f"{name}_{variant}_{moment:%m%d}_{who}"
            for language, encoding in (("en", "identity"), ("de", "gzip")):
                headers = {"Accept-Language": language, "Accept-Encoding": encoding}
                tag = f"{prefix}_{language}_{encoding}"
                for path in LISTS:
                    for limit in (50, 7):
                        count += walk(client, out, tag, path, headers, limit)
                for path in SINGLE:
                    for load in (1, 2):
                        write(out, f"{tag}_{path}_{load}", client.get(path, headers=headers))
                        count += 1
            if number == 0:  # something changes before the second moment: a vote each
                voted = client.put(
                    f"/api/v1/ideas/{2 + READERS.index(who)}/vote", headers={"X-CSRF-Token": token}
                )
                assert voted.status_code in (200, 403, 409), (who, voted.status_code)
    clock.set_clock(None)
    return count


def main() -> None:
    dump_with_this_tree(
        dump_board,
        "answers",
        {"names": {"observers_see_names": True}, "council": {"observers_see_names": False}},
    )


if __name__ == "__main__":
    main()
