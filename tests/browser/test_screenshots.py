"""Screenshots for the README and docs/tour.md, taken from the demo data by the real product.

They are taken on request, so that ordinary and CI runs stay fast and never dirty the
working tree (the demo pages themselves are tested in tests/test_demo.py):

    BOARD_UPDATE_SCREENSHOTS=1 .venv/bin/pytest -q tests/browser/test_screenshots.py

Each is written to the test's temporary folder first and copied to docs/screenshots/ only
once the page loaded, went live and ran without a script error. The German pictures (a
de-DE browser, `-de.png`) are taken on a board of their own that holds the German demo
(`flask --app app demo --language de`): German ideas, comments and departments under the
German interface, as a German reader of the README would see it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    ROOT,
    STILL,
    UPDATE_SCREENSHOTS,
    VIEWPORT,
    Api,
    Person,
    browser_context,
    screenshot,
    start_server,
    wait_until_live,
    watched_page,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not UPDATE_SCREENSHOTS, reason="BOARD_UPDATE_SCREENSHOTS=1 refreshes docs/screenshots"
    ),
]

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 360, "height": 780}


def load_demo(workdir, database_url: str, language: str = "en") -> None:
    """`flask --app app demo --language …`, exactly as `make run` loads it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOARD_")}
    env.update(
        BOARD_DATABASE_URL=database_url,
        BOARD_INSTANCE_PATH=str(workdir / "instance"),
        BOARD_SECRET_KEY="browser-test-secret",
    )
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "demo", "--language", language],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def demo_people() -> dict[str, Person]:
    """The README's demo logins (board/demo.py tells the story and the password)."""
    from board import demo

    return {
        key: Person(f"{key}@{demo.DOMAIN}", key.title(), role, "", 0, demo.DEMO_PASSWORD)
        for key, role in [
            ("jonas", "member"),
            ("priya", "member"),
            ("lena", "facilitator"),
            ("petra", "observer"),
        ]
    }


def serve_demo(tmp_path_factory, sqlite_template, language: str, env: dict | None = None):
    """A board of its own holding the demo in `language` (the German demo sets everyone's
    language to German, so its pages are German whatever the browser asks for), served
    with `env` added to its environment."""
    workdir = tmp_path_factory.mktemp(f"demo-server-{language}")
    shutil.copy(sqlite_template, workdir / "board.sqlite3")
    database_url = f"sqlite:///{workdir / 'board.sqlite3'}"
    load_demo(workdir, database_url, language)
    server = start_server(workdir, database_url, env=env)
    server.people = demo_people()
    return server


@pytest.fixture(scope="module")
def demo_server(chromium_path, sqlite_template, tmp_path_factory):
    server = serve_demo(tmp_path_factory, sqlite_template, "en")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def demo_server_de(chromium_path, sqlite_template, tmp_path_factory):
    server = serve_demo(tmp_path_factory, sqlite_template, "de")
    yield server
    server.stop()


def showcase_idea(server) -> int:
    """The most-voted idea that has a mentor note: it shows the most on one page."""
    api = Api(server, server.people["jonas"])
    ideas = api.call("GET", "ideas?sort=top", expect=200)["items"]
    assert ideas, "the demo should have ideas"
    for idea in ideas:
        comments = api.call("GET", f"ideas/{idea['id']}/comments", expect=200)
        if any(comment["is_mentor_note"] for comment in comments):
            return idea["id"]
    return ideas[0]["id"]


# name, who (None: a stranger), path, viewport, browser language
SHOTS = [
    ("board", "jonas", "/", VIEWPORT, "en-US"),
    ("board-facilitator", "lena", "/", VIEWPORT, "en-US"),
    ("board-observer-de", "petra", "/", VIEWPORT, "de-DE"),
    ("board-phone", "jonas", "/", PHONE, "en-US"),
    ("board-de", "jonas", "/", VIEWPORT, "de-DE"),
    ("board-phone-de", "jonas", "/", SMALL_PHONE, "de-DE"),
    ("board-phone-menu-de", "lena", "/", SMALL_PHONE, "de-DE"),
    ("board-challenge", "priya", "/#ideas", VIEWPORT, "en-US"),
    ("idea", "jonas", "/ideas/{idea}", VIEWPORT, "en-US"),
    ("idea-member-phone", "jonas", "/ideas/{idea}#comments", PHONE, "en-US"),
    ("my-tasks-phone", "priya", "/my-tasks", PHONE, "en-US"),
    ("feed", "petra", "/feed", VIEWPORT, "en-US"),
    ("help", "lena", "/help", VIEWPORT, "en-US"),
    ("help-phone", "lena", "/help#stale", SMALL_PHONE, "en-US"),
    ("help-phone-de", "lena", "/help#quiet-people", SMALL_PHONE, "de-DE"),
    ("idea-form-error-de", "jonas", "/", SMALL_PHONE, "de-DE"),
    ("login", None, "/login", VIEWPORT, "en-US"),
    ("calendar-month", "jonas", "/calendar", VIEWPORT, "en-US"),
    ("calendar-month-de", "priya", "/calendar", VIEWPORT, "de-DE"),
    ("calendar-phone", "jonas", "/calendar", SMALL_PHONE, "en-US"),
    # next week: the demo plans its posts ahead, and on a Sunday this week is over
    ("calendar-phone-de", "priya", "/calendar?view=week&date={next_week}", SMALL_PHONE, "de-DE"),
    ("profile", "jonas", "/profile#time-zone", VIEWPORT, "en-US"),
    ("profile-de", "priya", "/profile#time-zone", VIEWPORT, "de-DE"),
    ("profile-phone", "jonas", "/profile#time-zone", SMALL_PHONE, "en-US"),
    ("profile-phone-de", "priya", "/profile#time-zone", SMALL_PHONE, "de-DE"),
    ("prompts-facilitator", "lena", "/prompts", VIEWPORT, "en-US"),
    ("prompts-phone-de", "lena", "/prompts", SMALL_PHONE, "de-DE"),
    ("inbox", "jonas", "/notifications", VIEWPORT, "en-US"),
    ("inbox-phone-de", "priya", "/notifications", SMALL_PHONE, "de-DE"),
    ("people-de", "jonas", "/people", VIEWPORT, "de-DE"),
    ("people-phone-de", "jonas", "/people", SMALL_PHONE, "de-DE"),
    # last: they post a challenge, which the shots above should not show
    ("board-live-challenge", "jonas", "/", VIEWPORT, "en-US"),
    ("board-live-challenge-phone-de", "priya", "/", SMALL_PHONE, "de-DE"),
]


