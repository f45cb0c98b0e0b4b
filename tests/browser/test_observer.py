"""An observer (a department head) follows the board and the feed live and finds no
control that writes: only their own settings (language, log out, private feed URL)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import idea_card, task_card, unique, wait_until_live

pytestmark = pytest.mark.browser

# Forms an observer may submit: their own session and settings, never the board's content.
PERSONAL = ["/logout", "/language", "/feed/token", "/feed/token/revoke"]

WRITING_CONTROLS_JS = """personal => {
  const found = [];
  const describe = (e) => e.outerHTML.replace(/\\s+/g, " ").slice(0, 160);
  for (const form of document.querySelectorAll("form")) {
    const method = (form.getAttribute("method") || "get").toLowerCase();
    const path = new URL(form.action, location.href).pathname;
    if (method !== "get" && !personal.includes(path)) found.push(describe(form));
  }
  const suspicious = "textarea, [contenteditable=''], [contenteditable=true], [data-api],"
    + " button[data-action]:not([data-action=logout])";
  for (const element of document.querySelectorAll(suspicious)) found.push(describe(element));
  return found;
}"""


def writing_controls(page) -> list[str]:
    return page.evaluate(WRITING_CONTROLS_JS, PERSONAL)


def test_observer_sees_board_and_feed_live_without_any_control_that_writes(
    person, open_page, api_as
):
    head = person("observer", "Sales")
    member = api_as(person("member", "Marketing"))
    board = open_page(head, "/")
    feed = open_page(head, "/feed")
    wait_until_live(board)
    expect(feed.locator("main")).to_be_visible()
    assert writing_controls(board) == []
    assert writing_controls(feed) == []

    title = unique("Customer stories on LinkedIn")
    idea = member.post_idea(title)
    task = member.create_task(unique("Interview two customers"), idea_id=idea["id"])
    member.vote(idea["id"])

    # The live changes arrive, and even the cards drawn live carry no controls.
    expect(idea_card(board, idea["id"]).locator('[data-field="votes"]')).to_have_text("1")
    expect(task_card(board, task["id"])).to_be_visible()
    expect(feed.locator("main")).to_contain_text(title)
    assert writing_controls(board) == []
    assert writing_controls(feed) == []
    expect(board.get_by_role("button", name="Claim")).to_have_count(0)
    expect(board.get_by_role("button", name="Post an idea")).to_have_count(0)

    idea_page = open_page(head, f"/ideas/{idea['id']}")
    expect(idea_page.locator("h1")).to_have_text(title)
    assert writing_controls(idea_page) == []
