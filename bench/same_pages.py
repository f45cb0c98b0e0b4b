"""Every page a set of readers sees on the demo boards, written to files: run it in two
trees and `diff -r` the two directories to show a change keeps the HTML byte for byte.

    python -m bench.same_pages /tmp/pages-before --boards /tmp/demo-boards   # in one tree
    python -m bench.same_pages /tmp/pages-after --boards /tmp/demo-boards    # in the other
    diff -r /tmp/pages-before /tmp/pages-after

`--boards` holds the English and the German demo board (`flask demo`, `--language de`),
made on the first run and copied for each run after (the demo is played under a clock
back-dated from now, so both trees must read the same copy). Each run: six readers (the
facilitator, a member in New York time, two observers, a member holding a task, another
member), each with Accept-Language en and de, at two moments six days apart with the
clock frozen; the board with its sorts and filters (a search for `<b>&x` among them), its
"more" page, my tasks, a task column, an idea and the prompts, each loaded twice (the
second from whatever the first kept); an idea hidden with `<b>&</b>` in its reason; a
refused idea form and the page after a vote's flash. CSRF tokens are masked (signed anew
every second).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

TOKEN = re.compile(r'(name="csrf_token" value="|<meta name="csrf-token" content=")[^"]+"')
READERS = ("lena", "jonas", "petra", "thomas", "aylin", "priya")
PATHS = (
    "/",
    "/?sort=new",
    "/?sort=hot",
    "/?tag=video",
    "/?department=2",
    "/?q=video",
    "/?department=3&sort=new",
    "/?q=%3Cb%3E%26x",
    "/?sort=bogus&tag=",
    "/my-tasks",
    "/tasks?status=claimed",
    "/ideas/1",
    "/prompts",
)


def masked(html: str) -> str:
    return TOKEN.sub(lambda m: m.group(1) + 'TOKEN"', html)


def make_boards(boards: Path) -> None:
    """The two demo boards, made once with this tree's migrations and demo command."""
    boards.mkdir(parents=True, exist_ok=True)
    for name, extra in (("demo", []), ("demo_de", ["--language", "de"])):
        target = boards / f"{name}.sqlite3"
        if target.exists():
            continue
        env = {
            **os.environ,
            "BOARD_DATABASE_URL": f"sqlite:///{target}",
            "BOARD_INSTANCE_PATH": str(boards / "instance"),
        }
        bin_dir = Path(sys.executable).parent
        subprocess.run([bin_dir / "alembic", "upgrade", "head"], env=env, check=True)
        subprocess.run(
            [bin_dir / "flask", "--app", "app", "demo", *extra],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def copy_board(source: Path, target: Path) -> None:
    """A copy of a demo board, migrated to this tree's head (the other tree may be behind)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    env = {**os.environ, "BOARD_DATABASE_URL": f"sqlite:///{target}"}
    alembic = Path(sys.executable).parent / "alembic"
    subprocess.run([alembic, "upgrade", "head"], env=env, check=True, capture_output=True)


def login(client, who: str) -> str:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"email": f"{who}@nordkamm.example", "password": "demo-password", "csrf_token": token},
    )
    if response.status_code != 302:
        raise RuntimeError(f"{who} could not log in")
    return token


def dump_board(app, name: str, out: Path) -> int:
    from sqlalchemy import select

    from board import clock, moderation
    from models import Idea, User

    with app.extensions["board_db"].Session() as session:
        jonas = session.scalar(select(User).where(User.email == "jonas@nordkamm.example"))
        jonas.timezone = "America/New_York"
        lena = session.scalar(select(User).where(User.email == "lena@nordkamm.example"))
        idea = session.scalars(select(Idea).order_by(Idea.id)).all()[3]
        session.commit()
        moderation.hide(session, lena, "idea", idea.id, "<b>&</b> 'quoted' \"x\"")
    count = 0
    start = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
    for moment in (start, start + timedelta(days=6, hours=3)):
        clock.set_clock(lambda moment=moment: moment)
        for who in READERS:
            client = app.test_client()
            login(client, who)
            prefix = f"{name}_{moment:%m%d}_{who}"
            for language in ("en", "de"):
                headers = {"Accept-Language": language}
                first = client.get("/", headers=headers).get_data(as_text=True)
                token = re.search(r'name="csrf-token" content="([^"]+)"', first).group(1)
                more = re.search(r'id="more-ideas"[^>]*href="([^"]+)"', first)
                paths = list(PATHS)
                if more:
                    paths.append(more.group(1).replace("&amp;", "&").split("#")[0])
                for path in paths:
                    for load in (1, 2):
                        response = client.get(path, headers=headers)
                        file = re.sub(r"[^A-Za-z0-9]+", "_", f"{prefix}_{language}_{path}_{load}")
                        page = masked(response.get_data(as_text=True))
                        (out / file).write_text(f"{response.status_code}\n{page}")
                        count += 1
            refused = client.post("/ideas", data={"title": "", "csrf_token": token, "next": "/"})
            client.post("/ideas/2/vote", data={"vote": "1", "csrf_token": token, "next": "/"})
            after_vote = client.get("/")
            for file, response in (("refused", refused), ("after_vote", after_vote)):
                page = masked(response.get_data(as_text=True))
                (out / f"{prefix}_{file}").write_text(f"{response.status_code}\n{page}")
                count += 1
    clock.set_clock(None)
    return count


def dump_with_this_tree(dump, what: str, variants: dict[str, dict]) -> None:
    """The command line of this comparison and of bench/same_answers.py: OUT, --boards.
    Builds the two demo boards (once, in --boards), then, for each board and each variant
    of the settings (name: fields of Settings to change), serves a fresh copy of it with
    an app of this tree (testing: no scheduler) and writes what `dump(app, board name,
    OUT, variant name)` loads into OUT, each thing in a file of its own."""
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--boards", type=Path, required=True)
    args = parser.parse_args()
    make_boards(args.boards)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="same-") as tmp:
        work = Path(tmp)
        os.environ["BOARD_SECRET_KEY"] = "x" * 64
        os.environ["BOARD_INSTANCE_PATH"] = str(work / "instance")
        from board import create_app
        from board.settings import Settings

        count = 0
        for name in ("demo", "demo_de"):
            for variant, changes in variants.items():
                copy_board(args.boards / f"{name}.sqlite3", work / f"{name}.sqlite3")
                os.environ["BOARD_DATABASE_URL"] = f"sqlite:///{work}/{name}.sqlite3"
                settings = dataclasses.replace(Settings.from_env(), testing=True, **changes)
                app = create_app(settings=settings)
                count += dump(app, name, args.out, variant)
                app.extensions["board_db"].dispose()
        shutil.rmtree(work / "instance", ignore_errors=True)
    print(f"{count} {what} in {args.out}")


def main() -> None:
    dump_with_this_tree(
        lambda app, name, out, _variant: dump_board(app, name, out), "pages", {"": {}}
    )


if __name__ == "__main__":
    main()
