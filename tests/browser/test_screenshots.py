"""Screenshots for the README's tour, taken from the demo data by the real product.

They are always taken (so the pages are at least rendered from the demo task force on
every run) into a temporary folder; with BOARD_UPDATE_SCREENSHOTS=1 they are copied to
docs/screenshots/, so that ordinary and CI runs never dirty the working tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.helpers import (
    PASSWORD,
    ROOT,
    VIEWPORT,
    Person,
    start_server,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}


def load_demo(workdir, database_url: str) -> None:
    """`flask --app app demo`, exactly as `make run` loads it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOARD_")}
    env.update(
        BOARD_DATABASE_URL=database_url,
        BOARD_INSTANCE_PATH=str(workdir / "instance"),
        BOARD_SECRET_KEY="browser-test-secret",
    )
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "demo"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def demo_people(database_url: str) -> dict[str, Person]:
    """The first demo person of each role, with a password the test knows.

    The demo's own password is the README's business; the screenshots only need someone of
    each role, so the test database copy gets a known one.
    """
    from board.db import Database
    from board.people import hash_password
    from models import User

    database = Database(database_url)
    found: dict[str, Person] = {}
    try:
        with database.Session() as session:
            for user in session.scalars(select(User).order_by(User.id)):
                if user.role in found or not user.active:
                    continue
                user.password_hash = hash_password(PASSWORD)
                found[user.role] = Person(
                    user.email, user.display_name, user.role, user.department.name, user.id
                )
            session.commit()
    finally:
        database.dispose()
    return found


@pytest.fixture(scope="module")
def demo_server(chromium_path, sqlite_template, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("demo-server")
    shutil.copy(sqlite_template, workdir / "board.sqlite3")
    database_url = f"sqlite:///{workdir / 'board.sqlite3'}"
    load_demo(workdir, database_url)
    people = demo_people(database_url)
    if set(people) != {"member", "facilitator", "observer"}:
        pytest.skip(f"the demo data has no person of every role yet (found {sorted(people)})")
    server = start_server(workdir, database_url)
    server.people = people
    yield server
    server.stop()


def test_screenshots_of_the_main_pages(browser, demo_server, tmp_path):
    from tests.browser.helpers import Api

    member, facilitator, observer = (
        demo_server.people[r] for r in ("member", "facilitator", "observer")
    )
    ideas = Api(demo_server, member).call("GET", "ideas?sort=top", expect=200)["items"]
    assert ideas, "the demo should have ideas"
    shots = [
        ("board.png", member, "/", VIEWPORT),
        ("idea.png", member, f"/ideas/{ideas[0]['id']}", VIEWPORT),
        ("feed.png", observer, "/feed", VIEWPORT),
        ("help.png", facilitator, "/help", VIEWPORT),
        ("login.png", None, "/login", VIEWPORT),
        ("board-phone.png", member, "/", PHONE),
    ]
    for name, who, path, viewport in shots:
        context = browser.new_context(
            base_url=demo_server.url,
            viewport=viewport,
            device_scale_factor=1,
            reduced_motion="reduce",
        )
        try:
            if who is not None:
                answer = context.request.post(
                    "/api/v1/auth/login", data={"email": who.email, "password": PASSWORD}
                )
                assert answer.status == 200, answer.text()
            page = context.new_page()
            response = page.goto(path)
            assert response is not None and response.ok, f"{path}: {response and response.status}"
            expect(page.locator("main")).to_be_visible()
            page.screenshot(path=str(tmp_path / name), full_page=False)
        finally:
            context.close()
    if os.environ.get("BOARD_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name, *_ in shots:
            shutil.copy(tmp_path / name, SCREENSHOTS / name)
