"""The date and time inputs offer only what the server takes (min/max from the server), in
the zone the form reads times in, also before the person's zone is stored."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def validity(field, value: str) -> dict:
    field.fill(value)
    return field.evaluate(
        "input => ({over: input.validity.rangeOverflow, under: input.validity.rangeUnderflow})"
    )


@pytest.mark.parametrize("zone", ["Pacific/Auckland", "America/Los_Angeles"])
def test_close_times_are_bounded_in_the_browsers_zone_before_it_is_stored(person, open_page, zone):
    """The server does not know this browser's zone yet (its first page): it sends the
    bounds as instants too, and prompts.js writes them in the browser's zone, the one
    the form's times are then read in."""
    facilitator = person("facilitator", "Marketing")
    page = open_page(facilitator, "/prompts", timezone_id=zone)
    page.get_by_label("An idea challenge with a time box").check()

    def local(iso: str) -> str:
        return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")

    # voting first: a submissions time once typed moves voting's min (the next test)
    for name in ("voting_close_at", "submissions_close_at"):
        field = page.locator(f'input[name="{name}"]')
        first_at, last_at = field.get_attribute("data-min-at"), field.get_attribute("data-max-at")
        assert first_at and last_at, "the server knew the zone already"
        expect(field).to_have_js_property("min", local(first_at))
        expect(field).to_have_js_property("max", local(last_at))
        beyond = datetime.fromisoformat(local(last_at)) + timedelta(minutes=1)
        assert validity(field, beyond.strftime("%Y-%m-%dT%H:%M")) == {"over": True, "under": False}
        assert validity(field, local(last_at)) == {"over": False, "under": False}
    assert page.js_errors == []


def test_the_new_task_day_picker_stops_at_the_servers_bounds(person, open_page):
    member = person("member", "Marketing")
    page = open_page(member, "/")
    page.locator("#new-task > summary").click()
    field = page.locator("#board-task-publish-on")
    first, last = field.get_attribute("min"), field.get_attribute("max")
    assert date.fromisoformat(last) - date.fromisoformat(first) >= timedelta(days=760)
    assert validity(field, last) == {"over": False, "under": False}
    over = (date.fromisoformat(last) + timedelta(days=1)).isoformat()
    assert validity(field, over) == {"over": True, "under": False}
    under = (date.fromisoformat(first) - timedelta(days=1)).isoformat()
    assert validity(field, under) == {"over": False, "under": True}
    assert page.js_errors == []


def test_voting_is_offered_only_after_the_submissions_close(person, api_as, open_page):
    facilitator = person("facilitator", "Marketing")
    api_as(facilitator).call("PATCH", "me", {"timezone": "Europe/Berlin"}, expect=200)
    page = open_page(facilitator, "/prompts", timezone_id="Europe/Berlin")
    page.get_by_label("An idea challenge with a time box").check()
    submissions = page.locator('input[name="submissions_close_at"]')
    voting = page.locator('input[name="voting_close_at"]')
    earliest = voting.get_attribute("min")
    first = datetime.fromisoformat(submissions.get_attribute("min")) + timedelta(days=10)
    submissions.fill(first.strftime("%Y-%m-%dT%H:%M"))
    after = (first + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    expect(voting).to_have_js_property("min", after)
    assert validity(voting, first.strftime("%Y-%m-%dT%H:%M")) == {"over": False, "under": True}
    assert validity(voting, after) == {"over": False, "under": False}
    submissions.fill("")
    expect(voting).to_have_js_property("min", earliest)
    assert page.js_errors == []
