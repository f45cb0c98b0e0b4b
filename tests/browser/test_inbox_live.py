"""The open inbox follows live: a new notice appears on top of it as a reload would show
it, said once to a screen reader without moving the focus; what is read in another tab
(or on the nudges page) is read here too; and a notice that arrived while the page was
offline shows once it is back."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import record_toasts, toasts, unique, wait_until_live, watched_page

pytestmark = pytest.mark.browser

OUTER_HTML = "element => element.outerHTML"


def handle_of(api) -> str:
    return api.call("GET", "/me", expect=200)["user"]["handle"]


def same_markup(html: str) -> str:
    """A group's markup without what differs between two renderings of it: the CSRF
    tokens (signed anew for each), the highlight of what just arrived, and the spaces
    between tags."""
    html = re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token"', html)
    html = re.sub(r"\s*\bjust-changed\b", "", html)
    return re.sub(r">\s+<", "><", html).strip()


def group(page, idea_id: int):
    return page.locator(f'#inbox section.inbox-group[data-group="idea-{idea_id}"]')


def test_a_new_notice_appears_on_top_of_the_open_inbox_as_a_reload_shows_it(
    person, open_page, api_as
):
    reader = person("member", "IT")
    writer = person("member", "Marketing")
    reader_api, writer_api = api_as(reader), api_as(writer)
    older = reader_api.post_idea(unique("Booth reel"))
    writer_api.comment(older["id"], "Nice start.")
    newer = writer_api.post_idea(unique("Trail film"), body=f"@{handle_of(reader_api)} with us?")
    page = open_page(reader, "/notifications")
    wait_until_live(page)
    record_toasts(page)
    groups = page.locator("#inbox section.inbox-group")
    expect(groups.first).to_have_attribute("data-group", f"idea-{newer['id']}")
    # A keyboard user is on the newer idea's "Mark as read" when the notice comes in.
    on_newer = group(page, newer["id"]).get_by_role("button", name="Mark as read")
    on_newer.focus()

    writer_api.comment(older["id"], "Second thought: film it at the fair.")

    expect(groups.first).to_have_attribute("data-group", f"idea-{older['id']}")
    arrived = group(page, older["id"]).locator(".inbox-item").first
    expect(arrived).to_have_class(re.compile(r"\bunread\b"))
    expect(arrived.locator(".inbox-text")).to_have_text(
        f"{writer.name} commented on “{older['title']}”"
    )
    expect(arrived.locator(".inbox-excerpt")).to_have_text("Second thought: film it at the fair.")
    expect(group(page, older["id"]).locator(".inbox-group-title .badge")).to_have_text("2")
    expect(page.locator("#notification-badge [data-field=count]")).to_have_text("3")
    expect(on_newer).to_be_focused()  # the focus stays where the reader was
    expect(page.locator("#inbox-news")).to_have_text(
        f"New notification: {writer.name} commented on “{older['title']}”"
    )
    assert page.locator("#inbox-news").get_attribute("role") == "status"  # polite
    assert not [t for t in toasts(page) if older["title"] in t["text"]]  # said once, not twice

    live = same_markup(groups.first.evaluate(OUTER_HTML))
    page.reload()
    expect(groups.first).to_have_attribute("data-group", f"idea-{older['id']}")
    assert same_markup(groups.first.evaluate(OUTER_HTML)) == live

    # The new notice's own button works like the others.
    page.goto("/notifications")
    wait_until_live(page)
    writer_api.comment(older["id"], "Third: and the shop window.")
    third = group(page, older["id"]).locator(".inbox-item").first
    expect(third.locator(".inbox-excerpt")).to_have_text("Third: and the shop window.")
    third.get_by_role("button", name="Mark as read").click()
    expect(third).to_have_class(re.compile(r"\bread\b"))
    expect(page.locator("#notification-badge [data-field=count]")).to_have_text("3")
    assert page.js_errors == []


def test_what_is_read_in_another_tab_is_read_in_this_one(person, new_context, api_as, board_server):
    reader = person("member", "IT")
    writer = person("member", "Marketing")
    facilitator = person("facilitator", "Communications")
    idea = api_as(reader).post_idea(unique("Booth reel"))
    api_as(writer).comment(idea["id"], "Nice start.")
    nudge = api_as(facilitator).call(
        "POST", "nudges", {"message": "How is the reel going?", "to_user_id": reader.id}, 201
    )
    context = new_context(reader)
    inbox, other_tab = watched_page(context), watched_page(context)
    inbox.goto("/notifications")
    wait_until_live(inbox)
    nudge_item = inbox.locator(".inbox-item", has_text="How is the reel going?")
    expect(nudge_item).to_have_class(re.compile(r"\bunread\b"))
    expect(inbox.locator("#nudge-badge")).to_be_visible()

    other_tab.goto("/nudges")  # read on the nudges page: its notice is read in the inbox
    other_tab.locator(f"#nudge-{nudge['id']}").get_by_role("button", name="Mark as read").click()
    expect(nudge_item).to_have_class(re.compile(r"\bread\b"))
    expect(nudge_item.get_by_role("button", name="Mark as read")).to_have_count(0)
    expect(inbox.locator("#nudge-badge")).to_be_hidden()
    expect(inbox.locator("#notification-badge [data-field=count]")).to_have_text("1")

    other_tab.goto("/notifications")
    other_tab.get_by_role("button", name="Mark all as read").click()
    expect(inbox.locator(".inbox-item.unread")).to_have_count(0)
    expect(inbox.get_by_role("button", name="Mark all as read")).to_be_hidden()
    expect(group(inbox, idea["id"]).locator(".inbox-group-title .badge")).to_be_hidden()
    expect(inbox.locator("#notification-badge")).to_be_hidden()
    assert inbox.js_errors == []


def test_a_notice_that_came_while_the_inbox_was_offline_shows_when_it_is_back(
    person, open_page, api_as
):
    reader = person("member", "IT")
    writer = person("member", "Marketing")
    page = open_page(reader, "/notifications")
    expect(page.locator("#inbox-empty")).to_be_visible()
    wait_until_live(page)
    page.evaluate("() => window.taskForceLive.socket.disconnect()")
    expect(page.locator("body")).to_have_attribute("data-live", "0")
    title = unique("Trail film")
    api_as(writer).post_idea(title, body=f"@{handle_of(api_as(reader))} with us?")
    page.wait_for_timeout(500)  # offline: nothing can arrive
    expect(page.locator(".inbox-item")).to_have_count(0)
    page.evaluate("() => window.taskForceLive.socket.connect()")
    expect(page.locator(".inbox-item.unread")).to_have_text(
        re.compile(f"mentioned you in “{title}”")
    )
    expect(page.locator("#inbox-empty")).to_be_hidden()
    expect(page.get_by_role("button", name="Mark all as read")).to_be_visible()
    expect(page.locator("#notification-badge [data-field=count]")).to_have_text("1")


def test_an_answer_asked_before_a_read_does_not_undo_it(person, open_page, api_as, new_context):
    """The page asks what it missed as it connects; that answer, late, says one notice is
    unread though "Mark all as read" was pressed meanwhile: the badge stays at none."""
    reader = person("member", "IT")
    writer = person("member", "Marketing")
    api_as(writer).post_idea(unique("Trail film"), body=f"@{handle_of(api_as(reader))} with us?")
    context = new_context(reader)
    page = watched_page(context)
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
            return
        held.append((route, route.fetch()))  # what the server said then: one unread

    page.route(re.compile(r"/notifications/updates\?"), hold_the_first)
    page.goto("/notifications")
    wait_until_live(page)
    page.wait_for_timeout(200)
    assert held, "the page asks what it missed when it connects"
    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator(".inbox-item.unread")).to_have_count(0)
    expect(page.locator("#notification-badge")).to_be_hidden()
    route, stale = held[0]
    route.fulfill(response=stale)
    page.wait_for_timeout(1000)  # the late answer arrives, and the page asks again
    expect(page.locator("#notification-badge")).to_be_hidden()
    expect(page.locator(".inbox-item.unread")).to_have_count(0)
    assert page.js_errors == []
