"""The feed page as an observer reads it: what the live count of new lines says."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique

pytestmark = pytest.mark.browser


def test_the_count_of_new_lines_is_the_number_of_lines_that_arrived(person, api_as, open_page):
    """A newer vote tally replaces that day's older line of the same idea: one line. The
    status counted each replacement as new ("Live · 5 new" over three new lines)."""
    feed = open_page(person("observer", "Sales"), "/feed")
    expect(feed.locator("#feed-live")).to_have_attribute("data-state", "live")
    author = api_as(person("member", "Marketing"))
    title = unique("Trail-run Tuesdays")
    idea = author.post_idea(title)
    for votes, department in enumerate(("IT", "PR", "HR"), start=1):
        api_as(person("member", department)).vote(idea["id"])
        expect(feed.locator("li.feed-item", has_text="now has")).to_contain_text(
            f"{votes} vote" if votes == 1 else f"{votes} votes"
        )
    author.comment(idea["id"], "First one this week")
    expect(feed.locator("li.feed-item").first).to_contain_text("commented")
    arrived = feed.locator("li.feed-item-new")
    expect(arrived).to_have_count(3)
    expect(feed.locator("#feed-live")).to_have_text("Live · 3 new")
    assert feed.js_errors == []
