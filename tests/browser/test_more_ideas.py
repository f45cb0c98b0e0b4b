"""The board shows 50 ideas first and the rest as the reader scrolls or presses the link."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique_name, wait_until_live

pytestmark = pytest.mark.browser


def test_scrolling_down_brings_the_next_ideas_and_live_votes_still_apply(person, api_as, open_page):
    author = api_as(person("member", "Marketing"))
    tag = unique_name("more").lower()
    posted = [author.post_idea(f"Idea {n:02d} of {tag}", tags=[tag]) for n in range(57)]
    page = open_page(person("member", "IT"), f"/?sort=new&tag={tag}")
    wait_until_live(page)
    cards = page.locator("#idea-list .idea-card")
    expect(cards).to_have_count(50)
    page.locator("#more-ideas").scroll_into_view_if_needed()
    expect(cards).to_have_count(57)
    expect(page.locator("#more-ideas")).to_have_count(0)
    expect(page.locator("#more-ideas-status")).to_have_text("7 more ideas shown.")
    oldest = posted[0]
    author.vote(oldest["id"])
    card = page.locator(f'#idea-list .idea-card[data-idea-id="{oldest["id"]}"]')
    expect(card.locator('[data-field="votes"]')).to_have_text("1")
    assert page.js_errors == []


def test_the_link_loads_more_by_keyboard_without_scrolling(person, api_as, open_page):
    author = api_as(person("member", "Marketing"))
    tag = unique_name("keys").lower()
    for n in range(52):
        author.post_idea(f"Keyed idea {n:02d}", tags=[tag])
    page = open_page(
        person("member", "IT"), f"/?sort=new&tag={tag}", viewport={"width": 1200, "height": 400}
    )
    link = page.locator("#more-ideas")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#idea-list .idea-card")).to_have_count(52)


@pytest.mark.parametrize(
    ("locale", "said"), [("en-US", "1 more idea shown."), ("de-DE", "1 weitere Idee angezeigt.")]
)
def test_one_more_idea_is_counted_in_the_singular(person, api_as, open_page, locale, said):
    """The 51st idea came with "1 more ideas shown." and "1 weitere Ideen angezeigt." """
    author = api_as(person("member", "Marketing"))
    tag = unique_name("one").lower()
    for n in range(51):
        author.post_idea(f"Counted idea {n:02d}", tags=[tag])
    page = open_page(person("member", "IT"), f"/?sort=new&tag={tag}", locale=locale)
    page.locator("#more-ideas").scroll_into_view_if_needed()
    expect(page.locator("#idea-list .idea-card")).to_have_count(51)
    expect(page.locator("#more-ideas-status")).to_have_text(said)


def test_cards_loaded_on_scroll_show_their_comments_and_the_readers_vote(person, api_as, open_page):
    """The 51st idea came as a card built from the API's idea, which carries no comment
    count: "0 comments" under an idea with two, on every card past the first 50."""
    author = api_as(person("member", "Marketing"))
    reader = person("member", "IT")
    tag = unique_name("talked").lower()
    posted = [author.post_idea(f"Talked-about idea {n:02d}", tags=[tag]) for n in range(51)]
    oldest = posted[0]  # the last under "new": on the second page
    author.comment(oldest["id"], "First thought.")
    author.comment(oldest["id"], "Second thought.")
    api_as(reader).vote(oldest["id"])
    page = open_page(reader, f"/?sort=new&tag={tag}", locale="de-DE")
    card = page.locator(f'#idea-list .idea-card[data-idea-id="{oldest["id"]}"]')
    expect(card).to_have_count(0)
    page.locator("#more-ideas").scroll_into_view_if_needed()
    expect(card).to_have_count(1)
    expect(card.locator('[data-field="comments"]')).to_have_text("2 Kommentare")
    expect(card.locator('[data-field="votes"]')).to_have_text("1")
    expect(card.locator('button[aria-pressed="true"]')).to_have_count(1)  # the reader's vote
    assert page.js_errors == []
