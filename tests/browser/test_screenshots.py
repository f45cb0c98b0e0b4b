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

from tests.browser.helpers import ROOT, VIEWPORT, Api, Person, start_server, wait_until_live

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


def demo_people() -> dict[str, Person]:
    """The README's demo logins: a member, the facilitator and a department head."""
    demo = pytest.importorskip("board.demo")
    if not hasattr(demo, "DEMO_PASSWORD"):
        pytest.skip("the demo data is not written yet")
    logins = {"member": "jonas", "facilitator": "lena", "observer": "petra"}
    return {
        role: Person(f"{key}@{demo.DOMAIN}", key.title(), role, "", 0, demo.DEMO_PASSWORD)
        for role, key in logins.items()
    }


@pytest.fixture(scope="module")
def demo_server(chromium_path, sqlite_template, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("demo-server")
    shutil.copy(sqlite_template, workdir / "board.sqlite3")
    database_url = f"sqlite:///{workdir / 'board.sqlite3'}"
    people = demo_people()
    load_demo(workdir, database_url)
    server = start_server(workdir, database_url)
    server.people = people
    yield server
    server.stop()


@pytest.fixture(scope="module")
def top_idea_id(demo_server) -> int:
    ideas = Api(demo_server, demo_server.people["member"]).call("GET", "ideas?sort=top", expect=200)
    assert ideas["items"], "the demo should have ideas"
    return ideas["items"][0]["id"]


@pytest.mark.parametrize(
    ("name", "role", "path", "viewport"),
    [
        ("board", "member", "/", VIEWPORT),
        ("idea", "member", "/ideas/{top_idea}", VIEWPORT),
        ("feed", "observer", "/feed", VIEWPORT),
        ("help", "facilitator", "/help", VIEWPORT),
        ("login", None, "/login", VIEWPORT),
        ("board-phone", "member", "/", PHONE),
    ],
)
def test_screenshot(browser, demo_server, top_idea_id, tmp_path, name, role, path, viewport):
    context = browser.new_context(
        base_url=demo_server.url,
        viewport=viewport,
        device_scale_factor=1,
        locale="en-US",
        reduced_motion="reduce",
    )
    try:
        if role is not None:
            who = demo_server.people[role]
            answer = context.request.post(
                "/api/v1/auth/login", data={"email": who.email, "password": who.password}
            )
            assert answer.status == 200, answer.text()
        page = context.new_page()
        response = page.goto(path.format(top_idea=top_idea_id))
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        if role is not None:
            wait_until_live(page)
        expect(page.locator("main")).to_be_visible()
        shot = tmp_path / f"{name}.png"
        page.screenshot(path=str(shot), full_page=False)
    finally:
        context.close()
    assert shot.stat().st_size > 10_000, "a screenshot that small is an empty page"
    if os.environ.get("BOARD_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, SCREENSHOTS / shot.name)