@pytest.mark.parametrize(
    ("name", "who", "path", "viewport", "locale"), SHOTS, ids=[shot[0] for shot in SHOTS]
)
def test_screenshot(request, browser, tmp_path, name, who, path, viewport, locale):
    german = locale.startswith("de")
    demo_server = request.getfixturevalue("demo_server_de" if german else "demo_server")
    if "{idea}" in path:
        path = path.format(idea=showcase_idea(demo_server))
    path = path.format(next_week=(datetime.now(UTC) + timedelta(days=7)).date().isoformat())
    person = demo_server.people[who] if who is not None else None
    context = demo_context(browser, demo_server, person, viewport=viewport, locale=locale)
    try:
        page = watched_page(context)
        response = page.goto(path)
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        if who is not None:
            wait_until_live(page)
        if name.startswith("feed"):
            show_a_live_event(page, demo_server, german)
        if name.endswith("-menu-de"):  # the folded phone menu, opened
            page.locator(".nav-toggle").click()
        if name.startswith("idea-form-error"):  # a refused tag: the form comes back as typed
            show_a_refused_form(page)
        if name.startswith("board-live-challenge"):
            show_a_live_challenge(page, demo_server, name)
        if name.startswith("calendar-phone"):  # the days, not only the filters above them
            page.evaluate(
                "() => window.scrollTo(0, document.getElementById('cal-summary')"
                ".getBoundingClientRect().top + window.scrollY - 8)"
            )
        expect(page.locator("main")).to_be_visible()
        assert page.js_errors == [], f"script errors on {path}: {page.js_errors}"
        screenshot(page, tmp_path, name, smallest=10_000)
    finally:
        context.close()


def demo_context(browser, server, person: Person | None, *, viewport=VIEWPORT, locale="en-US"):
    """A browser context on a demo board as Nordkamm's people see it, logged in as `person`
    (None: a stranger)."""
    # Nordkamm is in Freiburg: the first page stores this zone for the person
    options = {"viewport": viewport, "locale": locale, "timezone_id": "Europe/Berlin", **STILL}
    return browser_context(browser, server.url, person, **options)


def show_a_refused_form(page) -> None:
    page.locator("#new-idea > summary").click()
    page.locator('#new-idea input[name="title"]').fill("Quiz-Abend auf Instagram")
    page.locator('#new-idea textarea[name="body"]').fill("Jeden Donnerstag drei Fragen.")
    page.locator('#new-idea input[name="tags"]').fill("instagram, quiz!?, Q&A")
    page.locator('#new-idea button[type="submit"]').click()
    expect(page.locator("#idea-tags-error")).to_be_visible()
    page.evaluate(
        "() => window.scrollTo(0, document.getElementById('new-idea')"
        ".getBoundingClientRect().top + window.scrollY - 8)"
    )


def show_a_live_challenge(page, server, name: str) -> None:
    """Lena posts a challenge while the board is open: its card arrives with deadline and rules."""
    now = datetime.now(UTC)
    title, body = {
        "board-live-challenge": (
            "Best trail photo of the winter",
            "Two votes each; the tallies stay hidden until it closes.",
        ),
        "board-live-challenge-phone-de": (
            "Das beste Trailfoto des Winters",
            "Zwei Stimmen für jede und jeden; die Stimmenzahlen bleiben bis zum Schluss verborgen.",
        ),
    }[name]
    challenge = Api(server, server.people["lena"]).call(
        "POST",
        "prompts",
        {
            "kind": "challenge",
            "title": title,
            "body": body,
            "submissions_close_at": (now + timedelta(days=5, hours=1)).isoformat(),
            "voting_close_at": (now + timedelta(days=9)).isoformat(),
            "hide_tallies": True,
            "votes_per_person": 2,
        },
        expect=201,
    )
    card = page.locator(f'.strip-card[data-prompt-id="{challenge["id"]}"]')
    expect(card.locator('[data-field="rules"]')).not_to_be_empty()
    page.evaluate("() => window.scrollTo(0, 0)")


LIVE_COMMENT = {
    False: "I can film the unboxing at the Freiburg store on Saturday.",
    True: "Ich kann am Samstag das Auspacken im Freiburger Laden filmen.",
}


def show_a_live_event(page, server, german: bool = False) -> None:
    """The feed as an observer sees it: a colleague's comment arrives while they watch."""
    api = Api(server, server.people["priya"])
    idea = api.call("GET", "ideas?sort=new", expect=200)["items"][0]
    text = LIVE_COMMENT[german]
    api.comment(idea["id"], text)
    expect(page.locator("#feed-days")).to_contain_text(idea["title"])
    expect(page.locator("#feed-days .feed-day").first).to_contain_text("Priya")
    # Scroll the live status line and the newest items up into the picture.
    page.evaluate(
        "() => { const line = document.querySelector('.feed-status');"
        " window.scrollTo(0, line.getBoundingClientRect().top + window.scrollY - 300); }"
    )
