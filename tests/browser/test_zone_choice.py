"""The time-zone list on My account, with the keyboard only: a German reader finds their
zone by typing the start of its German name, and the board stores its IANA name."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import tab_to

pytestmark = pytest.mark.browser


def type_keys(page, text: str) -> None:
    """Each letter as a key of its own, as a German keyboard types Ä (Playwright's `type`
    pastes letters it has no key for, and a select's type-to-find never sees them)."""
    cdp = page.context.new_cdp_session(page)
    for letter in text:
        cdp.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": letter, "text": letter})
        cdp.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": letter})


@pytest.mark.parametrize(
    ("language", "typed", "shown", "zone"),
    [
        ("de", "deutschland", "Deutschland (Berlin)", "Europe/Berlin"),
        ("de", "ägypten", "Ägypten (Kairo)", "Africa/Cairo"),
        ("en", "egypt", "Egypt (Cairo)", "Africa/Cairo"),
    ],
)
def test_a_zone_is_found_by_typing_its_name(
    person, api_as, open_page, language, typed, shown, zone
):
    member = person("member", "Marketing")
    me = api_as(member)
    me.call("PATCH", "me", {"language": language, "timezone": "Pacific/Auckland"}, expect=200)
    page = open_page(member, "/profile", timezone_id="Pacific/Auckland")
    tab_to(page, "#timezone")
    type_keys(page, typed)  # a closed select jumps to the first name that starts so
    expect(page.locator("#timezone option:checked")).to_have_text(shown)
    expect(page.locator("#timezone")).to_have_value(zone)
    tab_to(page, "#time-zone button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#time-zone .flash, [role=status]").first).to_be_visible()
    assert me.call("GET", "me", expect=200)["user"]["timezone"] == zone
    expect(page.locator("#timezone option:checked")).to_have_text(shown)
    assert page.js_errors == []
