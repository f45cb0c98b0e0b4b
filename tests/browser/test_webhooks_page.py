"""The facilitator connects a chat channel in the browser: the secret is shown once, a
test message reaches a real HTTP receiver, and removing the channel empties the list.

With BOARD_UPDATE_SCREENSHOTS=1 the page after connecting is also written to
docs/screenshots/webhooks.png (the secret in it belongs to a throwaway test channel).
"""

from __future__ import annotations

import json
import os
import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import ROOT, wait_until_live
from tests.test_webhooks import Receiver

pytestmark = pytest.mark.browser


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


def test_the_facilitator_connects_tests_and_removes_a_chat_channel(
    person, open_page, receiver, tmp_path
):
    sam = person("facilitator", "Communications")
    page = open_page(sam, "/")
    page.locator(".user-menu > summary").click()
    page.get_by_role("link", name="Chat channels").click()
    expect(page.get_by_role("heading", name="Chat channels", level=1)).to_be_visible()
    address = receiver.url.replace("/hook", "/services/T0001/B0002/tokenPART4567wxyz")
    page.get_by_label("Slack").check()
    page.get_by_label("Webhook address").fill(address)
    page.get_by_label("Comments", exact=True).check()
    page.get_by_role("button", name="Connect", exact=True).click()
    secret = page.locator("#new-secret")
    expect(secret).to_be_visible()
    expect(secret).to_be_focused()  # Ctrl+A, Ctrl+C copies it
    assert len(secret.input_value()) >= 40
    row = page.locator(".webhook-list tbody tr").first
    expect(row).to_contain_text("Slack")
    expect(row).to_contain_text("signed")
    expect(row).to_contain_text("…wxyz")
    expect(row).not_to_contain_text("tokenPART")
    page.evaluate("() => document.fonts.ready")
    shot = tmp_path / "webhooks.png"
    page.screenshot(path=str(shot), full_page=True)
    assert page.js_errors == []

    row.get_by_role("button", name="Send a test message").click()
    expect(page.locator("main")).to_contain_text("The test message was delivered.")
    expect(page.locator("#new-secret")).to_have_count(0)  # shown once, never again
    [(headers, raw)] = receiver.received
    assert json.loads(raw)["text"].startswith("A test from the task-force board")
    assert headers["X-Board-Signature"].startswith("sha256=")

    page.locator(".webhook-list tbody tr").first.get_by_role("button", name="Remove").click()
    expect(page.locator(".webhook-list")).to_contain_text("No chat channel is connected yet.")
    if os.environ.get("BOARD_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(shot, ROOT / "docs" / "screenshots" / "webhooks.png")


def test_the_page_after_the_form_is_live_too(person, open_page, receiver):
    """The page the form answers with (its errors, or the new secret) starts the live
    layer as every page does: it stood still, saying that live updates need JavaScript."""
    sam = person("facilitator", "Communications")
    page = open_page(sam, "/webhooks")
    page.get_by_label("Webhook address").fill("ftp://chat.example/hook")
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.locator("#webhook-url")).to_have_attribute("aria-invalid", "true")
    wait_until_live(page)
    page.get_by_label("Webhook address").fill(receiver.url)
    page.get_by_role("button", name="Connect", exact=True).click()
    expect(page.locator("#new-secret")).to_be_visible()
    wait_until_live(page)


@pytest.mark.parametrize(
    ("locale", "said"),
    [("en-US", "starting with https://"), ("de-DE", "beginnend mit https://")],
)
def test_a_refused_address_is_said_where_the_keyboard_is(person, open_page, locale, said):
    """On a phone the form is at the foot of a long page: a refused address came back with
    the page at its top, the focus nowhere, and the error below, out of sight, as if
    "Connect" did nothing. The address box takes the focus, in view, marked invalid and
    described by the error."""
    sam = person("facilitator", "Communications")
    page = open_page(sam, "/webhooks", viewport={"width": 360, "height": 740}, locale=locale)
    address = page.locator("#webhook-url")
    address.fill("not-a-link")
    address.press("Enter")
    expect(address).to_be_focused()
    expect(address).to_be_in_viewport()
    expect(address).to_have_attribute("aria-invalid", "true")
    error = page.locator("#webhook-url-error")
    expect(error).to_contain_text(said)
    described = address.get_attribute("aria-describedby").split()
    assert "webhook-url-error" in described and "webhook-url-help" in described
    assert page.js_errors == []
