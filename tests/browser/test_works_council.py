"""The observer's feed in works-council mode (BOARD_OBSERVERS_SEE_NAMES=0), in a real
browser on the demo board: no name anywhere on the page, people shown as their
department (the demo's small departments pooled), a colleague's comment arriving live
without a name, in English on the English demo and in German on the German one; and the
observer's people page, which lists departments and no one in them.

With BOARD_UPDATE_SCREENSHOTS=1 the pictures go to docs/screenshots/ (feed-works-council.png,
people-works-council.png and their -de.png); otherwise to the test's temporary folder.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from board import demo_story
from tests.browser.helpers import Api, screenshot, wait_until_live
from tests.browser.test_screenshots import LIVE_COMMENT, demo_context, serve_demo

pytestmark = pytest.mark.browser

NAMES = [full for _key, full, _dept, _role in demo_story.PEOPLE if _key != "petra"]
FIRST_NAMES = [full.split()[0] for full in NAMES]


def council_server(tmp_path_factory, sqlite_template, language: str):
    """The demo on a board whose observers see departments without people."""
    return serve_demo(
        tmp_path_factory, sqlite_template, language, env={"BOARD_OBSERVERS_SEE_NAMES": "0"}
    )


@pytest.fixture(scope="module")
def council_server_en(chromium_path, sqlite_template, tmp_path_factory):
    server = council_server(tmp_path_factory, sqlite_template, "en")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def council_server_de(chromium_path, sqlite_template, tmp_path_factory):
    server = council_server(tmp_path_factory, sqlite_template, "de")
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("locale", "someone", "pooled", "name"),
    [
        (
            "en-US",
            "Someone from Marketing",
            "Someone from another department",
            "feed-works-council",
        ),
        (
            "de-DE",
            "Jemand aus Marketing",
            "Jemand aus einer anderen Abteilung",
            "feed-works-council-de",
        ),
    ],
)
def test_the_observers_feed_shows_departments_not_people(
    request, browser, tmp_path, locale, someone, pooled, name
):
    council_server, context = petras_context(request, browser, locale)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        assert page.goto("/feed").ok
        wait_until_live(page)
        days = page.locator("#feed-days")
        expect(days).to_contain_text(someone)
        expect(days).to_contain_text(pooled)
        # A colleague from a small department comments while Petra watches.
        priya = Api(council_server, council_server.people["priya"])
        idea = priya.call("GET", "ideas?sort=new", expect=200)["items"][0]
        priya.comment(idea["id"], LIVE_COMMENT[locale.startswith("de")])
        expect(days.locator(".feed-day").first).to_contain_text(idea["title"])
        text = page.locator("body").inner_text()
        leaked = [n for n in NAMES + FIRST_NAMES if n in text]
        assert leaked == [], leaked
        page.evaluate(
            "() => { const line = document.querySelector('.feed-status');"
            " window.scrollTo(0, line.getBoundingClientRect().top + window.scrollY - 300); }"
        )
        screenshot(page, tmp_path, name, smallest=10_000)
        assert errors == [], errors
    finally:
        context.close()


@pytest.mark.parametrize(
    ("locale", "sentence", "department", "name"),
    [
        ("en-US", "by department, not by person", "other departments", "people-works-council"),
        ("de-DE", "nach Abteilungen", "andere Abteilungen", "people-works-council-de"),
    ],
)
def test_the_observers_people_page_lists_departments_not_people(
    request, browser, tmp_path, locale, sentence, department, name
):
    council_server, context = petras_context(request, browser, locale)
    try:
        page = context.new_page()
        assert page.goto("/people").ok
        main = page.locator("main")
        expect(main).to_contain_text(sentence)
        expect(page.locator(".people-departments")).to_contain_text(department)
        expect(page.locator(".people-row")).to_have_count(0)
        text = main.inner_text()
        assert [n for n in NAMES + FIRST_NAMES if n in text] == []
        assert "@" not in text
        screenshot(page, tmp_path, name, smallest=10_000)
    finally:
        context.close()


def petras_context(request, browser, locale: str):
    """The works-council demo in `locale`'s language, and a browser context on it logged
    in as Petra, the demo's observer."""
    language = "de" if locale.startswith("de") else "en"
    server = request.getfixturevalue(f"council_server_{language}")
    context = demo_context(browser, server, server.people["petra"], locale=locale)
    # The page follows Petra's own language setting, which the demo sets; set it anyway.
    csrf = context.request.get("/api/v1/me").json()["csrf_token"]
    context.request.patch("/api/v1/me", data={"language": language}, headers={"X-CSRF-Token": csrf})
    return server, context
