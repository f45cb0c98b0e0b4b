"""Times in each person's own zone and language formats, on loaded pages and on items that
arrive live; the browser's zone is stored on the first page a person opens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_time
from playwright.sync_api import expect

from tests.browser.helpers import poll_until, unique, wait_until_live

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 800}


def full_time(moment: datetime, zone: str, language: str) -> str:
    """What the server's `when` filter and ui.js fullTime write ("Oct 21, 2026, 9:05 AM")."""
    local = moment.astimezone(ZoneInfo(zone))
    text = f"{format_date(local, 'medium', locale=language)}, "
    return (text + format_time(local, "short", locale=language)).replace("\u202f", " ")


@pytest.mark.parametrize(
    ("zone", "viewport"),
    [("America/New_York", PHONE), ("Europe/Berlin", DESKTOP)],
    ids=["new-york-phone", "berlin-desktop"],
)
def test_the_browsers_zone_is_stored_on_the_first_page(person, api_as, open_page, zone, viewport):
    member = person("member", "IT")
    me = api_as(member)
    assert me.call("GET", "me", expect=200)["user"]["timezone"] is None
    page = open_page(member, "/", timezone_id=zone, viewport=viewport)
    poll_until(
        page,
        lambda: me.call("GET", "me", expect=200)["user"]["timezone"] == zone,
        f"the board stored {zone}",
    )
    page.goto("/profile")
    expect(page.locator("#timezone")).to_have_value(zone)
    assert page.evaluate("document.body.dataset.timezone") == zone
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    assert page.js_errors == []


def test_the_first_page_after_logging_in_is_already_in_the_browsers_zone(person, new_context):
    member = person("member", "IT")
    page = new_context(timezone_id="America/Los_Angeles").new_page()
    page.goto("/login")
    page.get_by_label("Email").fill(member.email)
    page.get_by_label("Password").fill(member.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("body")).to_have_attribute("data-page", "board")
    # rendered by the server in the zone the login form brought, not the board's
    assert page.evaluate("document.body.dataset.timezone") == "America/Los_Angeles"
    assert page.evaluate("document.body.dataset.timezoneUnset") is None


def test_a_chosen_zone_is_not_overwritten_by_the_browser(person, api_as, open_page):
    member = person("member", "IT")
    me = api_as(member)
    me.call("PATCH", "me", {"timezone": "Asia/Tokyo"}, expect=200)
    page = open_page(member, "/", timezone_id="Europe/Berlin")
    wait_until_live(page)
    page.goto("/profile")
    expect(page.locator("#timezone")).to_have_value("Asia/Tokyo")
    assert me.call("GET", "me", expect=200)["user"]["timezone"] == "Asia/Tokyo"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_new_york_and_berlin_see_the_same_deadline_at_their_own_times(
    person, api_as, open_page, viewport
):
    readers = {
        ("America/New_York", "en"): person("member", "Marketing"),
        ("Europe/Berlin", "de"): person("member", "IT"),
    }
    pages = {}
    for (zone, language), reader in readers.items():
        api_as(reader).call("PATCH", "me", {"timezone": zone, "language": language}, expect=200)
        # The computer is elsewhere: what counts is the person's zone, not the machine's.
        page = open_page(reader, "/", timezone_id="Asia/Tokyo", viewport=viewport)
        wait_until_live(page)
        pages[zone, language] = page

    deadline = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
    challenge = api_as(person("facilitator", "Communications")).call(
        "POST",
        "prompts",
        {
            "kind": "challenge",
            "title": unique("Sunrise on the ridge"),
            "body": "Best sunrise photo from a trail.",
            "submissions_close_at": deadline.isoformat(),
            "voting_close_at": (deadline + timedelta(days=2)).isoformat(),
        },
        expect=201,
    )
    shown = {}
    for (zone, language), page in pages.items():
        expected = full_time(deadline, zone, language)
        # Live: the card that just arrived carries the exact deadline in its tooltip.
        phase = page.locator(
            f'.strip-card[data-prompt-id="{challenge["id"]}"] [data-field="phase"]'
        )
        expect(phase).to_have_attribute("title", expected)
        # Loaded: the challenge's page says the same.
        page.goto(f"/prompts/{challenge['id']}")
        expect(page.locator(".deadline")).to_contain_text(expected)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert page.js_errors == []
        shown[zone] = expected
    assert shown["America/New_York"] != shown["Europe/Berlin"]
    assert "AM" in shown["America/New_York"] or "PM" in shown["America/New_York"]
    assert "." in shown["Europe/Berlin"].split(",")[0]  # "24.12.2026", German order
