"""The pages in a real browser against a real server process: changes someone else makes
arrive live without a reload, voting and claiming work without reloads, a dropped
connection catches up with no gaps or duplicates, and the pages pass axe-core."""

from __future__ import annotations

import pytest

from tests.browser.helpers import ROOT
from tests.browser.helpers import Api as PersonApi
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PEOPLE = [
    ("ana@example.com", "Ana Lopes", "Marketing", "member"),
    ("ivo@example.com", "Ivo Horvat", "IT", "member"),
    ("sam@example.com", "Sam Facil", "Marketing", "facilitator"),
    ("olga@example.com", "Olga Obs", "Sales", "observer"),
]


@pytest.fixture(scope="module")
def board(own_board):
    """A real `python app.py` of this module's own, on SQLite with four people."""
    return own_board(PEOPLE)


@pytest.fixture(scope="module")
def server(board) -> str:
    return board.url


@pytest.fixture(scope="module")
def chromium(board, browser):
    """The suite's one Chromium (tests/conftest.py): the sync API cannot start twice."""
    return browser


class Api(PersonApi):
    """Another person acting through the JSON API; every call must succeed."""

    def call(self, method: str, path: str, json=None) -> dict:
        answer = self.http.request(method, self.base + path.lstrip("/"), json=json, timeout=10)
        assert answer.status_code < 300, answer.text
        return answer.json()


@pytest.fixture
def api(board):
    """api(email): that person's JSON API client."""
    return lambda email: Api(board, board.people[email])


@pytest.fixture
def open_page(server, chromium):
    """open_page(email, path, **context) → a logged-in page whose script errors fail the test."""
    contexts, errors = [], []

    def open_(email: str, path: str = "/", **options):
        context = chromium.new_context(
            viewport=options.pop("viewport", {"width": 1280, "height": 900}), **options
        )
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda msg: (
                errors.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )
        page.goto(f"{server}/login?next={path}")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{server}{path}")
        page.wait_for_selector(
            "#connection-status[data-state=live], #connection-status[data-state=caught-up]"
        )
        return page

    yield open_
    for context in contexts:
        context.close()
    assert errors == []


def test_someone_elses_changes_arrive_without_a_reload(server, api, open_page):
    from playwright.sync_api import expect

    ivo = api("ivo@example.com")
    idea = ivo.call(
        "POST", "/ideas", {"title": "Booth reel", "body": "Short *clips*", "tags": ["tiktok"]}
    )
    page = open_page("ana@example.com", "/?sort=new")
    card = page.locator(f'.idea-card[data-idea-id="{idea["id"]}"]')
    expect(card.locator(".votes")).to_have_text("0")

    newer = ivo.call("POST", "/ideas", {"title": "<b>Live</b> idea", "body": "", "tags": []})
    fresh = page.locator("#idea-list > .idea-card").first
    expect(fresh).to_have_attribute("data-idea-id", str(newer["id"]))  # newest first under "new"
    expect(fresh.locator("[data-field=title]")).to_have_text("<b>Live</b> idea")  # text, not markup
    assert page.locator("#idea-list b").count() == 0
    expect(page.locator("#idea-count")).to_have_text("2")

    ivo.call("PUT", f"/ideas/{idea['id']}/vote")
    expect(card.locator(".votes")).to_have_text("1")
    expect(card.locator(".departments")).to_have_text("backed by 1 department")

    task = ivo.call("POST", "/tasks", {"title": "Film it", "idea_id": idea["id"]})
    expect(page.locator(f'#tasks-open [data-task-id="{task["id"]}"]')).to_be_visible()
    ivo.call("POST", f"/tasks/{task['id']}/claim")
    moved = page.locator(f'#tasks-claimed [data-task-id="{task["id"]}"]')
    expect(moved).to_contain_text("Ivo Horvat")
    assert page.locator(f'[data-task-id="{task["id"]}"].task-card').count() == 1
    expect(card.locator("[data-field=status]")).to_have_text("In progress")
    expect(moved.locator("button[data-action=claim]")).to_have_count(0)  # it is Ivo's
    ivo.call("POST", f"/tasks/{task['id']}/complete")
    expect(page.locator(f'#tasks-done [data-task-id="{task["id"]}"]')).to_be_visible()
    # all tasks done is not the idea done: that takes a publication or its author's word
    expect(card.locator("[data-field=status]")).to_have_text("In progress")
    ivo.call("PUT", f"/ideas/{idea['id']}/done")
    expect(card.locator("[data-field=status]")).to_have_text("Done")


def test_voting_and_claiming_need_no_reload(server, api, open_page):
    from playwright.sync_api import expect

    sam = api("sam@example.com")
    idea = sam.call("POST", "/ideas", {"title": "Retailer spotlight", "body": "", "tags": []})
    task = sam.call("POST", "/tasks", {"title": "Ask five retailers", "idea_id": idea["id"]})
    ana = open_page("ana@example.com")
    watcher = open_page("olga@example.com")
    ana.evaluate("window.name = 'same page'")  # a reload would reset this

    ana.click(f'.idea-card[data-idea-id="{idea["id"]}"] button[data-action=vote]')
    expect(
        ana.locator(f'.idea-card[data-idea-id="{idea["id"]}"] button[data-action=unvote]')
    ).to_be_visible()
    expect(watcher.locator(f'.idea-card[data-idea-id="{idea["id"]}"] .votes')).to_have_text("1")

    ana.click(f'#tasks-open [data-task-id="{task["id"]}"] button[data-action=claim]')
    expect(
        ana.locator(f'#tasks-claimed [data-task-id="{task["id"]}"] button[data-action=complete]')
    ).to_be_visible()
    expect(watcher.locator(f'#tasks-claimed [data-task-id="{task["id"]}"]')).to_contain_text(
        "Ana Lopes"
    )
    assert ana.evaluate("window.name") == "same page"
    # the observer sees the board change but has no control to change it
    assert watcher.locator("button[data-action=vote], button[data-action=claim]").count() == 0


