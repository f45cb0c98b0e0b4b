"""The feed in a real browser: an observer's open /feed shows a change someone else makes,
without a reload, with no CSP violation and no serious accessibility problem."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(own_board):
    """An empty board of this test's own: the feed starts with nothing on it."""
    board = own_board(
        [
            ("olga@example.com", "Olga Brandt", "Sales", "observer"),
            ("aylin@example.com", "Aylin Kaya", "Customer Service", "member"),
        ],
        env={"BOARD_TIMEZONE": "Europe/Berlin"},
    )
    return board.url, None


def test_an_open_feed_shows_someone_elses_change_live(server, browser):
    import requests

    base, _playwright = server
    # The suite's one Chromium (tests/conftest.py): the sync API cannot start twice.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and "favicon" not in m.text and "404" not in m.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    login = context.request.post(
        f"{base}/api/v1/auth/login", data={"email": "olga@example.com", "password": PASSWORD}
    )
    assert login.ok
    page.goto(f"{base}/feed")
    page.wait_for_selector('#feed-live[data-state="live"]', timeout=30_000)
    assert page.locator("li.feed-item").count() == 0

    other = requests.Session()
    token = other.post(
        f"{base}/api/v1/auth/login", json={"email": "aylin@example.com", "password": PASSWORD}
    ).json()
    created = other.post(
        f"{base}/api/v1/ideas",
        json={"title": "Live Q&A on Thursdays", "body": ""},
        headers={"X-CSRF-Token": token["csrf_token"]},
    )
    assert created.status_code == 201

    item = page.wait_for_selector("li.feed-item-new", timeout=30_000)
    assert item.inner_text().endswith(
        "Aylin Kaya (Customer Service) posted the idea Live Q&A on Thursdays."
    )
    assert page.locator(".feed-stat-ideas strong").inner_text() == "1"
    assert page.locator("#feed-empty").is_hidden()
    assert page.locator("li.feed-item a").get_attribute("href") == f"/ideas/{created.json()['id']}"

    page.add_script_tag(url="/static/vendor/axe-core/axe.min.js")  # same origin: CSP allows it
    # The feed's own content; the shared page frame has its own checks.
    result = page.evaluate("axe.run(document.querySelector('main'), {resultTypes: ['violations']})")
    serious = [
        (v["id"], [node["target"] for node in v["nodes"]])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert problems == []
    context.close()
