"""The actions a page stacks keep their distance, and each role's menu fits its role.

On the idea page "Withdraw my idea" sat on "Edit your idea", "Record a publication" on
"Mark my idea done", on a task page "Release" on "Plan", in the inbox "Mark all as read" on
its hint: the rows had no margin at all.
Each stacked row of actions now keeps one gap from the row above it (static/css/board.css,
"a page's actions"), in English and German, on a laptop and on a phone. An observer's menu
leaves out what stays empty for them (My tasks, Nudges, Inbox), and at 1280 px every
role's menu fits on one row.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 800}
LAPTOP = {"width": 1280, "height": 800}
MIN_GAP_PX = 8  # the gap is 0.75rem (12 px); rows that touch are 0 px apart

# The vertical gap between two elements' boxes, and whether they share a row.
GAP_JS = """([upper, lower]) => {
  const a = document.querySelector(upper).getBoundingClientRect();
  const b = document.querySelector(lower).getBoundingClientRect();
  return {gap: b.top - a.bottom, sideways: document.documentElement.scrollWidth
    - document.documentElement.clientWidth};
}"""


def set_language(page, language: str) -> None:
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    answer = page.context.request.patch(
        "/api/v1/me", data={"language": language}, headers={"X-CSRF-Token": csrf}
    )
    assert answer.ok, answer.text()


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["1280", "360"])
def test_stacked_actions_keep_a_gap(open_page, person, api_as, language, viewport):
    author = person("member", "Marketing")
    api = api_as(author)
    idea = api.post_idea(unique("Podcast snippets with mountain guides"))
    task = api.create_task(unique("Cut the first snippet"), idea_id=idea["id"])
    api.claim(task["id"])
    page = open_page(author, f"/ideas/{idea['id']}", viewport=viewport)
    set_language(page, language)
    page.reload()
    pairs = [
        (".withdraw-details > summary", "#edit-idea > summary"),
        ("#new-publication > summary", ".mark-done-form button"),
    ]
    for upper, lower in pairs:
        measured = page.evaluate(GAP_JS, [upper, lower])
        assert measured["gap"] >= MIN_GAP_PX, (upper, lower, measured)
        assert measured["sideways"] == 0
    page.goto(f"/tasks/{task['id']}")
    expect(page.locator('.task-detail [data-action="release"]')).to_be_visible()
    measured = page.evaluate(GAP_JS, [".task-detail .task-actions", "#plan > summary"])
    assert measured["gap"] >= MIN_GAP_PX, measured
    assert measured["sideways"] == 0
    # The inbox's "Mark all as read" sat on the hint under it.
    api_as(person("member", "PR")).call(
        "POST", f"ideas/{idea['id']}/comments", {"body": "Count me in."}, expect=201
    )
    page.goto("/notifications")
    measured = page.evaluate(GAP_JS, ["#mark-all-read", ".inbox-head + .hint"])
    assert measured["gap"] >= MIN_GAP_PX, measured
    assert measured["sideways"] == 0


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_roles_menu_fits_one_row_at_1280(open_page, person, language):
    for role in ("member", "facilitator", "observer"):
        page = open_page(person(role, "Customer Support"), "/", viewport=LAPTOP)
        set_language(page, language)
        page.reload()
        tops = page.locator("#nav-links > li").evaluate_all(
            "items => items.map(item => Math.round(item.getBoundingClientRect().top))"
        )
        assert len(set(tops)) == 1, (role, tops)


def test_an_observers_menu_leaves_out_what_stays_empty_for_them(open_page, person):
    page = open_page(person("observer", "Sales"), "/", viewport=PHONE)
    page.locator(".nav-toggle").focus()
    page.keyboard.press("Enter")  # the folded phone menu, by keyboard
    links = page.locator("#nav-links")
    expect(links.get_by_role("link", name="Feed")).to_be_visible()
    for name in ("My tasks", "Nudges", "Inbox"):
        expect(links.get_by_role("link", name=name)).to_have_count(0)
    page.goto("/calendar")
    expect(page.locator(".cal-head")).not_to_contain_text("pick one up")
