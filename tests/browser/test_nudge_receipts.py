"""The facilitator sees whether a nudge was read: on /nudges each sent nudge says so."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique

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
