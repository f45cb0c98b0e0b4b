"""The facilitator sees whether a nudge was read: on /nudges each sent nudge says so."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import browser_context, unique, watched_page

pytestmark = pytest.mark.browser


def test_the_sender_sees_whether_a_nudge_was_read(person, api_as, open_page):
    facilitator = person("facilitator", "Communications")
    reader = person("member", "Marketing")
    sender = api_as(facilitator)
    message = unique("How is the reel going?")
    nudge = sender.call("POST", "nudges", {"to_user_id": reader.id, "message": message}, 201)
    page = open_page(facilitator, "/nudges")
    receipt = page.locator(f"#nudge-{nudge['id']} .nudge-receipt")
    expect(receipt).to_have_text("Not read yet")
    api_as(reader).call("POST", f"nudges/{nudge['id']}/read", expect=200)
    page.reload()
    expect(receipt).to_have_text("Read")


def test_a_nudge_from_the_task_page_and_the_person_page(person, api_as, open_page):
    facilitator = person("facilitator", "Communications")
    holder = person("member", "Sales")
    task = api_as(holder).create_task(unique("Write the newsletter teaser"))
    api_as(holder).claim(task["id"])
    page = open_page(facilitator, f"/tasks/{task['id']}")
    page.locator("details.nudge > summary").click()
    page.locator('details.nudge button[type="submit"]').click()
    expect(page.locator(".flash-success")).to_be_visible()
    received = api_as(holder).call("GET", "nudges", expect=200)["items"]
    assert [n["task_id"] for n in received] == [task["id"]]

    handle = api_as(holder).user["handle"]
    page.goto(f"/people/{handle}")
    page.locator("details.nudge > summary").click()
    page.locator('details.nudge textarea[name="message"]').fill("Thanks for the teaser!")
    page.locator('details.nudge button[type="submit"]').click()
    expect(page.locator(".flash-success")).to_be_visible()
    messages = [n["message"] for n in api_as(holder).call("GET", "nudges", expect=200)["items"]]
    assert "Thanks for the teaser!" in messages


@pytest.mark.parametrize(
    ("viewport", "locale", "said"),
    [
        ({"width": 1280, "height": 800}, "en-US", "Nudge sent."),
        ({"width": 360, "height": 740}, "de-DE", "Anstoß gesendet."),
    ],
    ids=["desktop-en", "phone-de"],
)
def test_a_nudge_from_the_help_page_is_confirmed_where_it_was_sent(
    own_board, browser, viewport, locale, said
):
    """The help page comes back at the table the nudge was sent from; "Nudge sent." stood
    at the top of the page, out of sight, and the focus was on nothing, as if the button
    had done nothing. The message stands before that table and takes the focus."""
    server = own_board(
        [
            ("lena@example.com", "Lena Brandt", "Communications", "facilitator"),
            ("quiet@example.com", "Quirin Stille", "Logistics", "member"),
        ]
    )
    context = browser_context(
        browser, server.url, server.people["lena@example.com"], viewport=viewport, locale=locale
    )
    try:
        page = watched_page(context)
        page.goto("/help")
        summary = page.locator("#quiet-people details.nudge > summary").first
        summary.focus()
        page.keyboard.press("Enter")
        summary.locator("xpath=..").locator("textarea").focus()
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        message = page.locator(".flash-success", has_text=said)
        expect(message).to_be_focused()
        expect(message).to_be_in_viewport()
        expect(page.locator("#quiet-people-title")).to_be_in_viewport()
        assert page.url.endswith("/help#quiet-people")
        assert page.js_errors == []
    finally:
        context.close()


def test_marking_a_nudge_read_by_keyboard_goes_on_from_that_nudge(person, api_as, open_page):
    """The button goes once the nudge is read: the page came back with the focus on nothing
    and the next Tab started again at the top of the page. A confirmation stands in the
    nudge's place and takes the focus."""
    facilitator = person("facilitator", "Communications")
    reader = person("member", "Marketing")
    sender = api_as(facilitator)
    first = sender.call("POST", "nudges", {"to_user_id": reader.id, "message": unique("A")}, 201)
    sender.call("POST", "nudges", {"to_user_id": reader.id, "message": unique("B")}, 201)
    page = open_page(reader, "/nudges")
    button = page.locator(f"#nudge-{first['id']} button[type=submit]")
    button.focus()
    page.keyboard.press("Enter")
    message = page.locator(f"#nudge-{first['id']} .flash-success", has_text="Marked as read.")
    expect(message).to_be_focused()
    expect(page.locator(f"#nudge-{first['id']} .read")).to_be_visible()
    assert page.js_errors == []