def test_a_refused_claim_is_explained_in_a_toast(server, api, open_page):
    from playwright.sync_api import expect

    sam = api("sam@example.com")
    task = sam.call("POST", "/tasks", {"title": "Write captions"})
    page = open_page("ana@example.com")
    button = page.locator(f'#tasks-open [data-task-id="{task["id"]}"] button[data-action=claim]')
    expect(button).to_be_visible()
    # Someone is quicker, and this page has not heard of it yet.
    page.evaluate("window.taskForceLive.socket.disconnect()")
    api("ivo@example.com").call("POST", f"/tasks/{task['id']}/claim")
    button.click()
    expect(page.locator("#toasts .toast-error")).to_contain_text(
        "Someone else has already claimed this task."
    )


def test_a_dropped_connection_catches_up_in_order_without_duplicates(server, api, open_page):
    from playwright.sync_api import expect

    ivo = api("ivo@example.com")
    idea = ivo.call("POST", "/ideas", {"title": "Podcast snippets", "body": "", "tags": []})
    page = open_page("ana@example.com", f"/ideas/{idea['id']}")
    page.context.set_offline(True)
    page.evaluate("window.taskForceLive.socket.io.engine.close()")
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#connection-status")).to_contain_text("Reconnecting")

    for n in range(3):
        ivo.call("POST", f"/ideas/{idea['id']}/comments", {"body": f"Missed comment {n}"})
    ivo.call("PUT", f"/ideas/{idea['id']}/vote")
    ivo.call("PATCH", f"/ideas/{idea['id']}", {"title": "Podcast snippets, 60 seconds"})
    page.context.set_offline(False)

    status = page.locator("#connection-status")
    expect(status).to_have_attribute("data-state", "caught-up", timeout=20_000)
    expect(status).to_contain_text("Caught up: 5 changes")
    comments = page.locator("#comment-list > .comment")
    expect(comments).to_have_count(3)
    expect(comments.first.locator(".comment-body")).to_have_text("Missed comment 0")
    expect(page.locator(".idea-detail h1")).to_have_text("Podcast snippets, 60 seconds")
    expect(page.locator(".support-card .votes")).to_have_text("1")
    # live again afterwards, and a replayed envelope changes nothing
    ivo.call("POST", f"/ideas/{idea['id']}/comments", {"body": "Live again"})
    expect(comments).to_have_count(4)
    page.evaluate("""async () => {
        const live = window.taskForceLive;
        const page = await (await fetch('/api/v1/events?after=0&limit=1000')).json();
        for (const envelope of page.items) live.receive(envelope);
    }""")
    expect(comments).to_have_count(4)
    expect(page.locator("#comment-count")).to_have_text("4")


def test_the_pages_fit_a_phone_and_pass_axe(server, api, chromium):
    """No serious or critical axe-core finding, and nothing wider than a phone's screen."""
    axe = (ROOT / "static" / "vendor" / "axe-core" / "axe.min.js").read_text()
    sam = api("sam@example.com")
    idea = sam.call(
        "POST",
        "/ideas",
        {
            "title": "Accessibility pass",
            "body": "- alt text\n- captions",
            "tags": ["accessibility"],
        },
    )
    task = sam.call("POST", "/tasks", {"title": "Write the checklist", "idea_id": idea["id"]})
    sam.call("POST", f"/ideas/{idea['id']}/comments", {"body": "Good one", "mentor_note": True})
    # axe is injected as a script, which the page's CSP rightly forbids: bypass it for the audit
    context = chromium.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    try:
        for path in ("/login", "/register"):
            check_page(page, f"{server}{path}", axe)
        page.goto(f"{server}/login")
        page.fill("#email", "ana@example.com")
        page.fill("#password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{server}/")
        for path in ("/", f"/ideas/{idea['id']}", f"/tasks/{task['id']}", "/my-tasks"):
            check_page(page, f"{server}{path}", axe)
    finally:
        context.close()


def check_page(page, url: str, axe: str) -> None:
    page.goto(url)
    page.add_script_tag(content=axe)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], url
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, url


def test_the_chosen_tab_stands_out_from_the_others(server, open_page):
    """The board's sort (a tab of the same page) and the task pages' columns (a tab per
    page) both show which one is chosen, not only to a screen reader."""

    def looks(page, selector: str) -> list[tuple[str, str]]:
        return page.eval_on_selector_all(
            selector,
            "tabs => tabs.map(tab => [tab.getAttribute('aria-current') || '',"
            " getComputedStyle(tab).backgroundColor])",
        )

    for path, selector in (("/", "#ideas .sort-tab"), ("/tasks?status=claimed", ".sort-tab")):
        tabs = looks(open_page("ana@example.com", path), selector)
        chosen = {background for current, background in tabs if current}
        others = {background for current, background in tabs if not current}
        assert len(chosen) == 1 and others and not chosen & others, (path, tabs)
